//! Backups, corruption checks and restores. The rule: the user's history is never deleted and
//! never silently replaced. A damaged file is moved aside, not removed; a failed upgrade is undone
//! from a copy taken just before it.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde::Serialize;

use crate::{Result, StoreError, now_ms};

/// One backup file, as [`list_backups`] finds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupInfo {
    pub path: PathBuf,
    /// Unix milliseconds, from the file name (file times do not survive every copy).
    pub created_at: i64,
    pub size_bytes: u64,
}

/// Where backups of the database in `data_dir` are kept.
pub fn backups_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

/// The backups in `<data_dir>/backups`, newest first. A missing folder means no backups.
pub fn list_backups(data_dir: &Path) -> Result<Vec<BackupInfo>> {
    let dir = backups_dir(data_dir);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(StoreError::Io {
                action: "read the backup folder",
                path: dir,
                source,
            });
        }
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(created_at) = backup_time(&name) else {
            continue;
        };
        let size_bytes = entry.metadata().map(|m| m.len()).unwrap_or(0);
        found.push(BackupInfo {
            path: entry.path(),
            created_at,
            size_bytes,
        });
    }
    found.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| b.path.cmp(&a.path))
    });
    Ok(found)
}

/// `desk-…-{unix_ms}.sqlite3` → the milliseconds; anything else is not one of our backups.
fn backup_time(name: &str) -> Option<i64> {
    let stem = name.strip_prefix("desk-")?.strip_suffix(".sqlite3")?;
    stem.rsplit('-').next()?.parse().ok()
}

pub(crate) fn latest_backup(data_dir: &Path) -> Option<PathBuf> {
    list_backups(data_dir)
        .ok()
        .and_then(|backups| backups.into_iter().next())
        .map(|b| b.path)
}

/// Errors that mean the file is not a sound SQLite database (as opposed to busy, full, …).
pub(crate) fn is_corruption(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// `PRAGMA quick_check` or `integrity_check`: `Ok` when it says `ok`, else what it found.
pub(crate) fn check(conn: &Connection, pragma: &str) -> Result<(), String> {
    let run = || -> rusqlite::Result<Vec<String>> {
        let mut statement = conn.prepare(&format!("PRAGMA {pragma}"))?;
        let rows = statement.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect()
    };
    match run() {
        Ok(lines) if lines.len() == 1 && lines[0] == "ok" => Ok(()),
        Ok(lines) => Err(lines.join("; ")),
        Err(error) => Err(error.to_string()),
    }
}

/// What can be checked without reading every page: the schema can be read (a foreign file fails
/// here), and the file is as long as its header says (a cut file fails here). Only for a file
/// without a WAL, whose pages all live in the file.
pub(crate) fn cheap_check(conn: &Connection, file_len: u64) -> Result<(), String> {
    let run = || -> rusqlite::Result<(i64, i64)> {
        conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |_| Ok(()))?;
        let pages: i64 = conn.pragma_query_value(None, "page_count", |r| r.get(0))?;
        let size: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
        Ok((pages, size))
    };
    let (pages, size) = run().map_err(|e| e.to_string())?;
    let expected = u64::try_from(pages.saturating_mul(size)).unwrap_or(u64::MAX);
    if expected > file_len {
        return Err(format!(
            "the file is {file_len} bytes but its header says {pages} pages of {size} bytes"
        ));
    }
    Ok(())
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_owned();
    move |source| StoreError::Io {
        action,
        path,
        source,
    }
}

