//! The op log: every change is an op written in the same transaction; the tables can be rebuilt
//! from the log alone; applying is idempotent; `seq` has no gaps, even after a rollback.

mod common;

use desk_store::{
    Conversation, Message, MessageError, MessageRole, MessageStatus, NewMessage, Op, Store,
    StoreError, Usage,
};

fn snapshot(store: &Store) -> Vec<(Conversation, Vec<Message>)> {
    let mut conversations = store.list_conversations().expect("list");
    conversations.sort_by(|a, b| a.id.cmp(&b.id));
    conversations
        .into_iter()
        .map(|c| {
            let messages = store.messages(&c.id).expect("messages");
            (c, messages)
        })
        .collect()
}

fn all_ops(store: &Store) -> Vec<Op> {
    store.ops_since(store.device_id(), 0).expect("ops")
}

fn assert_gap_free(ops: &[Op]) {
    let seqs: Vec<u64> = ops.iter().map(|o| o.seq).collect();
    assert_eq!(seqs, (1..=ops.len() as u64).collect::<Vec<_>>());
    assert!(
        ops.windows(2).all(|w| w[0].hlc < w[1].hlc),
        "HLCs increase with seq"
    );
}

/// A realistic session on a real file: two conversations, complete, partial, failed and demo
/// replies, streaming saves, and a crash that leaves a reply streaming.
fn realistic_history(path: &std::path::Path) {
    {
        let mut store = Store::open(path).expect("open");
        let first = store
            .create_conversation("通义千问 介绍", "qwen-plus")
            .expect("create");
        let turn = store
            .insert_messages(&first.id, &common::prompt_and_placeholder("介绍一下你自己"))
            .expect("insert");
        store
            .save_streaming_text(&turn[1].id, "我是")
            .expect("save");
        store
            .save_streaming_text(&turn[1].id, "我是通义千问")
            .expect("save");
        store
            .finish_message(
                &turn[1].id,
                "我是通义千问，一个大语言模型。",
                MessageStatus::Complete,
                Some(Usage {
                    input_tokens: 12,
                    output_tokens: 9,
                    total_tokens: 21,
                }),
                None,
                Some("req-a"),
            )
            .expect("finish");
        let turn = store
            .insert_messages(&first.id, &common::prompt_and_placeholder("Tell me more"))
            .expect("insert");
        store
            .save_streaming_text(&turn[1].id, "Sure, here")
            .expect("save");
        store
            .finish_message(
                &turn[1].id,
                "Sure, here is",
                MessageStatus::Partial,
                None,
                Some(&MessageError {
                    code: "stream_interrupted".into(),
                    message: "connection reset".into(),
                }),
                Some("req-b"),
            )
            .expect("finish");

        let second = store
            .create_conversation("Demo chat", "qwen-turbo")
            .expect("create");
        let mut demo_turn = common::prompt_and_placeholder("hello demo");
        demo_turn[1].demo = true;
        let turn = store
            .insert_messages(&second.id, &demo_turn)
            .expect("insert");
        store
            .finish_message(
                &turn[1].id,
                "",
                MessageStatus::Failed,
                None,
                Some(&MessageError {
                    code: "invalid_api_key".into(),
                    message: "InvalidApiKey: bad key".into(),
                }),
                Some("req-c"),
            )
            .expect("finish");
        store
            .insert_messages(
                &second.id,
                &[NewMessage {
                    role: MessageRole::System,
                    content: "You are terse.".into(),
                    status: MessageStatus::Complete,
                    model: None,
                    demo: false,
                }],
            )
            .expect("system");
        let cut = store
            .insert_messages(&second.id, &common::prompt_and_placeholder("and then?"))
            .expect("insert");
        store
            .save_streaming_text(&cut[1].id, "The crash came mid")
            .expect("save");
        // Dropped while streaming: a crash.
    }
    // Recovery on open finishes the cut reply, as an op.
    drop(Store::open(path).expect("reopen"));
}

#[test]
fn a_fresh_database_rebuilt_from_the_op_log_is_identical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    realistic_history(&path);
    let original = Store::open(&path).expect("open");
    let ops = all_ops(&original);
    assert_gap_free(&ops);
    let kinds: Vec<&str> = ops.iter().map(|o| o.kind.as_str()).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "conversation.created")
            .count(),
        2
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "message.inserted").count(),
        9
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "message.finished").count(),
        4,
        "three finishes and one recovery; streaming saves are not ops"
    );

    let other_dir = tempfile::tempdir().expect("tempdir");
    let rebuilt = Store::open(&other_dir.path().join("desk.sqlite3")).expect("open");
    assert_ne!(rebuilt.device_id(), original.device_id());
    let report = rebuilt.apply_remote_ops(&ops).expect("apply");
    assert_eq!(
        (report.applied, report.duplicates, report.pending),
        (ops.len(), 0, 0)
    );

    let expected = snapshot(&original);
    assert_eq!(snapshot(&rebuilt), expected);
    let recovered = expected
        .iter()
        .flat_map(|(_, m)| m)
        .find(|m| m.content == "The crash came mid")
        .expect("recovered reply");
    assert_eq!(recovered.status, MessageStatus::Partial);
    assert_eq!(
        recovered.error.as_ref().map(|e| e.code.as_str()),
        Some("stream_interrupted")
    );
    assert_eq!(
        rebuilt.ops_since(original.device_id(), 0).expect("ops"),
        ops,
        "the rebuilt database holds the same log"
    );
    assert!(
        all_ops(&rebuilt).is_empty(),
        "applying remote ops writes none of our own"
    );
    assert_eq!(
        rebuilt.search("通义千问", 10).expect("search").len(),
        original.search("通义千问", 10).expect("search").len()
    );

    // Reopening the rebuilt copy must not "recover" anything: nothing there was its own.
    drop(rebuilt);
    let rebuilt = Store::open(&other_dir.path().join("desk.sqlite3")).expect("reopen");
    assert_eq!(snapshot(&rebuilt), expected);
    assert!(all_ops(&rebuilt).is_empty());
}

