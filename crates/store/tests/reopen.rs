//! The store on a real file: what was written is there after a reopen, including replies that a
//! broken stream or a crash left unfinished.

mod common;

use common::prompt_and_placeholder;
use desk_store::{MessageError, MessageRole, MessageStatus, Store, StoreError, Usage};

#[test]
fn conversation_survives_reopen_with_usage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let conversation_id;
    {
        let mut store = Store::open(&path).expect("open");
        let conversation = store
            .create_conversation("Greetings", "qwen-plus")
            .expect("create");
        conversation_id = conversation.id.clone();
        let inserted = store
            .insert_messages(&conversation.id, &prompt_and_placeholder("Hello"))
            .expect("insert");
        let usage = Usage {
            input_tokens: 5,
            output_tokens: 7,
            total_tokens: 12,
        };
        store
            .finish_message(
                &inserted[1].id,
                "Hi there!",
                MessageStatus::Complete,
                Some(usage),
                None,
                Some("req-1"),
            )
            .expect("finish");
    }
    let store = Store::open(&path).expect("reopen");
    let list = store.list_conversations().expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].title.as_str(), list[0].message_count),
        ("Greetings", 2)
    );
    let messages = store.messages(&conversation_id).expect("messages");
    assert_eq!(
        messages.iter().map(|m| m.role).collect::<Vec<_>>(),
        vec![MessageRole::User, MessageRole::Assistant]
    );
    assert_eq!(messages[1].content, "Hi there!");
    assert_eq!(messages[1].status, MessageStatus::Complete);
    assert_eq!(messages[1].usage.map(|u| u.total_tokens), Some(12));
    assert_eq!(messages[1].request_id.as_deref(), Some("req-1"));
}

#[test]
fn partial_reply_after_a_cut_stream_survives_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let (conversation_id, reply_id);
    {
        let mut store = Store::open(&path).expect("open");
        let conversation = store
            .create_conversation("Cut", "qwen-plus")
            .expect("create");
        let inserted = store
            .insert_messages(&conversation.id, &prompt_and_placeholder("Tell me"))
            .expect("insert");
        store
            .save_streaming_text(&inserted[1].id, "The first half")
            .expect("save");
        let error = MessageError {
            code: "stream_interrupted".into(),
            message: "connection reset".into(),
        };
        store
            .finish_message(
                &inserted[1].id,
                "The first half",
                MessageStatus::Partial,
                None,
                Some(&error),
                None,
            )
            .expect("finish");
        (conversation_id, reply_id) = (conversation.id, inserted[1].id.clone());
    }
    let store = Store::open(&path).expect("reopen");
    let reply = store.message(&reply_id).expect("reply");
    assert_eq!(reply.conversation_id, conversation_id);
    assert_eq!(
        (reply.content.as_str(), reply.status),
        ("The first half", MessageStatus::Partial)
    );
    assert_eq!(
        reply.error.map(|e| e.code),
        Some("stream_interrupted".to_owned())
    );
}

#[test]
fn a_reply_left_streaming_by_a_crash_becomes_partial_with_its_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let reply_id;
    {
        let mut store = Store::open(&path).expect("open");
        let conversation = store
            .create_conversation("Crash", "qwen-plus")
            .expect("create");
        let inserted = store
            .insert_messages(&conversation.id, &prompt_and_placeholder("Go"))
            .expect("insert");
        store
            .save_streaming_text(&inserted[1].id, "Some words")
            .expect("save");
        reply_id = inserted[1].id.clone();
        // Dropped without finishing: what a killed process leaves behind.
    }
    let store = Store::open(&path).expect("reopen");
    let reply = store.message(&reply_id).expect("reply");
    assert_eq!(
        (reply.content.as_str(), reply.status),
        ("Some words", MessageStatus::Partial)
    );
    assert_eq!(
        reply.error.map(|e| e.code).as_deref(),
        Some("stream_interrupted")
    );
}

#[test]
fn insert_into_an_unknown_conversation_stores_nothing() {
    let mut store = Store::open_in_memory().expect("open");
    let error = store
        .insert_messages("no-such-id", &prompt_and_placeholder("x"))
        .expect_err("refused");
    assert!(
        matches!(error, StoreError::Sqlite(_) | StoreError::NotFound { .. }),
        "{error:?}"
    );
    let real = store
        .create_conversation("Real", "qwen-plus")
        .expect("create");
    assert!(store.messages("no-such-id").expect("query").is_empty());
    assert!(store.messages(&real.id).expect("query").is_empty());
    assert!(matches!(
        store.conversation("no-such-id"),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn a_database_from_a_newer_version_is_refused_not_clobbered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    drop(Store::open(&path).expect("open"));
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.pragma_update(None, "user_version", 999).expect("bump");
    }
    match Store::open(&path) {
        Err(StoreError::TooNew { found: 999, .. }) => {}
        other => panic!("expected TooNew, got {other:?}"),
    }
}

#[test]
fn messages_keep_their_order_and_conversations_sort_by_activity() {
    let mut store = Store::open_in_memory().expect("open");
    let older = store
        .create_conversation("Older", "qwen-plus")
        .expect("create");
    let newer = store
        .create_conversation("Newer", "qwen-plus")
        .expect("create");
    for round in 0..3 {
        store
            .insert_messages(&older.id, &prompt_and_placeholder(&format!("q{round}")))
            .expect("insert");
    }
    let contents: Vec<String> = store
        .messages(&older.id)
        .expect("messages")
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(contents, vec!["q0", "", "q1", "", "q2", ""]);
    let order: Vec<String> = store
        .list_conversations()
        .expect("list")
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(
        order,
        vec!["Older", "Newer"],
        "the conversation with the latest message comes first"
    );
    let _ = newer;
}
