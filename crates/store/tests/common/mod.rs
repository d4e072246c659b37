//! Helpers shared by the store's integration tests.
#![allow(dead_code)]

use std::path::Path;

use desk_store::{Conversation, Message, MessageRole, MessageStatus, NewMessage, Op, Store};
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
            attachments: Vec::new(),
            tool_call_id: None,
        },
        NewMessage {
            role: MessageRole::Assistant,
            content: String::new(),
            status: MessageStatus::Streaming,
            model: Some("qwen-plus".into()),
            demo: false,
            attachments: Vec::new(),
            tool_call_id: None,
        },
    ]
}

/// The streaming reply a send starts with.
pub fn assistant_placeholder() -> NewMessage {
    prompt_and_placeholder("").pop().expect("placeholder")
}

/// A finished message of `role` saying `content`.
pub fn said(role: MessageRole, content: &str) -> NewMessage {
    NewMessage {
        role,
        content: content.into(),
        status: MessageStatus::Complete,
        model: None,
        demo: false,
        attachments: Vec::new(),
        tool_call_id: None,
    }
}

/// Every op this store's device wrote, from the first.
pub fn all_ops(store: &Store) -> Vec<Op> {
    store.ops_since(store.device_id(), 0).expect("ops")
}

/// Every conversation (whatever its scope) with its messages. Attachments are left out: their
/// bytes are not in ops (see `desk_domain::op`), so a database rebuilt from the log has none.
pub fn snapshot(store: &Store) -> Vec<(Conversation, Vec<Message>)> {
    let mut conversations = store.list_conversations().expect("list");
    conversations.sort_by(|a, b| a.id.cmp(&b.id));
    conversations
        .into_iter()
        .map(|c| {
            let mut messages = store.messages(&c.id).expect("messages");
            for message in &mut messages {
                message.attachments.clear();
            }
            (c, messages)
        })
        .collect()
}

