//! The op log: every change is an op written in the same transaction; the tables can be rebuilt
//! from the log alone; applying is idempotent; `seq` has no gaps, even after a rollback.

mod common;

use common::{all_ops, snapshot};

use desk_store::{
    AttachmentData, ChatParams, Conversation, ConversationPatch, ConversationScope, MessageError,
    MessageRole, MessageStatus, NewMessage, Op, ReplyEnding, SearchSource, Store, StoreError,
    ToolCall, Usage,
};

fn count_kind(ops: &[Op], kind: &str) -> usize {
    ops.iter().filter(|o| o.kind == kind).count()
}

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];

fn reply(text: &str) -> ReplyEnding {
    ReplyEnding::new(text, MessageStatus::Complete, None)
}

/// The chat screen's side of a session: a thinking, searching reply with an image prompt, a
/// regenerated reply and an edited prompt (siblings), a deleted branch, a conversation renamed,
/// pinned, filed and unfiled, one archived, one trashed and restored and trashed again, one
/// purged from the trash.
fn chat_screen_history(store: &mut Store, first: &Conversation, second: &Conversation) {
    let params = ChatParams {
        temperature: Some(0.3),
        enable_thinking: Some(true),
        enable_search: true,
        system_prompt: Some("简短回答 Be brief. Answer in JSON.".into()),
        tools: vec![desk_store::ToolDefinition {
            name: "weather".into(),
            description: "天气 Weather".into(),
            parameters: serde_json::json!({"type": "object", "properties": {"city": {"type": "string"}}}),
        }],
        tool_choice: Some(desk_store::ToolChoice::Auto),
        response_format: desk_store::ResponseFormat::JsonObject,
        seed: Some(42),
        stop: vec!["END".into()],
        max_tokens: Some(512),
    };
    let tree = store
        .create_conversation_with("Branches 分支", "qwen3-vl-plus", &params)
        .expect("create");
    let mut prompt = common::prompt_and_placeholder("这张图里有什么？");
    prompt[0].attachments = vec![AttachmentData {
        mime: "image/png".into(),
        bytes: PNG.to_vec(),
    }];
    let turn = store
        .insert_messages_after(&tree.id, None, &prompt)
        .expect("insert");
    let source = SearchSource {
        index: 1,
        title: "猫 - 百科".into(),
        url: "https://example.invalid/cat".into(),
        site_name: Some("百科".into()),
    };
    store
        .save_streaming_reply(
            &turn[1].id,
            "一只",
            Some("先看图"),
            std::slice::from_ref(&source),
        )
        .expect("save");
    store
        .finish_reply(
            &turn[1].id,
            ReplyEnding {
                reasoning: Some("先看图，再回答。".into()),
                search_sources: vec![source],
                tool_calls: vec![ToolCall {
                    id: "call_1".into(),
                    name: "lookup".into(),
                    arguments: "{\"q\": \"猫\"}".into(),
                }],
                cost_cny: Some(0.0123),
                usage: Some(Usage {
                    input_tokens: 300,
                    output_tokens: 20,
                    total_tokens: 320,
                }),
                request_id: Some("req-tree".into()),
                ..reply("一只猫。")
            },
        )
        .expect("finish");
    // Regenerate: a second reply to the same prompt.
    let again = store
        .insert_messages_after(
            &tree.id,
            Some(&turn[0].id),
            &common::prompt_and_placeholder("")[1..],
        )
        .expect("regenerate");
    store
        .finish_reply(&again[0].id, reply("A cat."))
        .expect("finish");
    // A follow-up, then the same follow-up edited and resent: siblings under the second reply.
    let follow = store
        .insert_messages_after(
            &tree.id,
            Some(&again[0].id),
            &common::prompt_and_placeholder("What colour is the cat?"),
        )
        .expect("follow-up");
    store
        .finish_reply(&follow[1].id, reply("Orange tabby stripes."))
        .expect("finish");
    let edited = store
        .insert_messages_after(
            &tree.id,
            Some(&again[0].id),
            &common::prompt_and_placeholder("What breed is the cat?"),
        )
        .expect("edited");
    store
        .finish_reply(&edited[1].id, reply("A British shorthair."))
        .expect("finish");
    // The first follow-up's branch goes, prompt and reply.
    let deleted = store.delete_message(&follow[0].id).expect("delete");
    assert_eq!(deleted, vec![follow[0].id.clone(), follow[1].id.clone()]);

    store
        .update_conversation(
            &first.id,
            &ConversationPatch {
                title: Some("通义千问 renamed".into()),
                pinned: Some(true),
                folder: Some(Some("工作 work".into())),
                ..ConversationPatch::default()
            },
        )
        .expect("update");
    store
        .update_conversation(
            &first.id,
            &ConversationPatch {
                folder: Some(None),
                ..ConversationPatch::default()
            },
        )
        .expect("unfile");
    store
        .update_conversation(
            &second.id,
            &ConversationPatch {
                archived: Some(true),
                ..ConversationPatch::default()
            },
        )
        .expect("archive");

    let back_and_forth = store
        .create_conversation("trashed, restored, trashed", "qwen-plus")
        .expect("create");
    store.trash_conversation(&back_and_forth.id).expect("trash");
    store
        .restore_conversation(&back_and_forth.id)
        .expect("restore");
    store
        .trash_conversation(&back_and_forth.id)
        .expect("trash again");

    let doomed = store
        .create_conversation("purged 清除", "qwen-plus")
        .expect("create");
    let doomed_turn = store
        .insert_messages(
            &doomed.id,
            &common::prompt_and_placeholder("forget me entirely"),
        )
        .expect("insert");
    store
        .finish_reply(&doomed_turn[1].id, reply("Forgotten after the purge."))
        .expect("finish");
    store.trash_conversation(&doomed.id).expect("trash");
    store.purge_conversation(&doomed.id).expect("purge");
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
        chat_screen_history(&mut store, &first, &second);
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
                    attachments: Vec::new(),
                    tool_call_id: None,
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
    let counts: Vec<(&str, usize)> = [
        "conversation.created",
        "conversation.updated",
        "conversation.trashed",
        "conversation.restored",
        "conversation.purged",
        "message.inserted",
        "message.finished",
        "message.deleted",
    ]
    .into_iter()
    .map(|kind| (kind, count_kind(&ops, kind)))
    .collect();
    assert_eq!(
        counts,
        vec![
            ("conversation.created", 5),
            // The branches' parameters, then rename + pin + file, unfile, archive.
            ("conversation.updated", 4),
            ("conversation.trashed", 3),
            ("conversation.restored", 1),
            ("conversation.purged", 1),
            // 9 before the chat screen; 2 + 1 + 2 + 2 in the branches; 2 purged later.
            ("message.inserted", 18),
            // Three finishes and one recovery before; 4 in the branches, 1 purged later.
            // Streaming saves are not ops.
            ("message.finished", 9),
            ("message.deleted", 1),
        ]
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
    for deleted_text in ["Orange tabby", "forget me entirely", "Forgotten after"] {
        for store in [&original, &rebuilt] {
            assert!(
                store.search(deleted_text, 10).expect("search").is_empty(),
                "{deleted_text:?} is gone from the index too"
            );
        }
    }
    assert_eq!(
        rebuilt
            .search("British shorthair", 10)
            .expect("search")
            .len(),
        1
    );

    // The new fields made it through the log.
    let branches = expected
        .iter()
        .find(|(c, _)| c.title == "Branches 分支")
        .expect("the branches conversation");
    assert_eq!(branches.0.params.temperature, Some(0.3));
    assert!(branches.0.params.enable_search);
    let thought = branches
        .1
        .iter()
        .find(|m| m.content == "一只猫。")
        .expect("the first reply");
    assert_eq!(thought.reasoning.as_deref(), Some("先看图，再回答。"));
    assert_eq!(thought.search_sources.len(), 1);
    assert_eq!(thought.tool_calls[0].name, "lookup");
    assert_eq!(thought.cost_cny, Some(0.0123));
    let prompt_id = thought.parent_id.clone().expect("a reply has a parent");
    let replies: Vec<&str> = branches
        .1
        .iter()
        .filter(|m| m.parent_id.as_ref() == Some(&prompt_id))
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(replies, vec!["一只猫。", "A cat."], "regenerated: siblings");
    let renamed = expected
        .iter()
        .find(|(c, _)| c.title == "通义千问 renamed")
        .expect("renamed");
    assert!(renamed.0.pinned && renamed.0.folder.is_none());
    assert!(expected.iter().all(|(c, _)| c.title != "purged 清除"));
    let scopes = |store: &Store, scope| -> Vec<String> {
        store
            .list_conversations_in(scope)
            .expect("list")
            .into_iter()
            .map(|c| c.title)
            .collect()
    };
    for scope in [
        ConversationScope::Active,
        ConversationScope::Archived,
        ConversationScope::Trash,
    ] {
        assert_eq!(
            scopes(&rebuilt, scope),
            scopes(&original, scope),
            "{scope:?}"
        );
    }
    assert_eq!(
        scopes(&original, ConversationScope::Trash),
        vec!["trashed, restored, trashed"]
    );
    // The image's bytes stayed here: they are not in the log.
    let with_image = original
        .messages(&branches.0.id)
        .expect("messages")
        .into_iter()
        .find(|m| !m.attachments.is_empty())
        .expect("the prompt keeps its image");
    assert_eq!(
        original
            .attachment_data(&with_image.attachments[0].id)
            .expect("bytes"),
        ("image/png".to_owned(), PNG.to_vec())
    );
    assert!(
        rebuilt
            .messages(&branches.0.id)
            .expect("messages")
            .iter()
            .all(|m| m.attachments.is_empty())
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
