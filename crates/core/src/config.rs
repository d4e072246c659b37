//! Configuration from the environment, the same for the desktop app and the CLI.

use std::path::PathBuf;

use bailian::{ApiKey, DEFAULT_BASE_URL, Endpoint, PollPolicy, Region, RetryPolicy};

use crate::error::{DeskError, ErrorCode};

pub const ENV_API_KEY: &str = "DASHSCOPE_API_KEY";
pub const ENV_BASE_URL: &str = "BAILIAN_BASE_URL";
pub const ENV_HOME: &str = "BAILIAN_DESK_HOME";
pub const ENV_MODEL: &str = "BAILIAN_DEFAULT_MODEL";
pub const ENV_REGION: &str = "BAILIAN_REGION";
pub const ENV_WORKSPACE: &str = "BAILIAN_WORKSPACE";

pub const DEFAULT_MODEL: &str = "qwen-plus";
const DATABASE_FILE: &str = "desk.sqlite3";

#[derive(Debug, Clone)]
pub struct DeskConfig {
    /// The data folder. It is named after the product, never after the app's bundle identifier or
    /// install path, so renaming or moving the app cannot orphan a user's history.
    pub home: PathBuf,
    pub base_url: String,
    /// Sent as `X-DashScope-WorkSpace` when set.
    pub workspace: Option<String>,
    pub api_key: Option<ApiKey>,
    pub default_model: String,
    pub retry: RetryPolicy,
    /// How image and other asynchronous tasks are polled.
    pub image_poll: PollPolicy,
}

impl DeskConfig {
    pub fn from_env() -> Result<Self, DeskError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let home = match var(ENV_HOME) {
            Some(home) => PathBuf::from(home),
            None => dirs::data_dir()
                .map(|dir| dir.join("bailian-desk"))
                .ok_or_else(|| {
                    DeskError::new(
                        ErrorCode::Storage,
                        format!("no data folder is known for this system; set {ENV_HOME}"),
                    )
                })?,
        };
        let endpoint = endpoint_from(var(ENV_BASE_URL), var(ENV_REGION), var(ENV_WORKSPACE))?;
        Ok(Self {
            home,
            base_url: endpoint.base_url(),
            workspace: endpoint.workspace().map(str::to_owned),
            api_key: var(ENV_API_KEY).and_then(ApiKey::new),
            default_model: var(ENV_MODEL).unwrap_or_else(|| DEFAULT_MODEL.to_owned()),
            retry: RetryPolicy::default(),
            image_poll: PollPolicy::default(),
        })
    }

    /// A configuration rooted at `home`, with no key: for tests and tools.
    pub fn at(home: impl Into<PathBuf>) -> Self {
        Self {
            home: home.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            workspace: None,
            api_key: None,
            default_model: DEFAULT_MODEL.to_owned(),
            retry: RetryPolicy::default(),
            image_poll: PollPolicy::default(),
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.home.join(DATABASE_FILE)
    }
}

/// Where requests go: a custom base URL wins; otherwise the region's gateway, or the workspace
/// host within it when a workspace is named.
fn endpoint_from(
    base_url: Option<String>,
    region: Option<String>,
    workspace: Option<String>,
) -> Result<Endpoint, DeskError> {
    let region = match region {
        Some(id) => Region::parse(&id).ok_or_else(|| {
            DeskError::new(
                ErrorCode::BadRequest,
                format!("{ENV_REGION}={id:?} is not a region; use cn-beijing, ap-southeast-1 or us-east-1"),
            )
        })?,
        None => Region::CnBeijing,
    };
    match (base_url, workspace) {
        (Some(base_url), _) => Ok(Endpoint::Custom { base_url }),
        (None, Some(workspace)) => Endpoint::workspace_in(region, &workspace)
            .map_err(|e| DeskError::new(ErrorCode::BadRequest, e.to_string())),
        (None, None) => Ok(Endpoint::Region { region }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_from_the_environment() {
        let e = endpoint_from(None, None, None).expect("default");
        assert_eq!(e.base_url(), "https://dashscope.aliyuncs.com");
        let e = endpoint_from(None, Some("ap-southeast-1".into()), Some("ws-1".into()))
            .expect("workspace");
        assert_eq!(
            (e.base_url().as_str(), e.workspace()),
            (
                "https://ws-1.ap-southeast-1.maas.aliyuncs.com",
                Some("ws-1")
            )
        );
        let e = endpoint_from(
            Some("http://127.0.0.1:9".into()),
            Some("us-east-1".into()),
            None,
        )
        .expect("custom");
        assert_eq!(e.base_url(), "http://127.0.0.1:9");
        assert!(endpoint_from(None, Some("moon-1".into()), None).is_err());
        assert!(endpoint_from(None, None, Some("bad.host/x".into())).is_err());
    }
}
