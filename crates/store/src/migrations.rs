//! Versioned schema migrations, tracked in SQLite's `user_version`. Migrations are only ever
//! appended, never edited: a released database must be able to reach every later schema.

use rusqlite::{Connection, TransactionBehavior};

/// One schema step. Public only so tests can inject a failing step after the real ones.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

#[doc(hidden)]
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "0001_conversations",
        sql: include_str!("../migrations/0001_conversations.sql"),
    },
    Migration {
        name: "0002_message_search",
        sql: include_str!("../migrations/0002_message_search.sql"),
    },
    Migration {
        name: "0003_op_log",
        sql: include_str!("../migrations/0003_op_log.sql"),
    },
    Migration {
        name: "0004_images",
        sql: include_str!("../migrations/0004_images.sql"),
    },
    Migration {
        name: "0005_usage",
        sql: include_str!("../migrations/0005_usage.sql"),
    },
    Migration {
        name: "0006_chat_tree",
        sql: include_str!("../migrations/0006_chat_tree.sql"),
    },
    Migration {
        name: "0007_meetings",
        sql: include_str!("../migrations/0007_meetings.sql"),
    },
    Migration {
        name: "0008_message_vectors",
        sql: include_str!("../migrations/0008_message_vectors.sql"),
    },
    Migration {
        name: "0009_assistants_and_image_inputs",
        sql: include_str!("../migrations/0009_assistants_and_image_inputs.sql"),
    },
    Migration {
        name: "0010_tools_and_finish_reason",
        sql: include_str!("../migrations/0010_tools_and_finish_reason.sql"),
    },
    Migration {
        name: "0011_transcriptions",
        sql: include_str!("../migrations/0011_transcriptions.sql"),
    },
];

/// Why a step failed, before the caller decides what that means for the user's data.
#[derive(Debug)]
pub(crate) struct StepFailed {
    pub version: i64,
    pub error: rusqlite::Error,
}

pub(crate) fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

pub(crate) fn latest(migrations: &[Migration]) -> i64 {
    i64::try_from(migrations.len()).unwrap_or(i64::MAX)
}

/// The first line of a step that rebuilds a table other tables reference. SQLite's procedure for
/// changes ALTER TABLE cannot make (create, copy, drop, rename) needs foreign keys off: dropping
/// the old table with them on would run its `ON DELETE CASCADE`s and delete the rows that point
/// at it. `PRAGMA foreign_keys` is a no-op inside a transaction, so the runner sets it around the
/// step, and checks the keys (`PRAGMA foreign_key_check`) before committing.
const FOREIGN_KEYS_OFF: &str = "-- desk-store: foreign keys off";

/// Applies the pending steps, each in its own transaction together with its version bump, so a
/// failed step leaves the database at the previous version.
pub(crate) fn apply(conn: &mut Connection, migrations: &[Migration]) -> Result<(), StepFailed> {
    let current = version(conn).map_err(|error| StepFailed { version: 1, error })?;
    for (index, migration) in migrations
        .iter()
        .enumerate()
        .skip(usize::try_from(current).unwrap_or(0))
    {
        let version = i64::try_from(index).unwrap_or(i64::MAX - 1) + 1;
        let rebuilds = migration.sql.starts_with(FOREIGN_KEYS_OFF);
        let step = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(migration.sql)?;
            if rebuilds {
                let broken: i64 =
                    tx.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                        r.get(0)
                    })?;
                if broken > 0 {
                    return Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                        Some(format!(
                            "{broken} rows break a foreign key after {}",
                            migration.name
                        )),
                    ));
                }
            }
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()
        };
        let result = if rebuilds {
            let enforced: bool = conn
                .pragma_query_value(None, "foreign_keys", |r| r.get(0))
                .map_err(|error| StepFailed { version, error })?;
            conn.pragma_update(None, "foreign_keys", false)
                .map_err(|error| StepFailed { version, error })?;
            let result = step(conn);
            // Restored whatever the step did: the connection goes on being used (or restored).
            let restored = conn.pragma_update(None, "foreign_keys", enforced);
            result.and(restored)
        } else {
            step(conn)
        };
        result.map_err(|error| StepFailed { version, error })?;
        tracing::info!(version, name = migration.name, "database migrated");
    }
    Ok(())
}
