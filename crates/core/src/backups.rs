//! Backups the user can rely on: taken automatically (at most a day apart, the last
//! [`KEEP_AUTOMATIC`] kept), on demand, and restored without destroying anything — the current
//! state is snapshotted first and the replaced file is kept aside. A failed automatic backup is
//! reported in the app status, never swallowed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use desk_store::{BackupInfo, SearchHit, Store, backups_dir, list_backups, restore_backup};
use serde::Serialize;

use crate::config::DeskConfig;
use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

/// Automatic backups kept; older ones are deleted (manual and pre-migration ones are kept too,
/// counted in the same folder, so the newest N of all survive).
pub const KEEP_AUTOMATIC: usize = 10;
/// How old the newest backup may be before opening the app takes a new one.
pub const AUTOMATIC_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreReport {
    /// The snapshot of the state before the restore, when there was a readable one.
    pub snapshot: Option<PathBuf>,
    /// Where the replaced database file was moved (kept, not deleted).
    pub replaced_file: Option<PathBuf>,
}

fn storage(message: String) -> DeskError {
    DeskError::new(ErrorCode::Storage, message)
}

/// Deletes backups beyond the newest `keep`. A file that cannot be deleted is reported.
fn prune(data_dir: &Path, keep: usize) -> Result<(), DeskError> {
    for old in list_backups(data_dir)?.into_iter().skip(keep) {
        std::fs::remove_file(&old.path).map_err(|e| {
            storage(format!(
                "cannot delete old backup {}: {e}",
                old.path.display()
            ))
        })?;
    }
    Ok(())
}

/// Takes an automatic backup when the newest is older than `interval` (or there is none and the
/// database holds something). Called when the app opens.
pub(crate) fn ensure_recent(
    store: &Store,
    config: &DeskConfig,
    interval: Duration,
) -> Result<Option<PathBuf>, DeskError> {
    let newest = list_backups(&config.home)?.into_iter().next();
    let now = desk_store::now_ms();
    let fresh = newest.is_some_and(|b| {
        now - b.created_at < i64::try_from(interval.as_millis()).unwrap_or(i64::MAX)
    });
    if fresh || store.list_conversations()?.is_empty() {
        return Ok(None);
    }
    let path = store.backup_now(&backups_dir(&config.home))?;
    prune(&config.home, KEEP_AUTOMATIC)?;
    tracing::info!(backup = %path.display(), "automatic backup taken");
    Ok(Some(path))
}

/// Restores `backup` over the database of `config`. No `Desk` may be open on it (the CLI calls
/// this before opening one). The current state is snapshotted first when it can be read.
pub fn restore(config: &DeskConfig, backup: &Path) -> Result<RestoreReport, DeskError> {
    let db = config.database_path();
    let snapshot = match Store::open(&db) {
        Ok(store) => Some(store.backup_now(&backups_dir(&config.home))?),
        Err(error) => {
            tracing::warn!(%error, "the current database cannot be read; restoring without a snapshot (it is kept aside)");
            None
        }
    };
    let replaced_file = restore_backup(&db, backup)?;
    // Open once, so a restored backup from an older version is migrated (and checked) now.
    Store::open(&db)?;
    Ok(RestoreReport {
        snapshot,
        replaced_file,
    })
}

impl Desk {
    /// Full-text search over every message, newest first, with highlighted snippets.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, DeskError> {
        if query.trim().is_empty() {
            return Err(DeskError::new(
                ErrorCode::EmptyPrompt,
                "the search is empty",
            ));
        }
        Ok(self.store().search(query, limit)?)
    }

    /// A backup now, into `<data dir>/backups`.
    pub fn backup_now(&self) -> Result<PathBuf, DeskError> {
        let path = self.store().backup_now(&backups_dir(&self.config().home))?;
        prune(&self.config().home, KEEP_AUTOMATIC.max(1))?;
        Ok(path)
    }

    pub fn backups(&self) -> Result<Vec<BackupInfo>, DeskError> {
        Ok(list_backups(&self.config().home)?)
    }
}
