//! The chat screen's store: the message tree (siblings, paths, deleting a branch with its search
//! entries and images), conversations by scope (pin, archive, trash, restore, purge), per-field
//! last-writer-wins across devices, crash safety of reasoning and sources, and migration 0006
//! from a schema-5 database with its op log.

mod common;

use common::{all_ops, assistant_placeholder, raw_count, snapshot};

use desk_store::{
    AttachmentData, ChatParams, ConversationPatch, ConversationScope, Message, MessageStatus, Op,
    ReplyEnding, SearchSource, Store, StoreError,
};
use rusqlite::Connection;

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4];

fn finish(store: &Store, id: &str, text: &str) -> Message {
    store
        .finish_reply(id, ReplyEnding::new(text, MessageStatus::Complete, None))
        .expect("finish")
}

fn titles(store: &Store, scope: ConversationScope) -> Vec<String> {
    store
        .list_conversations_in(scope)
        .expect("list")
        .into_iter()
        .map(|c| c.title)
        .collect()
}

#[test]
fn regenerated_replies_and_edited_prompts_are_siblings_and_a_path_is_one_branch() {
    let mut store = Store::open_in_memory().expect("open");
    let conversation = store
        .create_conversation("tree", "qwen-plus")
        .expect("create");
    let first = store
        .insert_messages(&conversation.id, &common::prompt_and_placeholder("first"))
        .expect("insert");
    assert_eq!(first[0].parent_id, None, "the first message is the root");
    assert_eq!(first[1].parent_id.as_deref(), Some(first[0].id.as_str()));
    finish(&store, &first[1].id, "first answer");
    let regenerated = store
        .insert_messages_after(
            &conversation.id,
            Some(&first[0].id),
            &[assistant_placeholder()],
        )
        .expect("regenerate");
    finish(&store, &regenerated[0].id, "second answer");
    assert_eq!(regenerated[0].parent_id, first[1].parent_id, "siblings");

    // Without a parent, a prompt follows the newest message: the regenerated reply.
    let follow = store
        .insert_messages(&conversation.id, &common::prompt_and_placeholder("follow"))
        .expect("insert");
    assert_eq!(
        follow[0].parent_id.as_deref(),
        Some(regenerated[0].id.as_str())
    );
    // Edit and resend: a sibling of the follow-up.
    let edited = store
        .insert_messages_after(
            &conversation.id,
            Some(&regenerated[0].id),
            &common::prompt_and_placeholder("follow, edited"),
        )
        .expect("edit");
    assert_eq!(edited[0].parent_id, follow[0].parent_id);

    let path: Vec<String> = store
        .path_to(&edited[1].id)
        .expect("path")
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(path, vec!["first", "second answer", "follow, edited", ""]);
    assert_eq!(
        store.newest_message(&conversation.id).expect("newest"),
        Some(edited[1].id.clone())
    );
    assert_eq!(
        store.messages(&conversation.id).expect("all").len(),
        7,
        "every branch is kept"
    );
    assert!(matches!(
        store.path_to("no-such-message"),
        Err(StoreError::NotFound {
            what: "message",
            ..
        })
    ));
}

#[test]
fn a_parent_that_is_not_in_the_conversation_is_refused_and_nothing_is_written() {
    let mut store = Store::open_in_memory().expect("open");
    let one = store
        .create_conversation("one", "qwen-plus")
        .expect("create");
    let other = store
        .create_conversation("other", "qwen-plus")
        .expect("create");
    let turn = store
        .insert_messages(&one.id, &common::prompt_and_placeholder("hello"))
        .expect("insert");
    let before = all_ops(&store).len();
    for parent in [turn[0].id.as_str(), "no-such-message"] {
        let error = store
            .insert_messages_after(
                &other.id,
                Some(parent),
                &common::prompt_and_placeholder("x"),
            )
            .expect_err("foreign parent");
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
    }
    assert_eq!(all_ops(&store).len(), before);
    assert!(store.messages(&other.id).expect("messages").is_empty());
}

