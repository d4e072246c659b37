//! The synchronous image models on the multimodal endpoint (reference §2.5): the captured
//! qwen-image-edit answer's shape, the images it points to, and the refusals.

use bailian_emulator::{DEFAULT_API_KEY, RunningEmulator};
use serde_json::{Value, json};

const MULTIMODAL: &str = "/api/v1/services/aigc/multimodal-generation/generation";
/// A 1×1 PNG's first bytes, base64: enough for the emulator, which checks the form only.
const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB";

async fn post(emulator: &RunningEmulator, body: Value, fault: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{MULTIMODAL}", emulator.base_url()))
        .bearer_auth(DEFAULT_API_KEY)
        .json(&body);
    if let Some(fault) = fault {
        request = request.header("X-Emulator-Fault", fault);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

fn edit(content: Value, parameters: Value) -> Value {
    json!({ "model": "qwen-image-edit", "input": { "messages": [{ "role": "user", "content": content }] }, "parameters": parameters })
}

#[tokio::test]
async fn an_edit_answers_at_once_in_the_chat_shape_with_images_to_download() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let (status, body) = post(
        &emulator,
        edit(
            json!([{ "image": PNG }, { "text": "make the sky red" }]),
            json!({ "n": 2, "size": "1280*720", "watermark": false }),
        ),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let choice = &body["output"]["choices"][0];
    assert_eq!(choice["finish_reason"], "stop");
    assert_eq!(choice["message"]["role"], "assistant");
    let urls: Vec<&str> = choice["message"]["content"]
        .as_array()
        .expect("content")
        .iter()
        .map(|item| item["image"].as_str().expect("image url"))
        .collect();
    assert_eq!(urls.len(), 2);
    assert_eq!(
        body["usage"],
        json!({ "height": 720, "image_count": 2, "width": 1280 })
    );
    assert!(body["request_id"].is_string());
    assert!(body["output"].get("task_id").is_none(), "no task: one call");
    let png = reqwest::get(urls[0]).await.expect("download");
    assert_eq!(png.status().as_u16(), 200);
    assert_eq!(&png.bytes().await.expect("bytes")[..4], b"\x89PNG");
    assert_eq!(emulator.requests()[0].path, MULTIMODAL);
}

#[tokio::test]
async fn bad_edits_are_refused_and_faults_answer_as_told() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    for (content, why) in [
        (json!([{ "text": "no image" }]), "an edit needs an image"),
        (
            json!([{ "image": "/home/me/a.png" }, { "text": "x" }]),
            "a local path is no URL",
        ),
        (json!([{ "image": PNG }]), "no text"),
    ] {
        let (status, body) = post(&emulator, edit(content, json!({})), None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("InvalidParameter")),
            "{why}: {body}"
        );
    }
    let (status, body) = post(
        &emulator,
        edit(
            json!([{ "image": PNG }, { "text": "x" }]),
            json!({ "n": 9 }),
        ),
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");

    let good = edit(
        json!([{ "image": PNG }, { "text": "x" }]),
        json!({ "n": 3 }),
    );
    let (status, body) = post(
        &emulator,
        good.clone(),
        Some("task_fail=DataInspectionFailed"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("DataInspectionFailed"))
    );
    let (status, body) = post(&emulator, good.clone(), Some("partial_fail=1")).await;
    assert_eq!(status, 200);
    assert_eq!(body["usage"]["image_count"], 2);
    let (status, body) = post(&emulator, good, Some("status=429")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("Throttling.RateQuota"))
    );

    // wan2.6's synchronous form answers here too; a text-to-image model needs no input image.
    let t2i = json!({ "model": "wan2.6-t2i", "input": { "messages": [{ "role": "user", "content": [{ "text": "a fox" }] }] } });
    let (status, body) = post(&emulator, t2i, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["usage"]["image_count"], 1);
}
