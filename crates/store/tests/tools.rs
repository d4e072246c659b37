//! Migration 0010 (tool messages and finish reasons): a schema-9 database with rows in it (a
//! prompt with an image and a vector, a reply with tool calls) is rebuilt without losing a row,
//! an image, a vector or a search entry; tool messages then store, stay out of search, and travel
//! in the op log with the finish reason.

mod common;

use common::{assistant_placeholder, snapshot};
use desk_store::{
    FinishReason, MIGRATIONS, MessageRole, MessageStatus, NewMessage, ReplyEnding, Store,
};
use rusqlite::{Connection, params};

/// Writes a database at schema 9 as that version left it: no device row yet (so opening backfills
/// the log from the rows, new fields included), one conversation, a prompt with an image and a
/// vector, a reply that asked for a tool.
fn v9_database(path: &std::path::Path) {
    let conn = Connection::open(path).expect("open");
    conn.pragma_update(None, "foreign_keys", "ON")
        .expect("foreign keys");
    for migration in &MIGRATIONS[..9] {
        conn.execute_batch(migration.sql).expect(migration.name);
    }
    conn.pragma_update(None, "user_version", 9)
        .expect("version");
    conn.execute_batch(
        "INSERT INTO conversations (id, title, model, created_at, updated_at) VALUES ('c1', '天气', 'qwen-plus', 1, 3);
         INSERT INTO messages (id, conversation_id, role, content, status, created_at, updated_at, parent_id)
           VALUES ('m1', 'c1', 'user', '杭州天气怎么样 weather', 'complete', 1, 1, NULL);
         INSERT INTO messages (id, conversation_id, role, content, status, model, created_at, updated_at, parent_id, tool_calls, input_tokens, output_tokens, total_tokens)
           VALUES ('m2', 'c1', 'assistant', '', 'complete', 'qwen-plus', 2, 3, 'm1',
                   '[{\"id\":\"call_1\",\"name\":\"weather\",\"arguments\":\"{\\\"city\\\":\\\"杭州\\\"}\"}]', 10, 5, 15);
         INSERT INTO message_attachments (id, message_id, position, mime, byte_length, bytes)
           VALUES ('a1', 'm1', 0, 'image/png', 3, x'010203');",
    )
    .expect("rows");
    conn.execute(
        "INSERT INTO message_vectors (message_id, model, dimension, vector, indexed_at) VALUES ('m1', 'text-embedding-v4', 2, ?1, 1)",
        params![vec![0u8; 8]],
    )
    .expect("vector");
}

fn tool_message(call_id: &str, content: &str) -> NewMessage {
    NewMessage {
        role: MessageRole::Tool,
        content: content.into(),
        status: MessageStatus::Complete,
        model: None,
        demo: false,
        attachments: Vec::new(),
        tool_call_id: Some(call_id.into()),
    }
}

#[test]
fn a_schema_9_database_keeps_every_row_image_vector_and_search_entry_and_takes_tool_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    v9_database(&path);

    let mut store = Store::open(&path).expect("upgrade");
    assert_eq!(
        store.schema_version().expect("version"),
        MIGRATIONS.len() as i64
    );
    assert_eq!(
        desk_store::list_backups(dir.path()).expect("backups").len(),
        1,
        "backed up before the upgrade"
    );
    let asked = store.message("m2").expect("reply");
    assert_eq!(asked.tool_calls.len(), 1);
    assert_eq!(asked.tool_calls[0].arguments, "{\"city\":\"杭州\"}");
    assert_eq!((asked.tool_call_id, asked.finish_reason), (None, None));
    assert_eq!(asked.parent_id.as_deref(), Some("m1"));
    assert_eq!(asked.usage.map(|u| u.total_tokens), Some(15));
    let prompt = store.message("m1").expect("prompt");
    assert_eq!(prompt.attachments.len(), 1, "the cascade did not run");
    assert_eq!(
        store
            .attachment_data(&prompt.attachments[0].id)
            .expect("bytes")
            .1,
        vec![1, 2, 3]
    );
    assert_eq!(store.search("杭州天气", 10).expect("search").len(), 1);

    // Tool results answer the call as a chain, and the next reply follows them.
    let chain = store
        .insert_messages_after(
            "c1",
            Some("m2"),
            &[
                tool_message("call_1", "晴 鑫鑫 sunny toolsecret"),
                assistant_placeholder(),
            ],
        )
        .expect("tool messages");
    assert_eq!(chain[0].parent_id.as_deref(), Some("m2"));
    assert_eq!(chain[1].parent_id.as_deref(), Some(chain[0].id.as_str()));
    assert_eq!(chain[0].tool_call_id.as_deref(), Some("call_1"));
    store
        .finish_reply(
            &chain[1].id,
            ReplyEnding {
                finish_reason: Some(FinishReason::Stop),
                ..ReplyEnding::new("It is sunny.", MessageStatus::Complete, None)
            },
        )
        .expect("finish");
    // Tool output is not searchable, by the index nor by the short-query scan.
    assert!(store.search("toolsecret", 10).expect("search").is_empty());
    assert!(store.search("鑫鑫", 10).expect("search").is_empty());
    assert_eq!(store.search("sunny.", 10).expect("search").len(), 1);

    // The log (backfilled from the schema-9 rows, then written) rebuilds the same tables.
    let ops = store.ops_since(store.device_id(), 0).expect("ops");
    let rebuilt = Store::open_in_memory().expect("open");
    let report = rebuilt.apply_remote_ops(&ops).expect("apply");
    assert_eq!(report.pending, 0);
    assert_eq!(snapshot(&rebuilt), snapshot(&store));
    drop(store);

    let store = Store::open(&path).expect("reopen");
    let reply = store.message(&chain[1].id).expect("reply");
    assert_eq!(reply.finish_reason, Some(FinishReason::Stop));
    let tool = store.message(&chain[0].id).expect("tool");
    assert_eq!(
        (tool.role, tool.tool_call_id.as_deref()),
        (MessageRole::Tool, Some("call_1"))
    );
    drop(store);

    let conn = Connection::open(&path).expect("raw");
    conn.execute(
        "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')",
        [],
    )
    .expect("the full-text index matches the messages");
    let vectors: i64 = conn
        .query_row("SELECT COUNT(*) FROM message_vectors", [], |r| r.get(0))
        .expect("count");
    assert_eq!(vectors, 1, "the vector survived the rebuild");
    let broken: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .expect("check");
    assert_eq!(broken, 0);
    // A tool message must name its call, and only a tool message may.
    for (role, call) in [("tool", None), ("user", Some("call_9"))] {
        let refused = conn.execute(
            "INSERT INTO messages (id, conversation_id, role, content, status, created_at, updated_at, tool_call_id) \
             VALUES ('x', 'c1', ?1, 'x', 'complete', 9, 9, ?2)",
            params![role, call],
        );
        assert!(refused.is_err(), "{role} with {call:?}");
    }
}

/// The store's own connection keeps enforcing foreign keys after the step that turned them off.
#[test]
fn foreign_keys_are_enforced_again_after_the_rebuild() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    v9_database(&path);
    let store = Store::open(&path).expect("upgrade");
    store
        .purge_conversation("c1")
        .expect_err("only from the trash");
    store.trash_conversation("c1").expect("trash");
    store.purge_conversation("c1").expect("purge");
    drop(store);
    let conn = Connection::open(&path).expect("raw");
    let left: i64 = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM message_attachments) + (SELECT COUNT(*) FROM message_vectors)",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(left, 0, "the purge cascaded to images and vectors");
}