#[test]
fn deleting_a_message_takes_its_branch_search_entries_and_images() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let (kept_id, gone_image) = {
        let mut store = Store::open(&path).expect("open");
        let conversation = store
            .create_conversation("tree", "qwen-vl-plus")
            .expect("create");
        let root = store
            .insert_messages(
                &conversation.id,
                &common::prompt_and_placeholder("root prompt"),
            )
            .expect("insert");
        finish(&store, &root[1].id, "root answer");
        let mut with_image = common::prompt_and_placeholder("doomed question with picture");
        with_image[0].attachments = vec![AttachmentData {
            mime: "image/jpeg".into(),
            bytes: JPEG.to_vec(),
        }];
        let doomed = store
            .insert_messages_after(&conversation.id, Some(&root[1].id), &with_image)
            .expect("insert");
        finish(&store, &doomed[1].id, "doomed answer zebra");
        let deeper = store
            .insert_messages_after(
                &conversation.id,
                Some(&doomed[1].id),
                &common::prompt_and_placeholder("doomed follow-up zebra"),
            )
            .expect("insert");
        finish(&store, &deeper[1].id, "doomed deeper answer");
        let kept = store
            .insert_messages_after(
                &conversation.id,
                Some(&root[1].id),
                &common::prompt_and_placeholder("kept sibling zebra"),
            )
            .expect("insert");
        finish(&store, &kept[1].id, "kept answer");
        let image_id = doomed[0].attachments[0].id.clone();
        assert_eq!(
            store.attachment_data(&image_id).expect("image"),
            ("image/jpeg".to_owned(), JPEG.to_vec())
        );
        assert_eq!(store.search("zebra", 10).expect("search").len(), 3);

        let deleted = store.delete_message(&doomed[0].id).expect("delete");
        assert_eq!(
            deleted.len(),
            4,
            "the prompt, its reply and the follow-up turn"
        );
        let left: Vec<String> = store
            .messages(&conversation.id)
            .expect("messages")
            .into_iter()
            .map(|m| m.content)
            .collect();
        assert_eq!(
            left,
            vec![
                "root prompt",
                "root answer",
                "kept sibling zebra",
                "kept answer"
            ]
        );
        let hits = store.search("zebra", 10).expect("search");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].message_id, kept[0].id);
        assert!(matches!(
            store.attachment_data(&image_id),
            Err(StoreError::NotFound {
                what: "attachment",
                ..
            })
        ));
        assert!(matches!(
            store.delete_message(&doomed[0].id),
            Err(StoreError::NotFound {
                what: "message",
                ..
            })
        ));
        (kept[0].id.clone(), image_id)
    };
    assert_eq!(
        raw_count(&path, "SELECT COUNT(*) FROM message_attachments"),
        0
    );
    // The index holds exactly the rows it should: FTS5's own check compares it with `messages`.
    Connection::open(&path)
        .expect("raw open")
        .execute(
            "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .expect("the full-text index matches the messages");
    let store = Store::open(&path).expect("reopen");
    assert_eq!(
        store.message(&kept_id).expect("kept").content,
        "kept sibling zebra"
    );
    assert!(store.attachment_data(&gone_image).is_err());
}

