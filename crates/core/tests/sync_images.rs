//! Synchronous image models (qwen-image-edit) through the core against the emulator, on a real
//! database file: the task and its input image are recorded before the call, the result images
//! are downloaded into the store, failures are recorded with the doctor's code, and a call cut by
//! a crash is reported as interrupted at the next resume.

mod common;

use std::time::Duration;

use base64::Engine as _;
use desk_core::{Desk, DeskConfig, ErrorCode, ImageJob, NewAttachment, UsageKind, UsageStatus};

use common::{Fixture, emulator_config, fast_poll, requests_to};

const MULTIMODAL: &str = "/api/v1/services/aigc/multimodal-generation/generation";
/// The first bytes of a PNG: what the sniffer needs to call it one.
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];

/// A second try for the faults below, and fast polling for the tasks they resume.
fn config(home: &std::path::Path, base_url: String) -> DeskConfig {
    let mut config = emulator_config(home, base_url, 2);
    config.image_poll = fast_poll();
    config
}

async fn fixture() -> Fixture {
    Fixture::start(config).await
}

fn png_attachment(bytes: &[u8]) -> NewAttachment {
    NewAttachment {
        mime: "image/png".into(),
        base64: base64::engine::general_purpose::STANDARD.encode(bytes),
    }
}

fn edit(prompt: &str) -> ImageJob {
    ImageJob {
        model: Some("qwen-image-edit".into()),
        prompt: prompt.into(),
        input_image: Some(png_attachment(PNG)),
        ..ImageJob::default()
    }
}

