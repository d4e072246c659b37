//! Logging for every shell: stderr, plus one log file a day in `<data dir>/logs`
//! (`bailian-desk.YYYY-MM-DD.log`), of which the last [`MAX_LOG_FILES`] are kept, older ones deleted
//! at each rotation. Nothing the core logs carries a key: keys are `ApiKey`/`Secret`, which print as
//! `[redacted]`, and the secret scan test (`crates/cli/tests/secrets.rs`) checks every file.

use std::path::{Path, PathBuf};

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::error::{DeskError, ErrorCode};

/// The log folder inside the data folder.
pub const LOG_DIR: &str = "logs";
/// Daily files kept: two weeks. At the `info` level a day of use is a few hundred kilobytes at most,
/// so the folder stays within a few megabytes.
pub const MAX_LOG_FILES: usize = 14;
/// What the files record unless `RUST_LOG` says otherwise.
pub const FILE_FILTER: &str = "info";

pub fn log_dir(home: &Path) -> PathBuf {
    home.join(LOG_DIR)
}

/// Installs the global subscriber: stderr filtered by `RUST_LOG` or `default_filter`, and, when
/// `home` is known, the daily files filtered by `RUST_LOG` or [`FILE_FILTER`]. When the log folder
/// cannot be created, stderr is still installed and the error returned for the caller to report.
/// A second call does nothing.
pub fn init(home: Option<&Path>, default_filter: &str) -> Result<(), DeskError> {
    let filter = |default: &str| {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
    };
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_filter(filter(default_filter));
    let (file, error) = match home.map(file_appender) {
        Some(Ok(appender)) => (
            Some(
                tracing_subscriber::fmt::layer()
                    .with_writer(appender)
                    .with_ansi(false)
                    .with_filter(filter(FILE_FILTER)),
            ),
            None,
        ),
        Some(Err(error)) => (None, Some(error)),
        None => (None, None),
    };
    let _already_set = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
    match error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

fn file_appender(home: &Path) -> Result<RollingFileAppender, DeskError> {
    let dir = log_dir(home);
    let error = |e: &dyn std::fmt::Display| {
        DeskError::new(
            ErrorCode::Storage,
            format!("cannot write logs in {}: {e}", dir.display()),
        )
    };
    // Created first: the appender prunes old files before it would create the folder.
    std::fs::create_dir_all(&dir).map_err(|e| error(&e))?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("bailian-desk")
        .filename_suffix("log")
        .max_log_files(MAX_LOG_FILES)
        .build(&dir)
        .map_err(|e| error(&e))
}