#[test]
fn conversations_are_listed_by_scope_pinned_first_and_purged_only_from_the_trash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let mut store = Store::open(&path).expect("open");
    let mut ids = Vec::new();
    for title in ["oldest", "middle", "newest"] {
        let c = store
            .create_conversation(title, "qwen-plus")
            .expect("create");
        let mut turn = common::prompt_and_placeholder(&format!("{title} kiwi prompt"));
        turn[0].attachments = vec![AttachmentData {
            mime: "image/jpeg".into(),
            bytes: JPEG.to_vec(),
        }];
        let turn = store.insert_messages(&c.id, &turn).expect("insert");
        finish(&store, &turn[1].id, "answer");
        ids.push(c.id);
        // Activity times are milliseconds: keep them apart so the order is by time alone.
        std::thread::sleep(std::time::Duration::from_millis(3));
    }
    let (oldest, middle, newest) = (&ids[0], &ids[1], &ids[2]);
    assert_eq!(
        titles(&store, ConversationScope::Active),
        vec!["newest", "middle", "oldest"]
    );

    let pinned = store
        .update_conversation(
            oldest,
            &ConversationPatch {
                pinned: Some(true),
                folder: Some(Some("Work".into())),
                params: Some(ChatParams {
                    temperature: Some(1.2),
                    enable_thinking: None,
                    enable_search: true,
                    system_prompt: Some("Answer in French.".into()),
                    ..ChatParams::default()
                }),
                ..ConversationPatch::default()
            },
        )
        .expect("pin");
    assert!(pinned.pinned);
    assert_eq!(pinned.folder.as_deref(), Some("Work"));
    assert_eq!(pinned.params.temperature, Some(1.2));
    assert_eq!(
        titles(&store, ConversationScope::Active),
        vec!["oldest", "newest", "middle"],
        "pinned first, then by activity"
    );
    let before = all_ops(&store).len();
    let unchanged = store
        .update_conversation(oldest, &ConversationPatch::default())
        .expect("empty patch");
    assert_eq!(unchanged, pinned);
    assert_eq!(all_ops(&store).len(), before, "an empty patch writes no op");

    store
        .update_conversation(
            middle,
            &ConversationPatch {
                archived: Some(true),
                ..ConversationPatch::default()
            },
        )
        .expect("archive");
    assert_eq!(titles(&store, ConversationScope::Archived), vec!["middle"]);
    assert_eq!(
        titles(&store, ConversationScope::Active),
        vec!["oldest", "newest"]
    );

    let trashed = store.trash_conversation(newest).expect("trash");
    assert!(trashed.deleted_at.is_some());
    assert_eq!(titles(&store, ConversationScope::Active), vec!["oldest"]);
    assert_eq!(titles(&store, ConversationScope::Trash), vec!["newest"]);
    let restored = store.restore_conversation(newest).expect("restore");
    assert_eq!(restored.deleted_at, None);
    assert_eq!(
        titles(&store, ConversationScope::Active),
        vec!["oldest", "newest"]
    );

    // Purging is only from the trash.
    let refused = store
        .purge_conversation(newest)
        .expect_err("not in the trash");
    assert!(
        matches!(refused, StoreError::NotInTrash { .. }),
        "{refused:?}"
    );
    assert_eq!(store.messages(newest).expect("kept").len(), 2);
    store.trash_conversation(newest).expect("trash");
    store.purge_conversation(newest).expect("purge");
    assert!(matches!(
        store.conversation(newest),
        Err(StoreError::NotFound {
            what: "conversation",
            ..
        })
    ));
    assert!(titles(&store, ConversationScope::Trash).is_empty());
    assert!(store.search("newest kiwi", 10).expect("search").is_empty());
    assert_eq!(store.search("kiwi", 10).expect("search").len(), 2);
    drop(store);
    assert_eq!(
        raw_count(
            &path,
            "SELECT COUNT(*) FROM messages WHERE conversation_id NOT IN (SELECT id FROM conversations)"
        ),
        0
    );
    assert_eq!(
        raw_count(&path, "SELECT COUNT(*) FROM message_attachments"),
        2,
        "the purged conversation's image went with it"
    );

    let store = Store::open(&path).expect("reopen");
    for missing in ["no-such-conversation", newest.as_str()] {
        for result in [
            store.update_conversation(missing, &ConversationPatch::default()),
            store.trash_conversation(missing),
            store.restore_conversation(missing),
        ] {
            assert!(
                matches!(
                    result,
                    Err(StoreError::NotFound {
                        what: "conversation",
                        ..
                    })
                ),
                "{result:?}"
            );
        }
        assert!(matches!(
            store.purge_conversation(missing),
            Err(StoreError::NotFound { .. })
        ));
    }
    let reopened = store.conversation(oldest).expect("reopen keeps it");
    assert_eq!(
        reopened.params.system_prompt.as_deref(),
        Some("Answer in French.")
    );
}

#[test]
fn concurrent_edits_of_different_fields_both_stay_and_the_later_edit_of_a_field_wins() {
    let laptop = Store::open_in_memory().expect("laptop");
    let desktop = Store::open_in_memory().expect("desktop");
    let conversation = laptop
        .create_conversation("shared", "qwen-plus")
        .expect("create");
    desktop.apply_remote_ops(&all_ops(&laptop)).expect("pull");
    // Neither has seen the other's edit.
    laptop
        .update_conversation(
            &conversation.id,
            &ConversationPatch {
                title: Some("laptop title".into()),
                folder: Some(Some("from the laptop".into())),
                ..ConversationPatch::default()
            },
        )
        .expect("laptop edit");
    desktop
        .update_conversation(
            &conversation.id,
            &ConversationPatch {
                title: Some("desktop title".into()),
                pinned: Some(true),
                ..ConversationPatch::default()
            },
        )
        .expect("desktop edit");
    let laptop_ops = all_ops(&laptop);
    let desktop_ops = all_ops(&desktop);
    laptop.apply_remote_ops(&desktop_ops).expect("laptop pulls");
    desktop
        .apply_remote_ops(&laptop_ops)
        .expect("desktop pulls");

    let on_laptop = laptop.conversation(&conversation.id).expect("laptop");
    assert_eq!(
        on_laptop,
        desktop.conversation(&conversation.id).expect("desktop")
    );
    assert!(on_laptop.pinned, "the desktop's pin stays");
    assert_eq!(
        on_laptop.folder.as_deref(),
        Some("from the laptop"),
        "the laptop's folder stays"
    );
    let later_title = if laptop_ops[1].hlc > desktop_ops[0].hlc {
        "laptop title"
    } else {
        "desktop title"
    };
    assert_eq!(
        on_laptop.title, later_title,
        "the later edit of the title wins"
    );

    // An older edit arriving late changes nothing.
    let replica = Store::open_in_memory().expect("replica");
    let mut everything: Vec<Op> = laptop_ops.iter().chain(&desktop_ops).cloned().collect();
    everything.reverse();
    for op in &everything {
        replica
            .apply_remote_ops(std::slice::from_ref(op))
            .expect("apply");
    }
    assert_eq!(
        replica.conversation(&conversation.id).expect("replica"),
        on_laptop
    );
}

