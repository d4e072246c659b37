//! File transcription by URL as durable jobs, through the core on a real database file against the
//! emulator: the job and its transcript are stored and read back by a new `Desk`, the task id is
//! stored before the first poll so a restart resumes the job without submitting it twice, a job a
//! crash left without a task id fails rather than paying twice, a failed task keeps its error,
//! refusals store and send nothing, and jobs can be listed and deleted.

mod common;

use std::time::Duration;

use bailian_emulator::RunningEmulator;
use desk_core::{Desk, ErrorCode, TranscriptionJob, TranscriptionStatus, UsageKind, UsageStatus};

use common::task_config;

const RECORDING: &str = "https://example.invalid/call.wav";

/// The emulator's calls of the file-transcription API, in order: `submit` or `poll`.
fn task_calls(emulator: &RunningEmulator) -> Vec<&'static str> {
    emulator
        .requests()
        .iter()
        .filter_map(|r| {
            if r.path.ends_with("/audio/asr/transcription") {
                Some("submit")
            } else if r.path.starts_with("/api/v1/tasks/") {
                Some("poll")
            } else {
                None
            }
        })
        .collect()
}

/// A ledger row as (kind, model, status, units, error code, item id).
type Row = (
    UsageKind,
    String,
    UsageStatus,
    Option<u64>,
    Option<String>,
    Option<String>,
);

fn ledger(desk: &Desk) -> Vec<Row> {
    common::ledger(desk, |r| {
        (r.kind, r.model, r.status, r.units, r.error_code, r.item_id)
    })
}

#[tokio::test]
async fn a_recording_becomes_a_stored_job_with_its_transcript() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let id = {
        let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("open");
        let mut seen: Vec<(TranscriptionStatus, bool)> = Vec::new();
        let job = desk
            .transcribe_url_with(&format!(" {RECORDING} "), None, vec!["en".into()], |job| {
                seen.push((job.status, job.task_id.is_some()))
            })
            .await
            .expect("job");
        assert_eq!(
            seen,
            vec![
                (TranscriptionStatus::Pending, false),
                (TranscriptionStatus::Pending, true),
                (TranscriptionStatus::Running, true),
                (TranscriptionStatus::Succeeded, true),
            ],
            "stored before the submit, with its task id as soon as it came, then each change"
        );
        assert_eq!(job.status, TranscriptionStatus::Succeeded);
        assert_eq!(job.file_url, RECORDING, "stored trimmed");
        assert!(job.error().is_none());
        let submit = emulator
            .requests()
            .into_iter()
            .find(|r| r.path.ends_with("/audio/asr/transcription"))
            .and_then(|r| r.body)
            .expect("submit");
        assert_eq!(submit["model"], "paraformer-v2");
        assert_eq!(submit["input"]["file_urls"], serde_json::json!([RECORDING]));
        assert_eq!(
            submit["parameters"]["language_hints"],
            serde_json::json!(["en"])
        );
        job.id
    };
    // A new Desk reads it all back from the file.
    let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("reopen");
    let job = desk.transcription(&id).expect("stored");
    assert_eq!(job.model, "paraformer-v2");
    assert!(job.task_id.is_some());
    let transcript = job.transcript.as_ref().expect("transcript");
    assert!(
        transcript.text.starts_with("Transcript of file ")
            && transcript.text.ends_with(" from the emulator."),
        "{}",
        transcript.text
    );
    assert_eq!(transcript.sentences.len(), 1);
    assert_eq!(transcript.sentences[0].text, transcript.text);
    assert_eq!(
        (
            transcript.sentences[0].begin_ms,
            transcript.sentences[0].end_ms
        ),
        (0, Some(2_900))
    );
    assert_eq!(transcript.duration_seconds, Some(3));
    let json = serde_json::to_value(&job).expect("json");
    assert_eq!(json["status"], "succeeded");
    assert_eq!(json["transcript"]["sentences"][0]["endMs"], 2_900);
    assert_eq!(json["fileUrl"], RECORDING);
    // One ledger row for the job, when it ended.
    assert_eq!(
        ledger(&desk),
        vec![(
            UsageKind::SpeechRecognition,
            "paraformer-v2".to_owned(),
            UsageStatus::Ok,
            Some(3),
            None,
            Some(id.clone())
        )]
    );
    // Another model goes through the same job.
    let job = desk
        .transcribe_url_with(RECORDING, Some("fun-asr"), Vec::new(), |_| {})
        .await
        .expect("fun-asr");
    assert_eq!(
        (job.model.as_str(), job.status),
        ("fun-asr", TranscriptionStatus::Succeeded)
    );
    assert_eq!(
        job.transcript.expect("transcript").model,
        "fun-asr",
        "the transcript names the job's model"
    );
}

