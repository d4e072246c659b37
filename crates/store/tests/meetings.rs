//! Meetings in the store (migration 0007): a schema-6 file upgrades with its history kept, results
//! are stored all at once and replaced (never duplicated) when stored again, the unfinished ones
//! are found after a restart, and damaged or missing rows are reported.

use desk_store::{
    MIGRATIONS, MeetingAction, MeetingChapter, MeetingContent, MeetingFailure, MeetingSentence,
    Store, StoreError,
};

fn content(sentences: usize) -> MeetingContent {
    MeetingContent {
        summary: Some("The team planned the release.".into()),
        keywords: vec!["release".into(), "发布".into()],
        duration_ms: Some(5_500),
        documents: Some(r#"{"transcription":{}}"#.into()),
        sentences: (0..sentences)
            .map(|i| MeetingSentence {
                speaker: (i % 2 == 0).then(|| "1".to_owned()),
                begin_ms: i as i64 * 1_000,
                end_ms: i as i64 * 1_000 + 900,
                text: format!("sentence {i}"),
            })
            .collect(),
        chapters: vec![MeetingChapter {
            title: "Planning".into(),
            summary: None,
            begin_ms: 0,
            end_ms: 5_500,
        }],
        actions: vec![MeetingAction {
            text: "Write the notes".into(),
            begin_ms: None,
            end_ms: None,
        }],
    }
}

#[test]
fn a_schema_6_file_upgrades_and_keeps_its_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let conversation = {
        let store = Store::open_with_migrations(&path, &MIGRATIONS[..6]).expect("schema 6");
        assert_eq!(store.schema_version().expect("version"), 6);
        store
            .create_conversation("before meetings", "qwen-plus")
            .expect("conversation")
            .id
    };
    let store = Store::open(&path).expect("upgrade");
    assert_eq!(
        store.schema_version().expect("version"),
        MIGRATIONS.len() as i64
    );
    assert_eq!(MIGRATIONS[6].name, "0007_meetings");
    assert_eq!(
        store.conversation(&conversation).expect("kept").title,
        "before meetings"
    );
    assert!(store.meetings(10).expect("empty").is_empty());
    store
        .create_meeting("https://example.invalid/a.mp3")
        .expect("meeting");
}

#[test]
fn results_are_stored_whole_and_replaced_when_stored_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let (done, pending) = {
        let store = Store::open(&path).expect("open");
        let done = store
            .create_meeting("https://example.invalid/a.mp3")
            .expect("a");
        assert_eq!(
            (done.status.as_str(), done.data_id.as_deref()),
            ("submitting", None)
        );
        let pending = store
            .create_meeting("https://example.invalid/b.mp3")
            .expect("b");
        store
            .set_meeting_submitted(&done.id, "data-a")
            .expect("a id");
        store
            .set_meeting_submitted(&pending.id, "data-b")
            .expect("b id");
        store.set_meeting_running(&pending.id).expect("touch");
        store
            .save_meeting_result(&done.id, &content(3))
            .expect("save");
        // A resumed meeting stored twice: the second replaces the first.
        store
            .save_meeting_result(&done.id, &content(2))
            .expect("again");
        (done.id, pending.id)
    };
    let store = Store::open(&path).expect("reopen");
    let meeting = store.meeting(&done).expect("meeting");
    assert_eq!(meeting.record.status, "succeeded");
    assert_eq!(meeting.record.data_id.as_deref(), Some("data-a"));
    assert_eq!(meeting.record.keywords, vec!["release", "发布"]);
    assert_eq!(meeting.record.duration_ms, Some(5_500));
    assert_eq!(meeting.sentences, content(2).sentences);
    assert_eq!(meeting.chapters, content(2).chapters);
    assert_eq!(meeting.actions, content(2).actions);
    assert_eq!(
        (
            meeting.record.sentence_count,
            meeting.record.chapter_count,
            meeting.record.action_count
        ),
        (2, 1, 1)
    );
    assert_eq!(
        store
            .meeting_documents(&done)
            .expect("documents")
            .as_deref(),
        Some(r#"{"transcription":{}}"#)
    );
    // Newest first; only the running one is unfinished.
    let ids: Vec<String> = store
        .meetings(10)
        .expect("list")
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, vec![pending.clone(), done.clone()]);
    let unfinished = store.unfinished_meetings().expect("unfinished");
    assert_eq!(unfinished.len(), 1);
    assert_eq!(unfinished[0].id, pending);
    // A failure keeps its codes; a finished meeting is no longer "touched" back to running.
    store
        .set_meeting_failed(
            &pending,
            MeetingFailure {
                code: "bad_request",
                dashscope_code: Some("TSC.FileError"),
                message: "File cannot be read.",
            },
        )
        .expect("failed");
    let failed = store.meeting_record(&pending).expect("record");
    assert_eq!(
        (
            failed.status.as_str(),
            failed.error_code.as_deref(),
            failed.dashscope_code.as_deref()
        ),
        ("failed", Some("bad_request"), Some("TSC.FileError"))
    );
    assert!(matches!(
        store.set_meeting_running(&pending),
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.unfinished_meetings().expect("none").is_empty());
    assert_eq!(store.meetings(1).expect("limit").len(), 1);
}

#[test]
fn missing_and_damaged_meetings_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let store = Store::open(&path).expect("open");
    for result in [
        store.set_meeting_submitted("nope", "d"),
        store.save_meeting_result("nope", &content(1)),
        store.set_meeting_failed(
            "nope",
            MeetingFailure {
                code: "x",
                dashscope_code: None,
                message: "",
            },
        ),
    ] {
        assert!(
            matches!(
                result,
                Err(StoreError::NotFound {
                    what: "meeting",
                    ..
                })
            ),
            "{result:?}"
        );
    }
    assert!(matches!(
        store.meeting("nope"),
        Err(StoreError::NotFound {
            what: "meeting",
            ..
        })
    ));
    assert!(store.meeting_documents("nope").is_err());
    // A keyword list that no longer reads is an error, not an empty list.
    let meeting = store
        .create_meeting("https://example.invalid/c.mp3")
        .expect("c");
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("raw");
    conn.execute(
        "UPDATE meetings SET keywords = 'not json' WHERE id = ?1",
        [&meeting.id],
    )
    .expect("damage");
    drop(conn);
    let store = Store::open(&path).expect("reopen");
    assert!(matches!(
        store.meeting_record(&meeting.id),
        Err(StoreError::InvalidValue { .. })
    ));
    assert!(
        store.meetings(10).is_err(),
        "a damaged row is not skipped silently"
    );
}
