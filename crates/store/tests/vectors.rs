//! Semantic search's vectors on a real file (migration 0008): what needs embedding, cosine
//! ranking, the index following deletions, purges and text changes, trashed conversations left
//! out; app sessions and image inputs (migration 0009).

mod common;

use common::said;

use desk_store::{MessageRole, MessageStatus, NewImageInput, ReplyEnding, Store, StoreError};

const MODEL: &str = "text-embedding-v4";

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("desk.sqlite3")).expect("open");
    (dir, store)
}

/// Axis vectors: message `i` points along axis `i`, so similarities are known exactly.
fn axis(i: usize, dimension: usize) -> Vec<f32> {
    let mut v = vec![0.0; dimension];
    v[i] = 2.0;
    v
}

fn pending_ids(store: &Store, dimension: u32) -> Vec<String> {
    let mut ids: Vec<String> = store
        .messages_to_embed(MODEL, dimension, 100)
        .expect("pending")
        .into_iter()
        .map(|p| p.message_id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn what_needs_embedding_is_said_text_without_a_vector_of_this_model_and_dimension() {
    let (_dir, mut store) = open();
    let chat = store.create_conversation("chat", "qwen-plus").expect("c");
    let inserted = store
        .insert_messages(
            &chat.id,
            &[
                said(MessageRole::User, "first prompt"),
                said(MessageRole::Assistant, "first answer"),
                said(MessageRole::User, ""),
            ],
        )
        .expect("insert");
    // A reply still streaming is not indexed: its text is not final.
    let streaming = store
        .insert_messages(&chat.id, &common::prompt_and_placeholder("second prompt"))
        .expect("turn");
    let mut wanted = vec![
        inserted[0].id.clone(),
        inserted[1].id.clone(),
        streaming[0].id.clone(),
    ];
    wanted.sort();
    assert_eq!(pending_ids(&store, 4), wanted);
    let newest_first = store.messages_to_embed(MODEL, 4, 1).expect("one");
    assert_eq!(newest_first[0].message_id, streaming[0].id);
    assert_eq!(newest_first[0].content, "second prompt");

    let stored = store
        .save_message_vectors(
            MODEL,
            4,
            &[
                (inserted[0].id.clone(), axis(0, 4)),
                (inserted[1].id.clone(), axis(1, 4)),
            ],
        )
        .expect("save");
    assert_eq!(stored, 2);
    assert_eq!(pending_ids(&store, 4), vec![streaming[0].id.clone()]);
    let counts = store.vector_counts(MODEL, 4).expect("counts");
    assert_eq!((counts.indexed, counts.pending), (2, 1));
    // Another dimension is another index: everything is pending there.
    assert_eq!(pending_ids(&store, 8).len(), 3);
    assert!(!store.has_vectors(MODEL, 8).expect("none"));

    // A wrong-sized vector is refused whole; a zero vector is skipped, not stored.
    let wrong = store.save_message_vectors(MODEL, 4, &[(streaming[0].id.clone(), axis(0, 3))]);
    assert!(matches!(wrong, Err(StoreError::InvalidValue { .. })));
    let zero = store
        .save_message_vectors(MODEL, 4, &[(streaming[0].id.clone(), vec![0.0; 4])])
        .expect("zero");
    assert_eq!(zero, 0);
    // A message deleted while it was being embedded is skipped, not an error.
    let ghost = store
        .save_message_vectors(MODEL, 4, &[("no-such-message".into(), axis(0, 4))])
        .expect("ghost");
    assert_eq!(ghost, 0);
}

#[test]
fn hits_rank_by_cosine_and_the_index_follows_deletions_purges_trash_and_edits() {
    let (_dir, mut store) = open();
    let work = store.create_conversation("work", "qwen-plus").expect("c");
    let home = store.create_conversation("home", "qwen-plus").expect("c");
    let w = store
        .insert_messages(
            &work.id,
            &[
                said(MessageRole::User, "quarterly revenue"),
                said(MessageRole::Assistant, "revenue grew"),
            ],
        )
        .expect("w");
    let h = store
        .insert_messages(&home.id, &[said(MessageRole::User, "cat food")])
        .expect("h");
    let mut diagonal = vec![1.0, 1.0, 0.0, 0.0];
    store
        .save_message_vectors(
            MODEL,
            4,
            &[
                (w[0].id.clone(), axis(0, 4)),
                (w[1].id.clone(), diagonal.clone()),
                (h[0].id.clone(), axis(2, 4)),
            ],
        )
        .expect("save");
    let hits = store
        .semantic_search(&[3.0, 0.0, 0.0, 0.0], MODEL, 10)
        .expect("search");
    let order: Vec<&str> = hits.iter().map(|h| h.message_id.as_str()).collect();
    assert_eq!(
        order,
        vec![w[0].id.as_str(), w[1].id.as_str(), h[0].id.as_str()]
    );
    assert!((hits[0].score - 1.0).abs() < 1e-5);
    assert!((hits[1].score - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-5);
    assert!(hits[2].score.abs() < 1e-5);
    assert_eq!(hits[0].conversation_title, "work");
    assert_eq!(hits[0].snippet, "quarterly revenue");
    assert_eq!(hits[0].role, MessageRole::User);
    assert_eq!(
        store
            .semantic_search(&[3.0, 0.0, 0.0, 0.0], MODEL, 1)
            .expect("top 1")
            .len(),
        1
    );
    assert!(
        store
            .semantic_search(&[1.0, 0.0, 0.0], MODEL, 10)
            .expect("other dimension")
            .is_empty(),
        "vectors of another dimension are never compared"
    );

    // The trash hides a conversation's hits and keeps its vectors for a restore.
    store.trash_conversation(&home.id).expect("trash");
    let hits = store
        .semantic_search(&[0.0, 0.0, 1.0, 0.0], MODEL, 10)
        .expect("search");
    assert!(hits.iter().all(|hit| hit.conversation_id != home.id));
    assert_eq!(store.vector_counts(MODEL, 4).expect("counts").indexed, 3);
    store.restore_conversation(&home.id).expect("restore");
    let hits = store
        .semantic_search(&[0.0, 0.0, 1.0, 0.0], MODEL, 1)
        .expect("search");
    assert_eq!(hits[0].message_id, h[0].id);

    // Deleting a message takes its vector; purging a conversation takes all of them.
    store.delete_message(&w[1].id).expect("delete");
    assert_eq!(store.vector_counts(MODEL, 4).expect("counts").indexed, 2);
    store.trash_conversation(&home.id).expect("trash");
    store.purge_conversation(&home.id).expect("purge");
    assert_eq!(store.vector_counts(MODEL, 4).expect("counts").indexed, 1);

    // A reply whose text changes (continued after a cut) loses its vector and is embedded again.
    let turn = store
        .insert_messages(&work.id, &common::prompt_and_placeholder("go on"))
        .expect("turn");
    store
        .finish_reply(
            &turn[1].id,
            ReplyEnding::new("half an ans", MessageStatus::Partial, None),
        )
        .expect("partial");
    diagonal[3] = 1.0;
    store
        .save_message_vectors(MODEL, 4, &[(turn[1].id.clone(), diagonal)])
        .expect("save partial");
    assert!(!pending_ids(&store, 4).contains(&turn[1].id));
    store.reopen_for_continuation(&turn[1].id).expect("reopen");
    store
        .finish_reply(
            &turn[1].id,
            ReplyEnding::new("half an answer, whole now", MessageStatus::Complete, None),
        )
        .expect("complete");
    assert!(
        pending_ids(&store, 4).contains(&turn[1].id),
        "a changed text is embedded again"
    );
}

#[test]
fn app_sessions_are_kept_per_conversation_and_app_and_leave_with_the_conversation() {
    let (_dir, store) = open();
    let chat = store
        .create_conversation("assistant", "app:abc")
        .expect("c");
    assert_eq!(store.app_session(&chat.id, "abc").expect("none"), None);
    store.set_app_session(&chat.id, "abc", "s-1").expect("set");
    store
        .set_app_session(&chat.id, "abc", "s-2")
        .expect("replace");
    store
        .set_app_session(&chat.id, "other", "s-9")
        .expect("other app");
    assert_eq!(
        store.app_session(&chat.id, "abc").expect("get").as_deref(),
        Some("s-2")
    );
    store.trash_conversation(&chat.id).expect("trash");
    store.purge_conversation(&chat.id).expect("purge");
    assert_eq!(store.app_session(&chat.id, "abc").expect("gone"), None);
    // A session arriving for a purged conversation is dropped, not an error.
    store
        .set_app_session(&chat.id, "abc", "late")
        .expect("late session");
    assert_eq!(
        store.app_session(&chat.id, "abc").expect("still gone"),
        None
    );
}

#[test]
fn an_image_task_records_its_inputs_with_the_task() {
    let (_dir, store) = open();
    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let task = store
        .create_image_task_with_inputs(
            "qwen-image-edit",
            "make it red",
            "{}",
            &[NewImageInput {
                source_image: Some("img-1"),
                mime: "image/png",
                data: &png,
            }],
        )
        .expect("task");
    assert_eq!(task.status, "submitting");
    let inputs = store.image_inputs_of(&task.id).expect("inputs");
    assert_eq!(inputs.len(), 1);
    assert_eq!(
        (
            inputs[0].position,
            inputs[0].source_image.as_deref(),
            inputs[0].mime.as_str(),
            inputs[0].bytes
        ),
        (0, Some("img-1"), "image/png", 8)
    );
    assert_eq!(
        store.image_input_data(&task.id, 0).expect("bytes"),
        ("image/png".to_owned(), png.to_vec())
    );
    assert!(matches!(
        store.image_input_data(&task.id, 1),
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store
            .image_inputs_of(&store.create_image_task("wanx-v1", "x", "{}").expect("t").id)
            .expect("none")
            .is_empty()
    );
}
