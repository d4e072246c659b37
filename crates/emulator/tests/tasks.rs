//! The async task API's shapes that the official SDKs read (reference §4): the wan2.6 chat-shaped
//! result and the task list.

use bailian_emulator::{DEFAULT_API_KEY, RunningEmulator};
use serde_json::{Value, json};

async fn call(emulator: &RunningEmulator, method: &str, path: &str, body: Option<Value>) -> Value {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", emulator.base_url());
    let request = match method {
        "POST" => client.post(url).header("X-DashScope-Async", "enable"),
        _ => client.get(url),
    };
    let request = request.bearer_auth(DEFAULT_API_KEY);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = request.send().await.expect("send");
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.json().await.expect("json")
}

async fn submit(emulator: &RunningEmulator, service: &str, model: &str, input: Value) -> String {
    let body =
        json!({ "model": model, "input": input, "parameters": { "n": 2, "size": "1280*1280" } });
    let answer = call(
        emulator,
        "POST",
        &format!("/api/v1/services/aigc/{service}"),
        Some(body),
    )
    .await;
    answer["output"]["task_id"]
        .as_str()
        .expect("task id")
        .to_owned()
}

#[tokio::test]
async fn wan26_tasks_answer_in_the_chat_shape() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let input = json!({ "messages": [{ "role": "user", "content": [{ "text": "a fox" }] }] });
    let id = submit(
        &emulator,
        "image-generation/generation",
        "wan2.6-t2i",
        input,
    )
    .await;
    let mut done = Value::Null;
    for _ in 0..3 {
        done = call(&emulator, "GET", &format!("/api/v1/tasks/{id}"), None).await;
    }
    let output = &done["output"];
    assert_eq!(output["task_status"], "SUCCEEDED");
    assert_eq!(output["finished"], true);
    assert!(output.get("results").is_none());
    let images: Vec<&str> = output["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .map(|c| c["message"]["content"][0]["image"].as_str().expect("image"))
        .collect();
    assert_eq!(images.len(), 2);
    assert!(images[1].ends_with(&format!("/emulator/files/{id}-1.png")));
    assert_eq!(done["usage"]["image_count"], 2);
    assert_eq!(done["usage"]["size"], "1280*1280");
}

#[tokio::test]
async fn the_task_list_has_no_output_wrapper() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let older = submit(
        &emulator,
        "text2image/image-synthesis",
        "wanx-v1",
        json!({ "prompt": "a" }),
    )
    .await;
    let newer = submit(
        &emulator,
        "text2image/image-synthesis",
        "wanx-v1",
        json!({ "prompt": "b" }),
    )
    .await;
    let page = call(
        &emulator,
        "GET",
        "/api/v1/tasks?page_no=1&page_size=1",
        None,
    )
    .await;
    assert!(page.get("output").is_none());
    assert_eq!(
        (&page["total"], &page["total_page"], &page["page_size"]),
        (&json!(2), &json!(2), &json!(1))
    );
    assert_eq!(page["data"][0]["task_id"], newer.as_str());
    assert_eq!(page["data"][0]["status"], "PENDING");
    assert_eq!(
        page["data"][0]["user_api_unique_key"],
        "apikey:v1:aigc:text2image:image-synthesis:wanx-v1"
    );
    let second = call(
        &emulator,
        "GET",
        "/api/v1/tasks?page_no=2&page_size=1",
        None,
    )
    .await;
    assert_eq!(second["data"][0]["task_id"], older.as_str());
    let none = call(&emulator, "GET", "/api/v1/tasks?status=SUCCEEDED", None).await;
    assert_eq!((&none["total"], &none["data"]), (&json!(0), &json!([])));
}

/// A file-transcription task moves one step per poll (PENDING, RUNNING, SUCCEEDED) so a client
/// sees every state; its result points at a transcript document; an id nobody submitted is
/// UNKNOWN; a `task_fail` fault ends it FAILED with that code.
#[tokio::test]
async fn a_transcription_task_progresses_across_polls() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let body = json!({ "model": "paraformer-v2", "input": { "file_urls": ["https://example.invalid/a.wav"] } });
    let submitted = call(
        &emulator,
        "POST",
        "/api/v1/services/audio/asr/transcription",
        Some(body.clone()),
    )
    .await;
    assert_eq!(submitted["output"]["task_status"], "PENDING");
    let id = submitted["output"]["task_id"].as_str().expect("task id");
    let mut states = Vec::new();
    let mut last = Value::Null;
    for _ in 0..3 {
        last = call(&emulator, "GET", &format!("/api/v1/tasks/{id}"), None).await;
        states.push(
            last["output"]["task_status"]
                .as_str()
                .expect("status")
                .to_owned(),
        );
    }
    assert_eq!(states, ["PENDING", "RUNNING", "SUCCEEDED"]);
    let result = &last["output"]["results"][0];
    assert_eq!(result["subtask_status"], "SUCCEEDED");
    let document_url = result["transcription_url"]
        .as_str()
        .expect("transcription_url");
    let document: Value = reqwest::get(document_url)
        .await
        .expect("document")
        .json()
        .await
        .expect("json");
    assert!(
        document["transcripts"][0]["sentences"].is_array(),
        "{document}"
    );
    assert_eq!(last["usage"]["duration"], 3);

    let unknown = call(&emulator, "GET", "/api/v1/tasks/no-such-task", None).await;
    assert_eq!(unknown["output"]["task_status"], "UNKNOWN");

    emulator
        .push_fault("task_fail=InvalidFile.DecodeFailed", 1)
        .expect("fault");
    let failing = call(
        &emulator,
        "POST",
        "/api/v1/services/audio/asr/transcription",
        Some(body),
    )
    .await;
    let id = failing["output"]["task_id"].as_str().expect("task id");
    let mut last = Value::Null;
    for _ in 0..3 {
        last = call(&emulator, "GET", &format!("/api/v1/tasks/{id}"), None).await;
    }
    assert_eq!(last["output"]["task_status"], "FAILED");
    assert_eq!(last["output"]["code"], "InvalidFile.DecodeFailed");
}