#[tokio::test]
async fn the_task_id_is_stored_before_the_first_poll_and_a_restart_resumes_the_job() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let id = {
        let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("open");
        // The moment the task id is reported, every poll of this run fails (503, both attempts):
        // the job must already hold its id, since nothing after the submit succeeded.
        let mut faulted = false;
        let error = desk
            .transcribe_url(RECORDING, |job| {
                if job.task_id.is_some() && !faulted {
                    faulted = true;
                    emulator.push_fault("status=503", 2).expect("fault");
                }
            })
            .await
            .expect_err("polling failed");
        assert!(faulted);
        assert_eq!(error.code, ErrorCode::ServerError);
        let stored = desk.list_transcriptions(10).expect("list");
        assert_eq!(stored.len(), 1);
        let job = &stored[0];
        assert_eq!(job.status, TranscriptionStatus::Pending, "still unfinished");
        assert!(job.task_id.is_some(), "the task id was stored");
        assert!(job.error().is_none() && job.transcript.is_none());
        assert!(ledger(&desk).is_empty(), "no ledger row until the job ends");
        job.id.clone()
        // The app closes here.
    };
    assert_eq!(task_calls(&emulator), ["submit", "poll", "poll"]);
    let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("reopen");
    let mut seen = Vec::new();
    let resumed = desk
        .resume_transcriptions(|job| seen.push(job.status))
        .await
        .expect("resume");
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].id, id);
    assert_eq!(resumed[0].status, TranscriptionStatus::Succeeded);
    assert!(resumed[0].transcript.is_some());
    assert_eq!(seen.last(), Some(&TranscriptionStatus::Succeeded));
    assert!(seen.contains(&TranscriptionStatus::Running), "{seen:?}");
    let calls = task_calls(&emulator);
    assert_eq!(
        calls.iter().filter(|c| **c == "submit").count(),
        1,
        "polling resumed with the stored id; nothing was submitted twice: {calls:?}"
    );
    let rows = ledger(&desk);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].2, rows[0].3, rows[0].5.as_deref()),
        (UsageStatus::Ok, Some(3), Some(id.as_str()))
    );
    assert!(
        desk.resume_transcriptions(|_| {})
            .await
            .expect("nothing left")
            .is_empty()
    );
}

#[tokio::test]
async fn a_job_interrupted_while_it_waits_completes_after_a_restart() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let mut slow = task_config(home.path(), emulator.base_url());
    // Polls far apart, so the app "closes" while the job waits for DashScope.
    slow.image_poll.initial = Duration::from_secs(30);
    slow.image_poll.max = Duration::from_secs(30);
    slow.image_poll.give_up_after = Duration::from_secs(120);
    {
        let desk = Desk::open(slow).expect("open");
        let seen = std::sync::Arc::new(tokio::sync::Notify::new());
        let signal = std::sync::Arc::clone(&seen);
        let follow = desk.transcribe_url(RECORDING, move |job| {
            if job.task_id.is_some() {
                signal.notify_one();
            }
        });
        tokio::pin!(follow);
        tokio::select! {
            result = &mut follow => panic!("the job should still be waiting: {result:?}"),
            () = seen.notified() => {}
        }
        let stored = desk.list_transcriptions(10).expect("list");
        assert!(stored[0].status.is_unfinished(), "{:?}", stored[0].status);
        assert!(stored[0].task_id.is_some());
        // While its call still follows it, a resumption leaves it alone and it cannot be deleted.
        let resumed = desk.resume_transcriptions(|_| {}).await.expect("resume");
        assert!(resumed.is_empty(), "{resumed:?}");
        let error = desk
            .delete_transcription(&stored[0].id)
            .expect_err("being followed");
        assert_eq!(error.code, ErrorCode::BadRequest);
        // The app closes here: the Desk and the poll in flight are dropped.
    }
    let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("reopen");
    let resumed = desk.resume_transcriptions(|_| {}).await.expect("resume");
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].status, TranscriptionStatus::Succeeded);
    assert_eq!(
        task_calls(&emulator)
            .iter()
            .filter(|c| **c == "submit")
            .count(),
        1
    );
}

