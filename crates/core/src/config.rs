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
/// Where keys set in the app are kept: `os` (default: the OS credential store), `file` (the
/// encrypted key file, opt-in), `keyutils` (Linux session keyring only), `none`; `memory` is for
/// tests only (a key set in one process is gone in the next).
pub const ENV_VAULT: &str = "BAILIAN_DESK_VAULT";
/// The encrypted key file (default `<data dir>/keys.json` when `BAILIAN_DESK_VAULT=file`).
pub const ENV_KEY_FILE: &str = "BAILIAN_DESK_KEY_FILE";
/// The key file's password.
pub const ENV_KEY_FILE_PASSWORD: &str = "BAILIAN_DESK_KEY_FILE_PASSWORD";
/// The Tingwu app (`tw_…`, created in the Bailian console) meetings are analysed with.
pub const ENV_TINGWU_APP_ID: &str = "BAILIAN_TINGWU_APP_ID";

pub const DEFAULT_MODEL: &str = "qwen-plus";
const DATABASE_FILE: &str = "desk.sqlite3";
/// How long a live recognition session may go without audio before it is closed.
pub const DEFAULT_LIVE_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

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
    /// Where keys set in the app are kept; used when `api_key` (the environment) is not set.
    pub vault: VaultSetting,
    /// The vault slot of this region or workspace (`cn-beijing`, `ws:<id>`).
    pub key_slot: String,
    /// Whether the endpoint (base URL, region, workspace) was set by the environment, which then
    /// wins over the region or workspace a profile chose in the app.
    pub endpoint_from_env: bool,
    /// The profile whose keys the vault slots belong to (`cn-beijing@<profile>`); `None` for the
    /// first profile, whose keys keep the slot names they had before profiles existed.
    pub key_profile: Option<String>,
    /// The Tingwu app meetings are created in; meetings are refused without one.
    pub tingwu_app_id: Option<String>,
    /// A live recognition session that receives no audio for this long is closed, so a window
    /// that went away does not keep a socket open.
    pub live_idle_timeout: std::time::Duration,
}

/// Which credential store [`crate::Desk`] opens. The key file is never chosen implicitly.
#[derive(Debug, Clone, Default)]
pub enum VaultSetting {
    /// No store: the key comes from the environment only.
    #[default]
    None,
    Os,
    Keyutils,
    /// Test-only: lives as long as the `Desk`.
    Memory,
    File {
        path: PathBuf,
        password: Option<desk_vault::Secret>,
    },
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
        let key_slot = match var(ENV_WORKSPACE) {
            Some(ws) => format!("ws:{}", ws.trim()),
            None => var(ENV_REGION).unwrap_or_else(|| Region::CnBeijing.id().to_owned()),
        };
        let vault = vault_from(
            var(ENV_VAULT),
            var(ENV_KEY_FILE),
            var(ENV_KEY_FILE_PASSWORD),
            &home,
        )?;
        let endpoint_from_env = [ENV_BASE_URL, ENV_REGION, ENV_WORKSPACE]
            .iter()
            .any(|name| var(name).is_some());
        Ok(Self {
            home,
            endpoint_from_env,
            base_url: endpoint.base_url(),
            workspace: endpoint.workspace().map(str::to_owned),
            api_key: var(ENV_API_KEY).and_then(ApiKey::new),
            default_model: var(ENV_MODEL).unwrap_or_else(|| DEFAULT_MODEL.to_owned()),
            retry: RetryPolicy::default(),
            image_poll: PollPolicy::default(),
            vault,
            key_slot,
            key_profile: None,
            tingwu_app_id: var(ENV_TINGWU_APP_ID).map(|id| id.trim().to_owned()),
            live_idle_timeout: DEFAULT_LIVE_IDLE_TIMEOUT,
        })
    }

    /// A configuration rooted at `home`, with no key: for tests and tools.
    pub fn at(home: impl Into<PathBuf>) -> Self {
        Self {
            home: home.into(),
            endpoint_from_env: false,
            base_url: DEFAULT_BASE_URL.to_owned(),
            workspace: None,
            api_key: None,
            default_model: DEFAULT_MODEL.to_owned(),
            retry: RetryPolicy::default(),
            image_poll: PollPolicy::default(),
            vault: VaultSetting::None,
            key_slot: Region::CnBeijing.id().to_owned(),
            key_profile: None,
            tingwu_app_id: None,
            live_idle_timeout: DEFAULT_LIVE_IDLE_TIMEOUT,
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.home.join(DATABASE_FILE)
    }
}

fn vault_from(
    choice: Option<String>,
    file: Option<String>,
    password: Option<String>,
    home: &std::path::Path,
) -> Result<VaultSetting, DeskError> {
    Ok(match choice.as_deref().map(str::trim) {
        None | Some("os") => VaultSetting::Os,
        Some("none") => VaultSetting::None,
        Some("keyutils") => VaultSetting::Keyutils,
        Some("memory") => VaultSetting::Memory,
        Some("file") => VaultSetting::File {
            path: file.map_or_else(|| home.join("keys.json"), PathBuf::from),
            password: password.and_then(|p| desk_vault::Secret::new(&p).ok()),
        },
        Some(other) => {
            return Err(DeskError::new(
                ErrorCode::BadRequest,
                format!("{ENV_VAULT}={other:?}: use os, file, keyutils or none"),
            ));
        }
    })
}

/// Where requests go: a custom base URL wins; otherwise the region's gateway, or the workspace
/// host within it when a workspace is named.
pub(crate) fn endpoint_from(
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