#[test]
fn applying_the_same_ops_twice_or_in_any_order_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    realistic_history(&path);
    let original = Store::open(&path).expect("open");
    let ops = all_ops(&original);
    let expected = snapshot(&original);

    let replica = Store::open_in_memory().expect("open");
    replica.apply_remote_ops(&ops).expect("first");
    let again = replica.apply_remote_ops(&ops).expect("second");
    assert_eq!(
        (again.applied, again.duplicates, again.pending),
        (0, ops.len(), 0)
    );
    assert_eq!(snapshot(&replica), expected);
    assert_eq!(
        replica
            .ops_since(original.device_id(), 0)
            .expect("ops")
            .len(),
        ops.len()
    );

    // One op at a time, newest first: every message waits for its conversation, every finish for
    // its message, and all of them land once what they need arrives.
    let shuffled = Store::open_in_memory().expect("open");
    for op in ops.iter().rev() {
        shuffled
            .apply_remote_ops(std::slice::from_ref(op))
            .expect("apply");
    }
    assert_eq!(snapshot(&shuffled), expected);
    // Applying our own ops back to ourselves is a no-op too.
    let own = original.apply_remote_ops(&ops).expect("own");
    assert_eq!(own.duplicates, ops.len());
    assert_eq!(snapshot(&original), expected);
}

#[test]
fn seq_has_no_gaps_after_a_rolled_back_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("desk.sqlite3")).expect("open");
    let conversation = store.create_conversation("t", "qwen-plus").expect("create");
    store
        .insert_messages(&conversation.id, &common::prompt_and_placeholder("one"))
        .expect("insert");
    let before = all_ops(&store).len();

    // The first message's op is written, then the transaction fails and rolls back.
    let error = store
        .insert_messages(
            "no-such-conversation",
            &common::prompt_and_placeholder("lost"),
        )
        .expect_err("unknown conversation");
    assert!(
        matches!(
            error,
            StoreError::NotFound {
                what: "conversation",
                ..
            }
        ),
        "{error:?}"
    );
    let error = store
        .finish_message(
            "no-such-message",
            "x",
            MessageStatus::Complete,
            None,
            None,
            None,
        )
        .expect_err("unknown message");
    assert!(
        matches!(
            error,
            StoreError::NotFound {
                what: "message",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        all_ops(&store).len(),
        before,
        "nothing of the failed writes remains"
    );

    store
        .insert_messages(&conversation.id, &common::prompt_and_placeholder("two"))
        .expect("insert");
    let ops = all_ops(&store);
    assert_eq!(ops.len(), before + 2);
    assert_gap_free(&ops);
    assert_eq!(
        store.ops_since(store.device_id(), 3).expect("since").len(),
        ops.len() - 3
    );
}

#[test]
fn two_devices_converge_and_keep_their_own_replies() {
    let laptop = Store::open_in_memory().expect("laptop");
    let mut desktop = Store::open_in_memory().expect("desktop");
    let conversation = laptop
        .create_conversation("shared", "qwen-plus")
        .expect("create");
    desktop
        .apply_remote_ops(&all_ops(&laptop))
        .expect("desktop pulls");
    let turn = desktop
        .insert_messages(
            &conversation.id,
            &common::prompt_and_placeholder("from the desktop"),
        )
        .expect("insert");
    // The laptop sees the desktop's reply while it still streams; it is not the laptop's to
    // recover.
    laptop
        .apply_remote_ops(&desktop.ops_since(desktop.device_id(), 0).expect("ops"))
        .expect("laptop pulls");
    assert_eq!(
        laptop.message(&turn[1].id).expect("reply").status,
        MessageStatus::Streaming
    );
    desktop
        .finish_message(
            &turn[1].id,
            "done",
            MessageStatus::Complete,
            None,
            None,
            None,
        )
        .expect("finish");
    laptop
        .apply_remote_ops(&desktop.ops_since(desktop.device_id(), 0).expect("ops"))
        .expect("laptop pulls again");
    assert_eq!(snapshot(&laptop), snapshot(&desktop));
    assert!(
        desktop.ops_since(desktop.device_id(), 0).expect("ops")[0].hlc > all_ops(&laptop)[0].hlc,
        "an op written after seeing another sorts after it"
    );
}

#[test]
fn a_second_writer_of_one_log_is_detected() {
    let store = Store::open_in_memory().expect("open");
    store.create_conversation("a", "qwen-plus").expect("create");
    let replica = Store::open_in_memory().expect("replica");
    let mut ops = all_ops(&store);
    replica.apply_remote_ops(&ops).expect("apply");
    ops[0].op_id = uuid::Uuid::now_v7();
    assert!(matches!(
        replica.apply_remote_ops(&ops),
        Err(StoreError::OpConflict { seq: 1, .. })
    ));
}

#[test]
fn a_database_from_before_the_op_log_is_described_by_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    common::v1_database(&path);
    let upgraded = Store::open(&path).expect("upgrade");
    let ops = all_ops(&upgraded);
    assert_gap_free(&ops);
    let rebuilt = Store::open_in_memory().expect("open");
    rebuilt.apply_remote_ops(&ops).expect("apply");
    assert_eq!(snapshot(&rebuilt), snapshot(&upgraded));
}
