//! Transcription jobs in the store (migration 0011): a schema-10 file upgrades with its history
//! kept, a job goes pending → running → succeeded with its sentences stored all at once (and
//! replaced, never duplicated, when stored again), failures keep their codes, unfinished jobs are
//! found after a restart, and damaged or missing rows are reported.

use desk_store::{
    MIGRATIONS, Store, StoreError, TranscriptionFailure, TranscriptionResult,
    TranscriptionSentence, TranscriptionStatus,
};

fn result(sentences: usize) -> TranscriptionResult {
    TranscriptionResult {
        text: "hello there".into(),
        duration_seconds: Some(3),
        sentences: (0..sentences)
            .map(|i| TranscriptionSentence {
                begin_ms: i as i64 * 1_000,
                end_ms: (i % 2 == 0).then_some(i as i64 * 1_000 + 900),
                text: format!("sentence {i}"),
            })
            .collect(),
    }
}

#[test]
fn a_schema_10_file_upgrades_and_keeps_its_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let conversation = {
        let store = Store::open_with_migrations(&path, &MIGRATIONS[..10]).expect("schema 10");
        store
            .create_conversation("before transcriptions", "qwen-plus")
            .expect("conversation")
            .id
    };
    let store = Store::open(&path).expect("upgrade");
    assert_eq!(MIGRATIONS[10].name, "0011_transcriptions");
    assert!(store.schema_version().expect("version") >= 11);
    assert_eq!(
        store.conversation(&conversation).expect("kept").title,
        "before transcriptions"
    );
    assert!(store.transcriptions(10).expect("empty").is_empty());
}

#[test]
fn a_job_moves_through_its_states_and_keeps_its_transcript() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let id = {
        let store = Store::open(&path).expect("open");
        let job = store
            .create_transcription("https://x/a.wav", "paraformer-v2", &["en".into()])
            .expect("job");
        assert_eq!(job.status, TranscriptionStatus::Pending);
        assert_eq!(job.task_id, None);
        assert_eq!(job.language_hints, vec!["en"]);
        store
            .set_transcription_task(&job.id, "task-1")
            .expect("task");
        assert!(
            !store
                .set_transcription_progress(&job.id, TranscriptionStatus::Pending)
                .expect("same state"),
            "no change"
        );
        assert!(
            store
                .set_transcription_progress(&job.id, TranscriptionStatus::Running)
                .expect("running")
        );
        assert!(
            store
                .set_transcription_progress(&job.id, TranscriptionStatus::Succeeded)
                .is_err(),
            "only unfinished states are progress"
        );
        job.id
    };
    // A restart finds it unfinished, with its task id.
    let store = Store::open(&path).expect("reopen");
    let unfinished = store.unfinished_transcriptions().expect("unfinished");
    assert_eq!(unfinished.len(), 1);
    assert_eq!(unfinished[0].task_id.as_deref(), Some("task-1"));
    assert_eq!(unfinished[0].status, TranscriptionStatus::Running);
    store
        .save_transcription_result(&id, &result(3))
        .expect("result");
    // Stored again (a resumed job whose first storing was cut): replaced, not added to.
    store
        .save_transcription_result(&id, &result(2))
        .expect("again");
    let job = store.transcription(&id).expect("job");
    assert_eq!(job.record.status, TranscriptionStatus::Succeeded);
    assert_eq!(job.record.text.as_deref(), Some("hello there"));
    assert_eq!(job.record.duration_seconds, Some(3));
    assert_eq!(job.sentences, result(2).sentences);
    assert!(store.unfinished_transcriptions().expect("none").is_empty());
    // An ended job is not moved back by a late poll.
    assert!(
        !store
            .set_transcription_progress(&id, TranscriptionStatus::Running)
            .expect("ended")
    );
    assert_eq!(
        store.transcription_record(&id).expect("job").status,
        TranscriptionStatus::Succeeded
    );
}

#[test]
fn failures_listing_deletion_and_damage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let store = Store::open(&path).expect("open");
    let failed = store
        .create_transcription("https://x/a.wav", "paraformer-v2", &[])
        .expect("job");
    store
        .set_transcription_failed(
            &failed.id,
            TranscriptionFailure {
                code: "bad_request",
                dashscope_code: Some("InvalidFile.DecodeFailed"),
                message: "cannot decode",
            },
        )
        .expect("failed");
    let done = store
        .create_transcription("https://x/b.wav", "fun-asr", &[])
        .expect("job");
    store
        .save_transcription_result(&done.id, &result(1))
        .expect("done");
    let list = store.transcriptions(10).expect("list");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].record.id, done.id, "newest first");
    assert_eq!(list[0].sentences.len(), 1);
    let record = &list[1].record;
    assert_eq!(record.status, TranscriptionStatus::Failed);
    assert_eq!(
        (
            record.error_code.as_deref(),
            record.dashscope_code.as_deref(),
            record.error_message.as_deref()
        ),
        (
            Some("bad_request"),
            Some("InvalidFile.DecodeFailed"),
            Some("cannot decode")
        )
    );
    assert!(store.unfinished_transcriptions().expect("none").is_empty());
    // Deleting takes the sentences with the job.
    assert!(store.delete_transcription(&done.id).expect("delete"));
    assert!(!store.delete_transcription(&done.id).expect("gone"));
    assert!(matches!(
        store.transcription(&done.id),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.set_transcription_task("missing", "t"),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.set_transcription_progress("missing", TranscriptionStatus::Running),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.save_transcription_result("missing", &result(1)),
        Err(StoreError::NotFound { .. })
    ));
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("raw");
    let orphans: i64 = conn
        .query_row("SELECT count(*) FROM transcription_sentences", [], |r| {
            r.get(0)
        })
        .expect("count");
    assert_eq!(orphans, 0);
    // A hint list this module did not write is a damaged value, not a crash.
    conn.execute(
        "UPDATE transcriptions SET language_hints = 'not json' WHERE id = ?1",
        [&failed.id],
    )
    .expect("damage");
    drop(conn);
    let store = Store::open(&path).expect("open");
    assert!(matches!(
        store.transcription_record(&failed.id),
        Err(StoreError::InvalidValue { .. })
    ));
}
