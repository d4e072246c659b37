//! Meetings (Tingwu) through the core, on a real database file against the emulator: every part
//! of the result is stored, a meeting interrupted after its `dataId` was stored completes after
//! a restart, and each way a meeting can fail is stored with the doctor's code and a ledger row.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bailian_emulator::RunningEmulator;
use desk_core::{AtLimit, Desk, DeskConfig, ErrorCode, UsageKind, UsageStatus};
use tokio::sync::Notify;

use common::task_config;

const RECORDING: &str = "https://example.invalid/weekly-sync.mp3";

/// Meetings need a Tingwu app on top of the task settings.
fn config(home: &std::path::Path, base_url: String) -> DeskConfig {
    let mut config = task_config(home, base_url);
    config.tingwu_app_id = Some("tw_emulator".into());
    config
}

fn meeting_calls(emulator: &RunningEmulator) -> Vec<String> {
    emulator
        .requests()
        .iter()
        .filter(|r| r.model.as_deref() == Some("tingwu-meeting"))
        .filter_map(|r| {
            r.body
                .as_ref()
                .and_then(|b| b.pointer("/input/task"))
                .and_then(|t| t.as_str())
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn a_meeting_is_stored_with_every_part_and_one_ledger_row() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let id = {
        let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
        let mut seen = Vec::new();
        let meeting = desk
            .transcribe_meeting(&format!("  {RECORDING} "), |record| {
                seen.push(record.status.clone())
            })
            .await
            .expect("meeting");
        assert_eq!(
            seen.first().map(String::as_str),
            Some("running"),
            "{seen:?}"
        );
        assert_eq!(
            seen.last().map(String::as_str),
            Some("succeeded"),
            "{seen:?}"
        );
        assert_eq!(
            meeting.record.file_url, RECORDING,
            "the URL is stored trimmed"
        );
        assert!(meeting.record.data_id.is_some());
        // The createTask the client sent: offline, the configured app, the URL.
        let create = emulator
            .requests()
            .into_iter()
            .find_map(|r| r.body.filter(|b| b["input"]["task"] == "createTask"))
            .expect("createTask");
        assert_eq!(create["input"]["appId"], "tw_emulator");
        assert_eq!(create["input"]["fileUrl"], RECORDING);
        meeting.record.id
    };
    // Everything is read back from the file by a new Desk.
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("reopen");
    let meeting = desk.meeting(&id).expect("stored");
    let record = &meeting.record;
    assert_eq!(record.status, "succeeded");
    assert!(
        record
            .summary
            .as_deref()
            .is_some_and(|s| s.contains("the team planned the release")),
        "{:?}",
        record.summary
    );
    assert_eq!(record.keywords, vec!["release", "notes"]);
    assert_eq!(record.duration_ms, Some(5_500));
    let sentences: Vec<(Option<&str>, i64, i64, &str)> = meeting
        .sentences
        .iter()
        .map(|s| (s.speaker.as_deref(), s.begin_ms, s.end_ms, s.text.as_str()))
        .collect();
    assert_eq!(
        sentences,
        vec![
            (Some("Speaker 1"), 0, 2_500, "Let us plan the release."),
            (
                Some("Speaker 2"),
                3_000,
                5_500,
                "I will write the notes by Friday."
            ),
        ]
    );
    assert_eq!(meeting.chapters.len(), 1);
    assert_eq!(meeting.chapters[0].title, "Release planning");
    assert_eq!(
        meeting.chapters[0].summary.as_deref(),
        Some("Who does what before the release.")
    );
    assert_eq!(
        (meeting.chapters[0].begin_ms, meeting.chapters[0].end_ms),
        (0, 5_500)
    );
    assert_eq!(meeting.actions.len(), 1);
    assert_eq!(meeting.actions[0].text, "Write the notes by Friday.");
    assert_eq!(
        (meeting.actions[0].begin_ms, meeting.actions[0].end_ms),
        (Some(3_000), Some(5_500))
    );
    let list = desk.meetings(10).expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(
        (
            list[0].sentence_count,
            list[0].chapter_count,
            list[0].action_count
        ),
        (2, 1, 1)
    );
    // One ledger row: speech recognition in seconds of audio, under Tingwu's model.
    let rows = desk.usage_records(None, None).expect("ledger");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(
        (row.kind, row.model.as_str(), row.status),
        (
            UsageKind::SpeechRecognition,
            "tingwu-meeting",
            UsageStatus::Ok
        )
    );
    assert_eq!((row.units, row.unit.as_deref()), (Some(6), Some("seconds")));
    assert_eq!(row.item_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        row.cost_cny, None,
        "no CNY price for Tingwu: unknown, not guessed"
    );
    // The JSON the UI and `--json` get carries the parts.
    let json = serde_json::to_value(&meeting).expect("json");
    assert_eq!(json["sentences"][1]["speaker"], "Speaker 2");
    assert_eq!(json["status"], "succeeded");
    assert_eq!(json["actions"][0]["beginMs"], 3_000);
}

#[tokio::test]
async fn a_meeting_interrupted_after_its_data_id_was_stored_completes_after_a_restart() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let mut slow = config(home.path(), emulator.base_url());
    // Polls far apart, so the app "closes" between the first poll and the next.
    slow.image_poll.initial = Duration::from_secs(30);
    slow.image_poll.max = Duration::from_secs(30);
    {
        let desk = Desk::open(slow).expect("open");
        let running = Arc::new(Notify::new());
        let signal = Arc::clone(&running);
        tokio::select! {
            result = desk.transcribe_meeting(RECORDING, move |record| {
                if record.status == "running" {
                    signal.notify_one();
                }
            }) => panic!("the meeting should still be running: {result:?}"),
            () = running.notified() => {}
        }
        let stored = desk.meetings(10).expect("list");
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].status, "running");
        assert!(
            stored[0].data_id.is_some(),
            "the dataId was stored before polling"
        );
        assert!(
            desk.usage_records(None, None).expect("ledger").is_empty(),
            "no ledger row until the meeting ends"
        );
        // The app closes here: the Desk and the poll in flight are dropped.
    }
    assert_eq!(meeting_calls(&emulator), vec!["createTask", "getTask"]);
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("reopen");
    let mut seen = Vec::new();
    let resumed = desk
        .resume_meetings(|record| seen.push(record.status.clone()))
        .await
        .expect("resume");
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].record.status, "succeeded");
    assert_eq!(resumed[0].sentences.len(), 2);
    assert_eq!(seen.last().map(String::as_str), Some("succeeded"));
    assert_eq!(
        meeting_calls(&emulator),
        vec!["createTask", "getTask", "getTask"],
        "polling resumed with the stored dataId; nothing was created twice"
    );
    let rows = desk.usage_records(None, None).expect("ledger");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, UsageStatus::Ok);
    assert!(
        desk.resume_meetings(|_| {})
            .await
            .expect("nothing left")
            .is_empty()
    );
}