/// A number read straight from the database file with SQL, around the store.
pub fn raw_count(path: &Path, sql: &str) -> i64 {
    Connection::open(path)
        .expect("raw open")
        .query_row(sql, [], |r| r.get(0))
        .expect("count")
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

/// What a schema-5 database holds, as [`v5_database`] wrote it.
pub struct V5 {
    pub device: desk_store::DeviceId,
    /// Each message id with the parent migration 0006 must give it.
    pub parents: Vec<(&'static str, Option<&'static str>)>,
}

/// Writes a schema-5 database as the release before the chat tree left it: two conversations
/// whose messages interleave in time, finished, failed and cut replies, and the op log that
/// version wrote (ops without `parentId` and without the richer finish fields).
pub fn v5_database(path: &Path) -> V5 {
    use desk_store::{DeviceId, Hlc, MIGRATIONS};
    let conn = Connection::open(path).expect("raw open");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    for migration in &MIGRATIONS[..5] {
        conn.execute_batch(migration.sql).expect(migration.name);
    }
    conn.pragma_update(None, "user_version", 5)
        .expect("version");
    let device = DeviceId::generate();
    conn.execute(
        "INSERT INTO device (singleton, device_id) VALUES (1, ?1)",
        params![device.to_string()],
    )
    .expect("device");
    let mut seq = 0u64;
    let mut op = |kind: &str, payload: serde_json::Value| -> String {
        seq += 1;
        let hlc = Hlc {
            physical_ms: 1_700_000_000_000 + seq,
            logical: 0,
            device,
        }
        .to_string();
        conn.execute(
            "INSERT INTO ops (op_id, device_id, seq, hlc, kind, payload, applied) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)",
            params![
                uuid::Uuid::now_v7().to_string(),
                device.to_string(),
                seq as i64,
                hlc,
                kind,
                payload.to_string()
            ],
        )
        .expect("op");
        hlc
    };
    let conversation = |op: &mut dyn FnMut(&str, serde_json::Value) -> String,
                        id: &str,
                        title: &str,
                        created_at: i64,
                        updated_at: i64| {
        op(
            "conversation.created",
            serde_json::json!({"id": id, "title": title, "model": "qwen-plus", "createdAt": created_at}),
        );
        conn.execute(
            "INSERT INTO conversations (id, title, model, created_at, updated_at) VALUES (?1, ?2, 'qwen-plus', ?3, ?4)",
            params![id, title, created_at, updated_at],
        )
        .expect("conversation");
    };
    // (id, conversation, role, content, status, created_at)
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        i64,
    );
    // How a reply was finished: (error code, (input, output) tokens, finished_at).
    type Finish<'a> = Option<(Option<&'a str>, Option<(i64, i64)>, i64)>;
    let message = |op: &mut dyn FnMut(&str, serde_json::Value) -> String,
                   (id, conversation, role, content, status, created_at): Row,
                   finish: Finish<'_>| {
        let model = (role == "assistant").then_some("qwen-plus");
        op(
            "message.inserted",
            serde_json::json!({"id": id, "conversationId": conversation, "role": role,
                "content": if finish.is_some() { "" } else { content },
                "status": if finish.is_some() { "streaming" } else { status },
                "model": model, "demo": false, "createdAt": created_at}),
        );
        let (finish_hlc, updated_at, error, usage) = match finish {
            Some((error, usage, finished_at)) => {
                let hlc = op(
                    "message.finished",
                    serde_json::json!({"id": id, "content": content, "status": status,
                        "usage": usage.map(|(i, o)| serde_json::json!({"inputTokens": i, "outputTokens": o, "totalTokens": i + o})),
                        "error": error.map(|code| serde_json::json!({"code": code, "message": "m"})),
                        "requestId": null, "finishedAt": finished_at}),
                );
                (Some(hlc), finished_at, error, usage)
            }
            None => (None, created_at, None, None),
        };
        conn.execute(
            "INSERT INTO messages (id, conversation_id, role, content, status, model, demo, error_code, error_message, \
             input_tokens, output_tokens, total_tokens, created_at, updated_at, origin_device, finish_hlc) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                id,
                conversation,
                role,
                content,
                status,
                model,
                error,
                error.map(|_| "m"),
                usage.map(|u| u.0),
                usage.map(|u| u.1),
                usage.map(|u| u.0 + u.1),
                created_at,
                updated_at,
                device.to_string(),
                finish_hlc
            ],
        )
        .expect("message");
    };
    conversation(&mut op, "c-a", "通义千问 chat", 1000, 2000);
    message(
        &mut op,
        (
            "m-a1",
            "c-a",
            "user",
            "请介绍一下通义千问 please",
            "complete",
            1000,
        ),
        None,
    );
    message(
        &mut op,
        (
            "m-a2",
            "c-a",
            "assistant",
            "Qwen is a family of models",
            "complete",
            1000,
        ),
        Some((None, Some((10, 20)), 1200)),
    );
    conversation(&mut op, "c-b", "second", 1500, 1500);
    message(
        &mut op,
        ("m-b1", "c-b", "user", "hello there", "complete", 1500),
        None,
    );
    message(
        &mut op,
        ("m-b2", "c-b", "assistant", "", "failed", 1500),
        Some((Some("invalid_api_key"), None, 1600)),
    );
    message(
        &mut op,
        ("m-a3", "c-a", "user", "and more?", "complete", 2000),
        None,
    );
    message(
        &mut op,
        (
            "m-a4",
            "c-a",
            "assistant",
            "Half an answer",
            "partial",
            2000,
        ),
        Some((Some("stream_interrupted"), None, 2100)),
    );
    V5 {
        device,
        parents: vec![
            ("m-a1", None),
            ("m-a2", Some("m-a1")),
            ("m-a3", Some("m-a2")),
            ("m-a4", Some("m-a3")),
            ("m-b1", None),
            ("m-b2", Some("m-b1")),
        ],
    }
}
