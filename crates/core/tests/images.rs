//! Image tasks through the core, on a real database: the task id is stored before waiting, a new
//! `Desk` (an app restart) resumes polling, images end up in the store, partial failures keep the
//! successes, and an expired task says so.

mod common;

use bailian_emulator::RunningEmulator;
use desk_core::{Desk, DeskConfig, ErrorCode, ImageJob};

use common::{fast_poll, keyed_config};

/// The default retries, with fast polling.
fn config(home: &std::path::Path, base_url: String) -> DeskConfig {
    let mut config = keyed_config(home, base_url);
    config.image_poll = fast_poll();
    config
}

fn job(n: u32) -> ImageJob {
    ImageJob {
        prompt: "a red lantern".into(),
        n: Some(n),
        size: Some("1024*1024".into()),
        ..ImageJob::default()
    }
}

#[tokio::test]
async fn a_task_submitted_before_a_restart_completes_after_it() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let row = {
        let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
        let task = desk.submit_image_job(job(2)).await.expect("submit");
        assert_eq!(task.status, "pending");
        assert!(
            task.task_id.is_some(),
            "DashScope's id is stored before anything waits on it"
        );
        task.id
        // The app closes here, with the task still running on the server.
    };
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("reopen");
    let mut seen = Vec::new();
    let views = desk
        .resume_image_tasks(|view| seen.push(view.task.status.clone()))
        .await
        .expect("resume");
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].task.id, row);
    assert_eq!(views[0].task.status, "succeeded");
    assert!(
        seen.contains(&"running".to_owned()),
        "progress was reported: {seen:?}"
    );
    assert_eq!(views[0].images.len(), 2);
    for image in &views[0].images {
        assert_eq!(
            (image.status.as_str(), image.mime.as_deref()),
            ("stored", Some("image/png"))
        );
        let (mime, bytes) = desk.image_data(&image.id).expect("bytes");
        assert_eq!((mime.as_str(), &bytes[..4]), ("image/png", &b"\x89PNG"[..]));
        assert!(
            image
                .actual_prompt
                .as_deref()
                .is_some_and(|p| p.contains("a red lantern"))
        );
    }
    assert!(
        desk.resume_image_tasks(|_| {})
            .await
            .expect("nothing left")
            .is_empty()
    );
    assert_eq!(desk.image_tasks(10).expect("gallery").len(), 1);
}

#[tokio::test]
async fn a_partly_failed_batch_keeps_what_succeeded_and_says_why() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("partial_fail=1", 1).expect("fault");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
    let view = desk.create_image(job(3), |_| {}).await.expect("image");
    assert_eq!(view.task.status, "partial");
    let statuses: Vec<&str> = view.images.iter().map(|i| i.status.as_str()).collect();
    assert_eq!(statuses, vec!["stored", "stored", "failed"]);
    assert_eq!(
        view.images[2].error_code.as_deref(),
        Some("DataInspectionFailed")
    );
}

#[tokio::test]
async fn failed_and_refused_jobs_are_recorded_or_refused() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
    emulator
        .push_fault("task_fail=InvalidParameter", 1)
        .expect("fault");
    let view = desk.create_image(job(1), |_| {}).await.expect("ends");
    assert_eq!(
        (view.task.status.as_str(), view.task.error_code.as_deref()),
        ("failed", Some("InvalidParameter"))
    );

    let bad = desk
        .create_image(
            ImageJob {
                size: Some("9*9".into()),
                ..job(1)
            },
            |_| {},
        )
        .await
        .expect_err("bad size");
    assert_eq!(bad.code, ErrorCode::UnsupportedByModel);
    emulator.push_fault("status=401", 1).expect("fault");
    let refused = desk
        .create_image(job(1), |_| {})
        .await
        .expect_err("refused");
    assert_eq!(refused.code, ErrorCode::InvalidApiKey);
    let tasks = desk.image_tasks(10).expect("tasks");
    assert_eq!(
        tasks.len(),
        2,
        "the bad size was refused before anything was stored"
    );
    assert_eq!(
        tasks[0].task.status, "failed",
        "a refused submit is recorded, not lost"
    );
}

#[tokio::test]
async fn a_task_the_server_no_longer_knows_is_marked_expired() {
    let first = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    {
        let desk = Desk::open(config(home.path(), first.base_url())).expect("open");
        desk.submit_image_job(job(1)).await.expect("submit");
    }
    // A different server (as after 24 hours) does not know the task.
    let second = RunningEmulator::start_local().await.expect("emulator");
    let desk = Desk::open(config(home.path(), second.base_url())).expect("reopen");
    let views = desk.resume_image_tasks(|_| {}).await.expect("resume");
    assert_eq!(
        (
            views[0].task.status.as_str(),
            views[0].task.error_code.as_deref()
        ),
        ("failed", Some("expired"))
    );
}