#[tokio::test]
async fn a_failed_meeting_is_stored_with_the_doctors_code_and_tingwus() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
    emulator
        .push_fault("task_fail=TSC.FileError", 1)
        .expect("fault");
    let error = desk
        .transcribe_meeting(RECORDING, |_| {})
        .await
        .expect_err("the meeting fails");
    assert_eq!(error.code, ErrorCode::BadRequest);
    assert_eq!(error.dashscope_code.as_deref(), Some("TSC.FileError"));
    let stored = desk.meetings(10).expect("list");
    assert_eq!(stored.len(), 1);
    let record = &stored[0];
    assert_eq!(record.status, "failed");
    assert_eq!(record.error_code.as_deref(), Some("bad_request"));
    assert_eq!(record.dashscope_code.as_deref(), Some("TSC.FileError"));
    assert!(
        record
            .error_message
            .as_deref()
            .is_some_and(|m| m.contains("File cannot be read.")),
        "{record:?}"
    );
    let rows = desk.usage_records(None, None).expect("ledger");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].status, rows[0].error_code.as_deref()),
        (UsageStatus::Failed, Some("bad_request"))
    );
    // A failed meeting is not resumed.
    assert!(desk.resume_meetings(|_| {}).await.expect("none").is_empty());
}

#[tokio::test]
async fn a_refused_create_is_a_failed_meeting_and_bad_input_is_never_sent() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");

    // Not a URL Bailian can download; nothing stored, nothing sent, no ledger row.
    for bad in ["", "/home/me/meeting.mp3", "file:///meeting.mp3"] {
        let error = desk
            .transcribe_meeting(bad, |_| {})
            .await
            .expect_err("refused");
        assert_eq!(error.code, ErrorCode::BadRequest, "{bad:?}");
    }
    // Without a Tingwu app id (live), the same.
    let mut no_app = config(home.path(), emulator.base_url());
    no_app.tingwu_app_id = None;
    let without = Desk::open(no_app).expect("open");
    let error = without
        .transcribe_meeting(RECORDING, |_| {})
        .await
        .expect_err("no app id");
    assert_eq!(error.code, ErrorCode::BadRequest);
    assert!(
        error.message.contains(desk_core::ENV_TINGWU_APP_ID),
        "{error}"
    );
    drop(without);
    // A blocking budget refuses before anything is stored or sent.
    desk.set_budget(Some(0.0), AtLimit::Block).expect("budget");
    let error = desk
        .transcribe_meeting(RECORDING, |_| {})
        .await
        .expect_err("budget");
    assert_eq!(error.code, ErrorCode::BudgetExceeded);
    desk.set_budget(None, AtLimit::Warn).expect("no budget");
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
    assert!(desk.meetings(10).expect("list").is_empty());
    assert!(desk.usage_records(None, None).expect("ledger").is_empty());

    // The gateway refuses the create itself: stored failed with its code, one failed row, and a
    // refusal is not retried into a second paid meeting.
    emulator
        .push_fault("status=400,code=InvalidParameter", 1)
        .expect("fault");
    let error = desk
        .transcribe_meeting(RECORDING, |_| {})
        .await
        .expect_err("refused");
    assert_eq!(error.dashscope_code.as_deref(), Some("InvalidParameter"));
    let stored = desk.meetings(10).expect("list");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].status, "failed");
    assert_eq!(stored[0].data_id, None);
    assert_eq!(
        stored[0].dashscope_code.as_deref(),
        Some("InvalidParameter")
    );
    assert_eq!(meeting_calls(&emulator), vec!["createTask"]);
    let rows = desk.usage_records(None, None).expect("ledger");
    assert_eq!(
        rows.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![UsageStatus::Failed]
    );
    // A 500 on the create is not retried either: the meeting may exist.
    emulator.clear_requests();
    emulator.push_fault("status=500", 1).expect("fault");
    let error = desk
        .transcribe_meeting(RECORDING, |_| {})
        .await
        .expect_err("server error");
    assert_eq!(error.code, ErrorCode::ServerError);
    assert_eq!(meeting_calls(&emulator), vec!["createTask"], "not retried");
}

