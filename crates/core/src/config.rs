//! Configuration from the environment, the same for the desktop app and the CLI.

use std::path::PathBuf;

use bailian::{ApiKey, DEFAULT_BASE_URL, RetryPolicy};

use crate::error::{DeskError, ErrorCode};

pub const ENV_API_KEY: &str = "DASHSCOPE_API_KEY";
pub const ENV_BASE_URL: &str = "BAILIAN_BASE_URL";
pub const ENV_HOME: &str = "BAILIAN_DESK_HOME";
pub const ENV_MODEL: &str = "BAILIAN_DEFAULT_MODEL";

pub const DEFAULT_MODEL: &str = "qwen-plus";
const DATABASE_FILE: &str = "desk.sqlite3";

#[derive(Debug, Clone)]
pub struct DeskConfig {
    /// The data folder. It is named after the product, never after the app's bundle identifier or
    /// install path, so renaming or moving the app cannot orphan a user's history.
    pub home: PathBuf,
    pub base_url: String,
    pub api_key: Option<ApiKey>,
    pub default_model: String,
    pub retry: RetryPolicy,
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
        Ok(Self {
            home,
            base_url: var(ENV_BASE_URL).unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
            api_key: var(ENV_API_KEY).and_then(ApiKey::new),
            default_model: var(ENV_MODEL).unwrap_or_else(|| DEFAULT_MODEL.to_owned()),
            retry: RetryPolicy::default(),
        })
    }

    /// A configuration rooted at `home`, with no key: for tests and tools.
    pub fn at(home: impl Into<PathBuf>) -> Self {
        Self {
            home: home.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key: None,
            default_model: DEFAULT_MODEL.to_owned(),
            retry: RetryPolicy::default(),
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.home.join(DATABASE_FILE)
    }
}
