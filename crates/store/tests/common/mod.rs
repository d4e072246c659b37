//! Helpers shared by the store's integration tests.
#![allow(dead_code)]

use std::path::Path;

use desk_store::{MessageRole, MessageStatus, NewMessage};
use rusqlite::{Connection, params};

/// The schema as the first release shipped it.
pub const V1_SCHEMA: &str = include_str!("../../migrations/0001_conversations.sql");

pub fn prompt_and_placeholder(prompt: &str) -> Vec<NewMessage> {
    vec![
        NewMessage {
            role: MessageRole::User,
            content: prompt.into(),
            status: MessageStatus::Complete,
            model: None,
            demo: false,
        },
        NewMessage {
            role: MessageRole::Assistant,
            content: String::new(),
            status: MessageStatus::Streaming,
            model: Some("qwen-plus".into()),
            demo: false,
        },
    ]
}

/// Writes a schema-1 database as the first release would have: one conversation, a prompt, a
/// finished reply with usage, and a reply a crash left streaming.
pub fn write_v1_rows(conn: &Connection) {
    conn.execute_batch(V1_SCHEMA).expect("v1 schema");
    conn.pragma_update(None, "user_version", 1)
        .expect("version");
    conn.execute(
        "INSERT INTO conversations VALUES ('c-1', '旧的对话 old chat', 'qwen-plus', 1000, 3000)",
        [],
    )
    .expect("conversation");
    conn.execute(
        "INSERT INTO messages VALUES ('m-1', 'c-1', 'user', '请介绍一下通义千问 please', 'complete', NULL, 0, \
         NULL, NULL, NULL, NULL, NULL, NULL, 2000, 2000)",
        [],
    )
    .expect("prompt");
    conn.execute(
        "INSERT INTO messages VALUES ('m-2', 'c-1', 'assistant', 'Qwen is a family of models', 'complete', \
         'qwen-plus', 0, NULL, NULL, 'req-9', 10, 20, 30, 2000, 2500)",
        [],
    )
    .expect("reply");
    conn.execute(
        "INSERT INTO messages VALUES ('m-3', 'c-1', 'user', 'and more?', 'complete', NULL, 0, \
         NULL, NULL, NULL, NULL, NULL, NULL, 3000, 3000)",
        [],
    )
    .expect("second prompt");
    conn.execute(
        "INSERT INTO messages VALUES ('m-4', 'c-1', 'assistant', 'Half an ans', 'streaming', \
         'qwen-plus', 0, NULL, NULL, NULL, NULL, NULL, NULL, 3000, 3100)",
        params![],
    )
    .expect("cut reply");
}

/// A schema-1 database at `path`, closed cleanly.
pub fn v1_database(path: &Path) {
    let conn = Connection::open(path).expect("raw open");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    write_v1_rows(&conn);
}

/// A schema-1 database at `path` whose rows exist only in its WAL, as a crash leaves it: the
/// files are copied while the writer still has them open, with checkpoints off.
pub fn v1_database_with_data_in_the_wal(path: &Path) {
    let scratch = tempfile::tempdir().expect("tempdir");
    let source = scratch.path().join("desk.sqlite3");
    let conn = Connection::open(&source).expect("raw open");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "wal_autocheckpoint", 0)
        .expect("no checkpoints");
    write_v1_rows(&conn);
    std::fs::copy(&source, path).expect("copy db");
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let mut source_wal = source.as_os_str().to_owned();
    source_wal.push("-wal");
    std::fs::copy(&source_wal, &wal).expect("copy wal");
    assert!(
        std::fs::metadata(&wal).expect("wal").len() > 0,
        "the rows must be in the WAL"
    );
    drop(conn);
}