#[test]
fn a_crash_keeps_the_reasoning_and_sources_saved_while_streaming() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let source = SearchSource {
        index: 1,
        title: "Result".into(),
        url: "https://example.invalid/r".into(),
        site_name: None,
    };
    let reply_id = {
        let mut store = Store::open(&path).expect("open");
        let conversation = store
            .create_conversation("think", "qwq-plus")
            .expect("create");
        let turn = store
            .insert_messages(&conversation.id, &common::prompt_and_placeholder("why?"))
            .expect("insert");
        store
            .save_streaming_reply(
                &turn[1].id,
                "Because",
                Some("Let me think"),
                std::slice::from_ref(&source),
            )
            .expect("save");
        turn[1].id.clone()
        // Dropped while streaming: a crash.
    };
    let store = Store::open(&path).expect("reopen");
    let reply = store.message(&reply_id).expect("reply");
    assert_eq!(reply.status, MessageStatus::Partial);
    assert_eq!(
        (reply.content.as_str(), reply.reasoning.as_deref()),
        ("Because", Some("Let me think"))
    );
    assert_eq!(reply.search_sources, vec![source]);
    let rebuilt = Store::open_in_memory().expect("open");
    rebuilt.apply_remote_ops(&all_ops(&store)).expect("apply");
    assert_eq!(
        snapshot(&rebuilt),
        snapshot(&store),
        "the recovery op carries them"
    );
    assert!(matches!(
        store.save_streaming_reply(&reply_id, "x", None, &[]),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn a_schema_5_database_is_chained_and_its_old_log_still_rebuilds_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let v5 = common::v5_database(&path);
    let legacy_ops = 11;

    let mut store = Store::open(&path).expect("upgrade");
    assert_eq!(
        store.schema_version().expect("version"),
        desk_store::MIGRATIONS.len() as i64
    );
    assert_eq!(
        desk_store::list_backups(dir.path()).expect("backups").len(),
        1,
        "backed up before the upgrade"
    );
    for (id, parent) in &v5.parents {
        assert_eq!(
            store.message(id).expect("message").parent_id.as_deref(),
            *parent,
            "{id}"
        );
    }
    let reply = store.message("m-a2").expect("reply");
    assert_eq!(reply.usage.map(|u| u.total_tokens), Some(30));
    assert!(
        reply.reasoning.is_none() && reply.search_sources.is_empty() && reply.cost_cny.is_none()
    );
    let first = store.conversation("c-a").expect("conversation");
    assert!(
        !first.pinned && !first.archived && first.deleted_at.is_none() && first.folder.is_none()
    );
    assert_eq!(first.params, ChatParams::default());
    assert_eq!(store.search("通义千问", 10).expect("search").len(), 1);
    assert_eq!(
        titles(&store, ConversationScope::Active),
        vec!["通义千问 chat", "second"]
    );

    // The log that version wrote rebuilds the same tree, parents included.
    let ops = store.ops_since(v5.device, 0).expect("ops");
    assert_eq!(ops.len(), legacy_ops, "upgrading writes no ops");
    let rebuilt = Store::open_in_memory().expect("open");
    let report = rebuilt.apply_remote_ops(&ops).expect("apply");
    assert_eq!((report.applied, report.pending), (legacy_ops, 0));
    assert_eq!(snapshot(&rebuilt), snapshot(&store));

    // Work after the upgrade joins the same log, and the rebuild still matches.
    let regenerated = store
        .insert_messages_after("c-a", Some("m-a3"), &[assistant_placeholder()])
        .expect("regenerate");
    finish(&store, &regenerated[0].id, "A whole answer this time");
    assert_eq!(
        regenerated[0].parent_id.as_deref(),
        Some("m-a3"),
        "a sibling of the cut reply"
    );
    let ops = store.ops_since(v5.device, 0).expect("ops");
    assert_eq!(ops.len(), legacy_ops + 2);
    let rebuilt = Store::open_in_memory().expect("open");
    rebuilt.apply_remote_ops(&ops).expect("apply");
    assert_eq!(snapshot(&rebuilt), snapshot(&store));
}

#[test]
fn an_import_keeps_the_tree_and_chains_files_from_before_it() {
    let mut source = Store::open_in_memory().expect("open");
    let conversation = source
        .create_conversation("tree", "qwen-plus")
        .expect("create");
    let turn = source
        .insert_messages(
            &conversation.id,
            &common::prompt_and_placeholder("question"),
        )
        .expect("insert");
    source
        .finish_reply(
            &turn[1].id,
            ReplyEnding {
                reasoning: Some("thinking".into()),
                cost_cny: Some(0.5),
                ..ReplyEnding::new("answer one", MessageStatus::Complete, None)
            },
        )
        .expect("finish");
    let sibling = source
        .insert_messages_after(
            &conversation.id,
            Some(&turn[0].id),
            &[assistant_placeholder()],
        )
        .expect("regenerate");
    finish(&source, &sibling[0].id, "answer two");
    let messages = source.messages(&conversation.id).expect("messages");
    let exported = desk_store::ImportedConversation {
        id: conversation.id.clone(),
        title: conversation.title.clone(),
        model: conversation.model.clone(),
        created_at: conversation.created_at,
        messages: messages.clone(),
    };
    let target = Store::open_in_memory().expect("open");
    target.import_conversations(&[exported]).expect("import");
    assert_eq!(
        target.messages(&conversation.id).expect("messages"),
        messages,
        "siblings, reasoning and cost come through"
    );

    // A file from before the tree: no parents anywhere, so the messages are chained in order.
    let mut legacy = messages;
    legacy.truncate(2);
    for m in &mut legacy {
        m.parent_id = None;
        m.reasoning = None;
        m.cost_cny = None;
    }
    let legacy_target = Store::open_in_memory().expect("open");
    legacy_target
        .import_conversations(&[desk_store::ImportedConversation {
            id: conversation.id.clone(),
            title: conversation.title,
            model: conversation.model,
            created_at: conversation.created_at,
            messages: legacy.clone(),
        }])
        .expect("import");
    let chained = legacy_target.messages(&conversation.id).expect("messages");
    assert_eq!(chained[0].parent_id, None);
    assert_eq!(chained[1].parent_id.as_deref(), Some(legacy[0].id.as_str()));
}

#[test]
fn a_path_carries_its_own_images_and_a_damaged_link_ends_it() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("desk.sqlite");
    let jpeg = || AttachmentData {
        mime: "image/jpeg".into(),
        bytes: JPEG.to_vec(),
    };
    let mut store = Store::open(&file).expect("open");
    let conversation = store
        .create_conversation("images", "qwen-vl-plus")
        .expect("create");
    let mut look = common::prompt_and_placeholder("look");
    look[0].attachments = vec![jpeg()];
    let first = store
        .insert_messages(&conversation.id, &look)
        .expect("insert");
    finish(&store, &first[1].id, "a cat");
    // A sibling branch with images of its own, not on the path asked for.
    let mut other = common::prompt_and_placeholder("and these?");
    other[0].attachments = vec![jpeg(), jpeg()];
    store
        .insert_messages_after(&conversation.id, Some(&first[1].id), &other)
        .expect("branch");
    let follow = store
        .insert_messages_after(
            &conversation.id,
            Some(&first[1].id),
            &common::prompt_and_placeholder("which breed?"),
        )
        .expect("follow");
    let shape = |store: &Store| -> Vec<(String, usize)> {
        store
            .path_to(&follow[1].id)
            .expect("path")
            .into_iter()
            .map(|m| (m.content, m.attachments.len()))
            .collect()
    };
    let expected = vec![
        ("look".to_owned(), 1),
        ("a cat".to_owned(), 0),
        ("which breed?".to_owned(), 0),
        (String::new(), 0),
    ];
    assert_eq!(shape(&store), expected);
    drop(store);

    // A hand-damaged file whose root points at its newest message: the walk ends, not loops.
    let conn = Connection::open(&file).expect("raw");
    conn.execute(
        "UPDATE messages SET parent_id = ?1 WHERE id = ?2",
        [&follow[1].id, &first[0].id],
    )
    .expect("damage");
    drop(conn);
    let store = Store::open(&file).expect("reopen");
    assert_eq!(shape(&store), expected);
}