fn data_uri(bytes: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[tokio::test]
async fn an_edit_is_recorded_with_its_input_and_its_images_are_stored() {
    let f = fixture().await;
    let mut seen = Vec::new();
    let view = f
        .desk
        .create_image(edit("make the sky red"), |v| {
            seen.push(v.task.status.clone())
        })
        .await
        .expect("edit");
    assert_eq!(view.task.status, "succeeded");
    assert_eq!(view.task.model, "qwen-image-edit");
    assert_eq!(view.task.task_id, None, "one call, no DashScope task");
    assert_eq!(seen.last().map(String::as_str), Some("succeeded"));
    assert_eq!(view.images.len(), 1);
    let (mime, bytes) = f.desk.image_data(&view.images[0].id).expect("stored");
    assert_eq!((mime.as_str(), &bytes[..4]), ("image/png", &b"\x89PNG"[..]));

    assert_eq!(view.inputs.len(), 1);
    assert_eq!(
        (
            view.inputs[0].position,
            view.inputs[0].mime.as_str(),
            view.inputs[0].bytes,
            view.inputs[0].source_image.as_deref()
        ),
        (0, "image/png", PNG.len() as i64, None)
    );
    assert_eq!(
        f.desk.image_input_data(&view.task.id, 0).expect("input"),
        ("image/png".to_owned(), PNG.to_vec())
    );

    let calls = requests_to(&f.emulator, MULTIMODAL);
    assert_eq!(calls.len(), 1);
    let body = calls[0].body.as_ref().expect("body");
    assert_eq!(body["model"], "qwen-image-edit");
    assert_eq!(
        body["input"]["messages"][0]["content"],
        serde_json::json!([{ "image": data_uri(PNG) }, { "text": "make the sky red" }])
    );
    let ledger = f.desk.usage_records(None, None).expect("ledger");
    let row = ledger
        .iter()
        .find(|r| r.kind == UsageKind::Image)
        .expect("image row");
    assert_eq!((row.units, row.status), (Some(1), UsageStatus::Ok));
    // Following a task that already ended reports it as it is.
    let again = f
        .desk
        .follow_image_task(&view.task.id, |_| {})
        .await
        .expect("follow");
    assert_eq!(again.task.status, "succeeded");
    assert_eq!(requests_to(&f.emulator, MULTIMODAL).len(), 1);
}

#[tokio::test]
async fn a_stored_result_can_be_edited_by_its_id() {
    let f = fixture().await;
    let first = f
        .desk
        .create_image(
            ImageJob {
                prompt: "a red lantern".into(),
                ..ImageJob::default()
            },
            |_| {},
        )
        .await
        .expect("async image");
    let source = first.images[0].id.clone();
    let (_, source_bytes) = f.desk.image_data(&source).expect("bytes");
    let view = f
        .desk
        .create_image(
            ImageJob {
                model: Some("qwen-image-edit".into()),
                prompt: "now blue".into(),
                input_image_id: Some(source.clone()),
                ..ImageJob::default()
            },
            |_| {},
        )
        .await
        .expect("edit by id");
    assert_eq!(view.task.status, "succeeded");
    assert_eq!(
        view.inputs[0].source_image.as_deref(),
        Some(source.as_str())
    );
    assert!(
        view.task.parameters.contains(&source),
        "{}",
        view.task.parameters
    );
    let body = requests_to(&f.emulator, MULTIMODAL)[0]
        .body
        .clone()
        .expect("body");
    assert_eq!(
        body["input"]["messages"][0]["content"][0]["image"],
        data_uri(&source_bytes)
    );
}

#[tokio::test]
async fn bad_edits_are_refused_before_anything_is_stored_or_sent() {
    let f = fixture().await;
    let cases = [
        (
            ImageJob {
                input_image: None,
                ..edit("no image")
            },
            ErrorCode::UnsupportedByModel,
        ),
        (
            ImageJob {
                model: Some("wanx-v1".into()),
                ..edit("a text-to-image model given an image")
            },
            ErrorCode::UnsupportedByModel,
        ),
        (
            ImageJob {
                input_image_id: Some("some-id".into()),
                ..edit("both")
            },
            ErrorCode::BadRequest,
        ),
        (
            ImageJob {
                input_image: None,
                input_image_id: Some("no-such-image".into()),
                ..edit("unknown id")
            },
            ErrorCode::BadRequest,
        ),
        (
            ImageJob {
                input_image: Some(png_attachment(b"%PDF-1.7 not an image")),
                ..edit("not an image")
            },
            ErrorCode::BadRequest,
        ),
    ];
    for (job, code) in cases {
        let why = job.prompt.clone();
        let error = f.desk.create_image(job, |_| {}).await.expect_err(&why);
        assert_eq!(error.code, code, "{why}: {error}");
    }
    assert!(f.desk.image_tasks(10).expect("tasks").is_empty());
    assert!(f.emulator.requests().is_empty());
}

#[tokio::test]
async fn failed_calls_are_recorded_with_the_doctors_code_and_partial_ones_say_what_is_missing() {
    let f = fixture().await;
    f.emulator
        .push_fault("task_fail=DataInspectionFailed", 1)
        .expect("fault");
    let error = f
        .desk
        .create_image(edit("blocked"), |_| {})
        .await
        .expect_err("blocked");
    assert_eq!(error.code, ErrorCode::ContentBlocked);
    let tasks = f.desk.image_tasks(10).expect("tasks");
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        (
            tasks[0].task.status.as_str(),
            tasks[0].task.error_code.as_deref()
        ),
        ("failed", Some("content_blocked"))
    );
    assert_eq!(
        tasks[0].inputs.len(),
        1,
        "the input was recorded before the call"
    );
    let failed_rows = f
        .desk
        .usage_records(None, None)
        .expect("ledger")
        .into_iter()
        .filter(|r| r.kind == UsageKind::Image && r.status == UsageStatus::Failed)
        .count();
    assert_eq!(failed_rows, 1);

    // A 429 created nothing and is retried; the second attempt draws.
    f.emulator.clear_requests();
    f.emulator.push_fault("status=429", 1).expect("fault");
    let view = f
        .desk
        .create_image(edit("after a 429"), |_| {})
        .await
        .expect("retried");
    assert_eq!(view.task.status, "succeeded");
    assert_eq!(requests_to(&f.emulator, MULTIMODAL).len(), 2);

    // Fewer images than asked for: the missing ones are recorded as failed.
    f.emulator.push_fault("partial_fail=1", 1).expect("fault");
    let view = f
        .desk
        .create_image(
            ImageJob {
                n: Some(2),
                ..edit("two of them")
            },
            |_| {},
        )
        .await
        .expect("partial");
    assert_eq!(view.task.status, "partial");
    let images: Vec<(&str, Option<&str>)> = view
        .images
        .iter()
        .map(|i| (i.status.as_str(), i.error_code.as_deref()))
        .collect();
    assert_eq!(
        images,
        vec![("stored", None), ("failed", Some("not_returned"))]
    );

    // Every image missing: the task failed.
    f.emulator.push_fault("partial_fail=1", 1).expect("fault");
    let view = f
        .desk
        .create_image(edit("none of them"), |_| {})
        .await
        .expect("ends");
    assert_eq!(
        (view.task.status.as_str(), view.task.error_code.as_deref()),
        ("failed", Some("no_images"))
    );
}

#[tokio::test]
async fn a_call_cut_by_a_crash_is_recorded_before_it_was_sent_and_never_resent() {
    let f = fixture().await;
    f.emulator
        .push_fault("first_byte_delay_ms=5000", 1)
        .expect("slow");
    // The app dies while the call is in flight: its future is dropped.
    let cut = tokio::time::timeout(
        Duration::from_millis(300),
        f.desk.create_image(edit("slow"), |_| {}),
    )
    .await;
    assert!(cut.is_err(), "the call was still running");
    drop(f.desk);
    let desk = Desk::open(config(f.home.path(), f.emulator.base_url())).expect("reopen");
    let tasks = desk.image_tasks(10).expect("tasks");
    assert_eq!(tasks[0].task.status, "submitting");
    assert_eq!(tasks[0].inputs.len(), 1);
    let resumed = desk.resume_image_tasks(|_| {}).await.expect("resume");
    assert_eq!(
        (
            resumed[0].task.status.as_str(),
            resumed[0].task.error_code.as_deref()
        ),
        ("failed", Some("interrupted"))
    );
    assert_eq!(
        requests_to(&f.emulator, MULTIMODAL).len(),
        1,
        "never sent twice"
    );
}