#[tokio::test]
async fn failed_tasks_keep_their_errors_and_refusals_store_nothing() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("open");
    for local in ["/home/me/call.wav", "", "call.wav", "file:///call.wav"] {
        let error = desk
            .transcribe_url(local, |_| panic!("no job for a refusal"))
            .await
            .expect_err("refused");
        assert_eq!(error.code, ErrorCode::BadRequest, "{local:?}");
    }
    let error = desk
        .transcribe_url_with(RECORDING, None, vec!["en; drop".into()], |_| {})
        .await
        .expect_err("bad hint");
    assert_eq!(error.code, ErrorCode::BadRequest);
    assert!(emulator.requests().is_empty());
    assert!(desk.list_transcriptions(10).expect("list").is_empty());
    assert!(ledger(&desk).is_empty());

    // The whole task fails: the job resolves failed, with the doctor's code and DashScope's.
    emulator
        .push_fault("task_fail=InvalidFile.DecodeFailed", 1)
        .expect("fault");
    let mut last = None;
    let job = desk
        .transcribe_url("https://example.invalid/broken.wav", |job| {
            last = Some(job.status)
        })
        .await
        .expect("a failed job is still a job");
    assert_eq!(last, Some(TranscriptionStatus::Failed));
    assert_eq!(job.status, TranscriptionStatus::Failed);
    assert_eq!(job.error_code, Some(ErrorCode::BadRequest));
    assert_eq!(
        job.dashscope_code.as_deref(),
        Some("InvalidFile.DecodeFailed")
    );
    assert!(job.transcript.is_none());
    let error = job.error().expect("error");
    assert_eq!(error.code, ErrorCode::BadRequest);
    // The file's subtask fails inside a task that succeeded.
    emulator.push_fault("partial_fail=1", 1).expect("fault");
    let gone = desk
        .transcribe_url("https://example.invalid/gone.wav", |_| {})
        .await
        .expect("job");
    assert_eq!(gone.status, TranscriptionStatus::Failed);
    assert_eq!(
        gone.dashscope_code.as_deref(),
        Some("InvalidFile.DownloadFailed")
    );
    // The submit itself is refused by the server: the job exists, so it resolves failed.
    emulator
        .push_fault("status=400,code=InvalidParameter,message=Bad file.", 1)
        .expect("fault");
    let refused = desk
        .transcribe_url("https://example.invalid/refused.wav", |_| {})
        .await
        .expect("job");
    assert_eq!(refused.status, TranscriptionStatus::Failed);
    assert!(refused.task_id.is_none());
    assert_eq!(refused.dashscope_code.as_deref(), Some("InvalidParameter"));
    // Errors are stored, not only returned: a new Desk reads them back.
    drop(desk);
    let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("reopen");
    let stored = desk.transcription(&job.id).expect("stored");
    assert_eq!(stored.status, TranscriptionStatus::Failed);
    assert_eq!(
        stored.dashscope_code.as_deref(),
        Some("InvalidFile.DecodeFailed")
    );
    assert!(stored.error_message.is_some());
    let json = serde_json::to_value(&stored).expect("json");
    assert_eq!(json["errorCode"], "bad_request");
    let rows = ledger(&desk);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows.iter()
            .all(|r| r.2 == UsageStatus::Failed && r.4.as_deref() == Some("bad_request")),
        "{rows:?}"
    );
    assert!(
        desk.resume_transcriptions(|_| {})
            .await
            .expect("nothing to resume")
            .is_empty(),
        "failed jobs are not resumed"
    );
}

#[tokio::test]
async fn a_job_without_a_task_id_or_with_a_forgotten_one_fails_on_resume() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let config = task_config(home.path(), emulator.base_url());
    // A crash between storing the job and hearing back, and a task DashScope no longer knows.
    let (crashed, forgotten) = {
        let store = desk_store::Store::open(&config.database_path()).expect("store");
        let crashed = store
            .create_transcription(RECORDING, "paraformer-v2", &[])
            .expect("job");
        let forgotten = store
            .create_transcription(RECORDING, "paraformer-v2", &[])
            .expect("job");
        store
            .set_transcription_task(&forgotten.id, "no-such-task")
            .expect("task id");
        (crashed.id, forgotten.id)
    };
    let desk = Desk::open(config).expect("open");
    let resumed = desk.resume_transcriptions(|_| {}).await.expect("resume");
    let by_id =
        |id: &str| -> &TranscriptionJob { resumed.iter().find(|j| j.id == id).expect("resumed") };
    let crashed = by_id(&crashed);
    assert_eq!(crashed.status, TranscriptionStatus::Failed);
    assert_eq!(crashed.error_code, Some(ErrorCode::Cancelled));
    let forgotten = by_id(&forgotten);
    assert_eq!(forgotten.status, TranscriptionStatus::Failed);
    assert_eq!(forgotten.dashscope_code.as_deref(), Some("TaskUnknown"));
    assert_eq!(
        task_calls(&emulator),
        ["poll"],
        "the job without an id was not submitted again"
    );
}

#[tokio::test]
async fn jobs_are_listed_newest_first_and_deleted() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("open");
    let first = desk
        .transcribe_url("https://example.invalid/one.wav", |_| {})
        .await
        .expect("one");
    let second = desk
        .transcribe_url("https://example.invalid/two.wav", |_| {})
        .await
        .expect("two");
    let list = desk.list_transcriptions(10).expect("list");
    let ids: Vec<&str> = list.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, [second.id.as_str(), first.id.as_str()]);
    assert!(list.iter().all(|j| j.transcript.is_some()));
    assert_eq!(desk.list_transcriptions(1).expect("list").len(), 1);
    desk.delete_transcription(&second.id).expect("delete");
    let ids: Vec<String> = desk
        .list_transcriptions(10)
        .expect("list")
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(ids, std::slice::from_ref(&first.id));
    let error = desk.transcription(&second.id).expect_err("deleted");
    assert_eq!(error.code, ErrorCode::BadRequest);
    // Deleting what is not there is not an error (a second click, another window).
    desk.delete_transcription(&second.id).expect("again");
    desk.delete_transcription("never-stored").expect("unknown");
    // The ledger keeps its rows: what was spent stays spent.
    assert_eq!(ledger(&desk).len(), 2);
}