#[tokio::test]
async fn a_network_failure_while_polling_leaves_the_meeting_resumable() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
    let record = desk.submit_meeting(RECORDING).await.expect("submit");
    assert_eq!(record.status, "running");
    // Both attempts of the next poll answer 503 (the retry policy allows two).
    emulator.push_fault("status=503", 2).expect("fault");
    let error = desk
        .follow_meeting(&record.id, |_| {})
        .await
        .expect_err("unavailable");
    assert_eq!(error.code, ErrorCode::ServerError);
    let stored = desk.meeting(&record.id).expect("stored");
    assert_eq!(stored.record.status, "running", "still Tingwu's to finish");
    assert!(desk.usage_records(None, None).expect("ledger").is_empty());
    // Once the gateway answers again, resuming finishes it.
    let resumed = desk.resume_meetings(|_| {}).await.expect("resume");
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].record.status, "succeeded");
}

#[tokio::test]
async fn meetings_left_without_an_id_or_with_an_expired_one_end_failed_on_resume() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let path = DeskConfig::at(home.path()).database_path();
    let (orphan, expired) = {
        // What a crash leaves: one meeting stored but never acknowledged by Tingwu, one whose
        // dataId Tingwu no longer knows.
        let store = desk_store::Store::open(&path).expect("store");
        let orphan = store.create_meeting(RECORDING).expect("orphan");
        let expired = store.create_meeting(RECORDING).expect("expired");
        store
            .set_meeting_submitted(&expired.id, "no-such-data-id")
            .expect("submitted");
        (orphan.id, expired.id)
    };
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
    let resumed = desk.resume_meetings(|_| {}).await.expect("resume");
    assert_eq!(resumed.len(), 2);
    let orphan = desk.meeting(&orphan).expect("orphan");
    assert_eq!(orphan.record.status, "failed");
    assert_eq!(orphan.record.error_code.as_deref(), Some("cancelled"));
    let expired = desk.meeting(&expired).expect("expired");
    assert_eq!(expired.record.status, "failed");
    assert_eq!(expired.record.error_code.as_deref(), Some("bad_request"));
    assert_eq!(
        expired.record.dashscope_code.as_deref(),
        Some("InvalidParameter")
    );
    assert_eq!(
        meeting_calls(&emulator),
        vec!["getTask"],
        "the orphan is never created again"
    );
    let rows = desk.usage_records(None, None).expect("ledger");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.status == UsageStatus::Failed));
    // An unknown meeting id is a clear error.
    let error = desk.meeting("nope").expect_err("unknown");
    assert_eq!(error.code, ErrorCode::BadRequest);
}