/// A consistent copy of `conn`'s database at `<dir>/<stem>-<unix_ms>.sqlite3`. The copy is made
/// under a temporary name and renamed, so a crash never leaves a half-written file that looks
/// like a backup.
pub(crate) fn take(conn: &Connection, dir: &Path, stem: &str) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(io("create the backup folder", dir))?;
    let mut ms = now_ms();
    let mut path = dir.join(format!("{stem}-{ms}.sqlite3"));
    while path.exists() {
        ms += 1;
        path = dir.join(format!("{stem}-{ms}.sqlite3"));
    }
    let partial = dir.join(format!(".{stem}-{ms}.sqlite3.partial"));
    let _ = fs::remove_file(&partial);
    {
        let mut copy = Connection::open(&partial)?;
        {
            // All pages in one step: one read transaction, so the copy is a single snapshot even
            // if another process writes meanwhile.
            let backup = Backup::new(conn, &mut copy)?;
            let mut waits = 0;
            loop {
                match backup.step(-1)? {
                    StepResult::Done => break,
                    StepResult::More => {}
                    StepResult::Busy | StepResult::Locked if waits < 50 => {
                        waits += 1;
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    _ => {
                        return Err(StoreError::Io {
                            action: "back up (the database stayed locked)",
                            path: partial,
                            source: std::io::ErrorKind::WouldBlock.into(),
                        });
                    }
                }
            }
        }
        // The copy inherits WAL mode from the source header; a backup should be one
        // self-contained file that can be copied, opened read-only or restored as is.
        copy.pragma_update(None, "journal_mode", "DELETE")?;
    }
    fs::rename(&partial, &path).map_err(io("name the backup", &path))?;
    Ok(path)
}

/// Checks that `backup` is a sound database before it replaces anything.
fn verify(backup: &Path) -> Result<()> {
    let unusable = |reason: String| StoreError::BackupUnusable {
        path: backup.to_owned(),
        reason,
    };
    let conn = Connection::open_with_flags(
        backup,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| unusable(e.to_string()))?;
    check(&conn, "quick_check").map_err(unusable)
}

pub(crate) fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Copies `backup` to `db` through a temporary file and a rename, so `db` is at every moment
/// either the old file or the whole backup.
fn copy_in(db: &Path, backup: &Path) -> Result<()> {
    let incoming = sidecar(db, ".restoring");
    fs::copy(backup, &incoming).map_err(io("copy the backup", backup))?;
    fs::File::open(&incoming)
        .and_then(|f| f.sync_all())
        .map_err(io("flush the restored copy", &incoming))?;
    fs::rename(&incoming, db).map_err(io("put the backup in place", db))
}

/// Puts the backup taken before a failed upgrade back in place. The caller has closed every
/// connection. The WAL and shared-memory files go first: SQLite checks WAL frames against the WAL
/// header, not the database, so a stale WAL left beside the restored file would be replayed onto
/// it. Nothing in them is lost: the backup was read through them.
pub(crate) fn restore_over(db: &Path, backup: &Path) -> Result<()> {
    verify(backup)?;
    for suffix in ["-wal", "-shm"] {
        let path = sidecar(db, suffix);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(StoreError::Io {
                    action: "remove",
                    path,
                    source,
                });
            }
        }
    }
    copy_in(db, backup)
}

/// Replaces a damaged database with `backup_path`. The damaged file (and its WAL and
/// shared-memory files) is first renamed to `<db>.corrupt-<unix_ms>` (`-wal`, `-shm`), never
/// deleted: it may hold recent messages a specialist could still recover. Returns where it went.
/// No [`crate::Store`] may be open on `db_path`.
pub fn restore_backup(db_path: &Path, backup_path: &Path) -> Result<Option<PathBuf>> {
    verify(backup_path)?;
    let aside = sidecar(db_path, &format!(".corrupt-{}", now_ms()));
    let moved = if db_path.exists() {
        fs::rename(db_path, &aside).map_err(io("move the damaged database aside", db_path))?;
        for suffix in ["-wal", "-shm"] {
            let from = sidecar(db_path, suffix);
            if from.exists() {
                let to = sidecar(&aside, suffix);
                fs::rename(&from, &to).map_err(io("move aside", &from))?;
            }
        }
        tracing::warn!(damaged = %aside.display(), "damaged database moved aside");
        Some(aside)
    } else {
        None
    };
    copy_in(db_path, backup_path)?;
    tracing::info!(backup = %backup_path.display(), db = %db_path.display(), "backup restored");
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_carry_their_time() {
        assert_eq!(
            backup_time("desk-pre-v2-1700000000000.sqlite3"),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            backup_time("desk-1700000000001.sqlite3"),
            Some(1_700_000_000_001)
        );
        assert_eq!(backup_time(".desk-1.sqlite3.partial"), None);
        assert_eq!(backup_time("notes.txt"), None);
    }
}
