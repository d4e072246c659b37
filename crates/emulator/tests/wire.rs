//! The emulator's bytes on the wire, checked against the reference's framing rules.

use bailian_emulator::{DEFAULT_API_KEY, RunningEmulator, pieces, reply_text};
use serde_json::{Value, json};

const NATIVE: &str = "/api/v1/services/aigc/text-generation/generation";
const COMPAT: &str = "/compatible-mode/v1/chat/completions";

async fn post(
    emulator: &RunningEmulator,
    path: &str,
    body: Value,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", emulator.base_url()))
        .bearer_auth(DEFAULT_API_KEY)
        .json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("body"))
}

fn native_body(result_format: &str, incremental: bool) -> Value {
    json!({
        "model": "qwen-plus",
        "input": { "messages": [{ "role": "user", "content": "Hi" }] },
        "parameters": { "result_format": result_format, "incremental_output": incremental },
    })
}

/// Splits a native SSE body into its events' lines.
fn blocks(body: &str) -> Vec<Vec<&str>> {
    body.split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|b| b.lines().collect())
        .collect()
}

fn data_of(block: &[&str]) -> Value {
    let line = block
        .iter()
        .find_map(|l| l.strip_prefix("data:"))
        .expect("data line");
    serde_json::from_str(line).expect("json")
}

#[tokio::test]
async fn native_stream_framing_is_exact() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let (status, headers, body) = post(
        &emulator,
        NATIVE,
        native_body("text", true),
        &[("X-DashScope-SSE", "enable")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/event-stream;charset=UTF-8");
    assert!(headers.contains_key("x-request-id"));
    assert!(!body.contains("[DONE]"));
    let events = blocks(&body);
    let expected = pieces(&reply_text("qwen-plus", 1, "Hi")).len();
    assert_eq!(
        events.len(),
        expected + 1,
        "one event per piece plus the closing one"
    );
    let mut text = String::new();
    for (i, block) in events.iter().enumerate() {
        assert_eq!(block[0], format!("id:{}", i + 1));
        assert_eq!(block[1], "event:result");
        assert_eq!(block[2], ":HTTP_STATUS/200");
        assert!(block[3].starts_with("data:{"), "no space after the colon");
        let data = data_of(block);
        let finish = &data["output"]["finish_reason"];
        if i + 1 < events.len() {
            assert_eq!(finish, &json!("null"), "the string \"null\" until the end");
        } else {
            assert_eq!(finish, &json!("stop"));
        }
        let usage = &data["usage"];
        assert_eq!(
            usage["output_tokens"],
            json!((i + 1).min(expected)),
            "cumulative usage"
        );
        assert!(data["request_id"].is_string());
        text.push_str(data["output"]["text"].as_str().expect("text"));
    }
    assert_eq!(text, reply_text("qwen-plus", 1, "Hi"));
}

#[tokio::test]
async fn native_stream_cumulative_message_format() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let (_, _, body) = post(
        &emulator,
        NATIVE,
        native_body("message", false),
        &[("Accept", "text/event-stream")],
    )
    .await;
    let events = blocks(&body);
    let full = reply_text("qwen-plus", 1, "Hi");
    let contents: Vec<String> = events
        .iter()
        .map(|b| {
            data_of(b)["output"]["choices"][0]["message"]["content"]
                .as_str()
                .expect("content")
                .to_owned()
        })
        .collect();
    for pair in contents.windows(2) {
        assert!(
            pair[1].starts_with(&pair[0]),
            "each event repeats the text so far"
        );
    }
    assert_eq!(contents.last(), Some(&full));
}

#[tokio::test]
async fn native_non_stream_both_formats() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let (status, _, body) = post(&emulator, NATIVE, native_body("text", false), &[]).await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["output"]["text"], json!(reply_text("qwen-plus", 1, "Hi")));
    assert_eq!(v["output"]["finish_reason"], json!("stop"));
    assert!(
        v.get("status_code").is_none(),
        "SDK-only keys are not on the wire"
    );
    let (_, _, body) = post(&emulator, NATIVE, native_body("message", false), &[]).await;
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        v["output"]["choices"][0]["message"]["role"],
        json!("assistant")
    );
}

#[tokio::test]
async fn auth_errors_per_family() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = reqwest::Client::new();
    let native = client
        .post(format!("{}{NATIVE}", emulator.base_url()))
        .bearer_auth("sk-bad")
        .json(&native_body("text", false))
        .send()
        .await
        .expect("send");
    assert_eq!(native.status().as_u16(), 401);
    let v: Value = native.json().await.expect("json");
    assert_eq!(
        (v["code"].as_str(), v["message"].as_str()),
        (Some("InvalidApiKey"), Some("Invalid API-key provided."))
    );
    let compat = client
        .post(format!("{}{COMPAT}", emulator.base_url()))
        .json(&json!({"model":"qwen-plus","messages":[]}))
        .send()
        .await
        .expect("send");
    assert_eq!(compat.status().as_u16(), 401);
    let v: Value = compat.json().await.expect("json");
    assert_eq!(v["error"]["code"], json!("invalid_api_key"));
    assert_eq!(v["error"]["type"], json!("invalid_request_error"));
    assert!(v["request_id"].is_string());
}

#[tokio::test]
async fn unknown_model_per_family() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let mut body = native_body("text", false);
    body["model"] = json!("qwen-unknown");
    let (status, _, text) = post(&emulator, NATIVE, body, &[]).await;
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("json")["message"],
        json!("Model not exist.")
    );
    let (status, _, text) = post(
        &emulator,
        COMPAT,
        json!({"model":"qwen-unknown","messages":[{"role":"user","content":"x"}]}),
        &[],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("json")["error"]["code"],
        json!("model_not_found")
    );
}

#[tokio::test]
async fn a_thread_over_the_models_input_limit_is_refused_whole() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    // ~40,000 of the emulator's tokens: over qwen-max's 30,720, within qwen-plus's 129,024.
    let messages: Vec<Value> = (0..400)
        .map(|i| json!({ "role": if i % 2 == 0 { "user" } else { "assistant" }, "content": "word ".repeat(99) }))
        .collect();
    for (model, refused) in [("qwen-max", true), ("qwen-plus", false)] {
        let body = json!({ "model": model, "input": { "messages": messages.clone() } });
        let (status, _, text) = post(&emulator, NATIVE, body, &[]).await;
        let body: Value = serde_json::from_str(&text).expect("json");
        if refused {
            assert_eq!(status, 400, "{model}");
            assert_eq!(body["code"], json!("InvalidParameter"));
            assert_eq!(
                body["message"],
                json!("Range of input length should be [1, 30720]")
            );
        } else {
            assert_eq!(status, 200, "{model}: {text}");
        }
    }
    let compat = json!({ "model": "qwen-max", "messages": messages });
    let (status, _, text) = post(&emulator, COMPAT, compat, &[]).await;
    assert_eq!(status, 400);
    assert!(
        text.contains("Range of input length should be [1, 30720]"),
        "{text}"
    );
}

#[tokio::test]
async fn invalid_stream_request_errors_inside_a_200_stream() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let body = json!({"model":"qwen-plus","input":{"messages":[{"role":"user","content":""}]}});
    let (status, _, text) = post(&emulator, NATIVE, body, &[("X-DashScope-SSE", "enable")]).await;
    assert_eq!(status, 200);
    let events = blocks(&text);
    assert_eq!(events.len(), 1);
    assert_eq!(
        &events[0][..3],
        &["id:1", "event:error", ":HTTP_STATUS/400"]
    );
    assert_eq!(data_of(&events[0])["code"], json!("InvalidParameter"));
}

#[tokio::test]
async fn compat_stream_with_usage_and_done() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let body = json!({"model":"qwen-plus","messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true}});
    let (status, _, text) = post(&emulator, COMPAT, body, &[]).await;
    assert_eq!(status, 200);
    let frames: Vec<&str> = text.split("\n\n").filter(|f| !f.is_empty()).collect();
    assert!(
        frames.iter().all(|f| f.starts_with("data: ")),
        "compat frames have a space"
    );
    assert_eq!(frames.last(), Some(&"data: [DONE]"));
    let chunks: Vec<Value> = frames[..frames.len() - 1]
        .iter()
        .map(|f| serde_json::from_str(&f["data: ".len()..]).expect("json"))
        .collect();
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], json!("assistant"));
    let usage_chunk = chunks.last().expect("usage chunk");
    assert_eq!(usage_chunk["choices"], json!([]));
    let expected = pieces(&reply_text("qwen-plus", 1, "Hi")).len() as u64;
    assert_eq!(usage_chunk["usage"]["completion_tokens"], json!(expected));
    assert!(
        chunks[..chunks.len() - 1]
            .iter()
            .all(|c| c["usage"].is_null())
    );
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, reply_text("qwen-plus", 1, "Hi"));
}

#[tokio::test]
async fn compat_non_stream_and_models() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let (status, _, text) = post(
        &emulator,
        COMPAT,
        json!({"model":"qwen-max","messages":[{"role":"user","content":"Hi"}]}),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["object"], json!("chat.completion"));
    assert_eq!(
        v["choices"][0]["message"]["content"],
        json!(reply_text("qwen-max", 1, "Hi"))
    );
    let models: Value = reqwest::Client::new()
        .get(format!("{}/compatible-mode/v1/models", emulator.base_url()))
        .bearer_auth(DEFAULT_API_KEY)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(models["object"], json!("list"));
    assert!(
        models["data"]
            .as_array()
            .expect("list")
            .iter()
            .any(|m| m["id"] == json!("qwen-plus"))
    );
}

#[tokio::test]
async fn fault_header_and_control_endpoint() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let (status, headers, text) = post(
        &emulator,
        NATIVE,
        native_body("text", false),
        &[("X-Emulator-Fault", "status=429,retry_after=3")],
    )
    .await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "3");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("json")["code"],
        json!("Throttling.RateQuota")
    );
    let (status, _, _) = post(
        &emulator,
        NATIVE,
        native_body("text", false),
        &[("X-Emulator-Fault", "nonsense")],
    )
    .await;
    assert_eq!(status, 400);

    let control = reqwest::Client::new();
    let pushed = control
        .post(format!("{}/emulator/faults", emulator.base_url()))
        .json(&json!({"fault": "status=503", "times": 2}))
        .send()
        .await
        .expect("send");
    assert_eq!(pushed.status().as_u16(), 204);
    let statuses = [
        post(&emulator, NATIVE, native_body("text", false), &[])
            .await
            .0,
        post(&emulator, NATIVE, native_body("text", false), &[])
            .await
            .0,
        post(&emulator, NATIVE, native_body("text", false), &[])
            .await
            .0,
    ];
    assert_eq!(statuses, [503, 503, 200]);
    let log: Value = control
        .get(format!("{}/emulator/requests", emulator.base_url()))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    // The request with the malformed spec was refused before it was logged.
    assert_eq!(log.as_array().map(Vec::len), Some(4));
    assert_eq!(log[1]["fault"], json!("status=503"));
    assert_eq!(log[3]["fault"], Value::Null);
}

#[tokio::test]
async fn no_blank_lines_fault_glues_events() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let (_, _, body) = post(
        &emulator,
        NATIVE,
        native_body("text", true),
        &[
            ("X-DashScope-SSE", "enable"),
            ("X-Emulator-Fault", "no_blank_lines"),
        ],
    )
    .await;
    assert!(!body.contains("\n\n"));
    assert!(body.contains("\nid:2\n"));
}

/// Found with the official SDKs (tests/fidelity): a fault naming only a code reads like that
/// code's documented error, and compatible mode spells moderation failures in snake case.
#[tokio::test]
async fn fault_code_alone_gets_its_documented_message_per_family() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let fault = (
        "X-Emulator-Fault",
        "error_after=1,code=DataInspectionFailed",
    );
    let (_, _, body) = post(
        &emulator,
        NATIVE,
        native_body("text", true),
        &[("X-DashScope-SSE", "enable"), fault],
    )
    .await;
    let events = blocks(&body);
    assert_eq!(events.len(), 2);
    assert!(events[1].contains(&"event:error"));
    assert!(events[1].contains(&":HTTP_STATUS/400"));
    let error = data_of(&events[1]);
    assert_eq!(error["code"], json!("DataInspectionFailed"));
    assert_eq!(
        error["message"],
        json!("Input or output data may contain inappropriate content.")
    );

    let (_, _, body) = post(
        &emulator,
        COMPAT,
        json!({"model":"qwen-plus","stream":true,"messages":[{"role":"user","content":"Hi"}]}),
        &[fault],
    )
    .await;
    let last = body
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("data: "))
        .expect("an event");
    let error: Value = serde_json::from_str(last).expect("json");
    assert_eq!(error["error"]["code"], json!("data_inspection_failed"));
    assert_eq!(error["error"]["type"], json!("data_inspection_failed"));

    let (status, _, text) = post(
        &emulator,
        NATIVE,
        native_body("text", false),
        &[(
            "X-Emulator-Fault",
            "status=429,code=Throttling.AllocationQuota",
        )],
    )
    .await;
    assert_eq!(status, 429);
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("json")["message"],
        json!("Allocated quota exceeded, please increase your quota limit.")
    );
}

/// QwQ and the Qwen3 open-source models answer in message form and stream increments unless the
/// request says otherwise; Qwen3 open-source thinks by default, so a whole (non-stream) reply needs
/// `enable_thinking: false` (reference §2.1).
#[tokio::test]
async fn per_model_native_defaults() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let body = json!({
        "model": "qwen3-32b",
        "input": { "messages": [{ "role": "user", "content": "Hi" }] },
    });
    let (status, _, text) = post(&emulator, NATIVE, body.clone(), &[]).await;
    assert_eq!(status, 400);
    let refused: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        refused["message"],
        json!("parameter.enable_thinking must be set to false for non-streaming calls")
    );
    let mut quiet = body.clone();
    quiet["parameters"] = json!({ "enable_thinking": false });
    let (_, _, text) = post(&emulator, NATIVE, quiet, &[]).await;
    let v: Value = serde_json::from_str(&text).expect("json");
    let reply = reply_text("qwen3-32b", 1, "Hi");
    assert_eq!(
        v["output"]["choices"][0]["message"]["content"],
        json!(reply)
    );
    let (_, _, sse) = post(&emulator, NATIVE, body, &[("X-DashScope-SSE", "enable")]).await;
    let events: Vec<Value> = blocks(&sse).iter().map(|b| data_of(b)).collect();
    let first = &events[0]["output"]["choices"][0]["message"];
    assert_eq!(first["content"], json!(""));
    assert_eq!(
        first["reasoning_content"],
        json!("The "),
        "reasoning streams first, in increments"
    );
    let answer: String = events
        .iter()
        .filter_map(|e| e["output"]["choices"][0]["message"]["content"].as_str())
        .collect();
    assert_eq!(answer, reply);
}

/// The SDKs look a model up with `?model=NAME&page_no=1&page_size=1` and page with `page_no`.
#[tokio::test]
async fn native_models_honour_the_query() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let get = |query: &'static str| {
        let url = format!("{}/api/v1/models?{query}", emulator.base_url());
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(DEFAULT_API_KEY)
                .send()
                .await
                .expect("send")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let one = get("model=qwen-turbo&page_no=1&page_size=1").await;
    assert_eq!(
        one["output"]["models"],
        json!([{"model":"qwen-turbo","provider":"qwen"}])
    );
    assert_eq!(one["output"]["total"], json!(1));
    let none = get("model=nope&page_no=1&page_size=1").await;
    assert_eq!(none["output"]["models"], json!([]));
    let first = get("page_no=1&page_size=4").await;
    let second = get("page_no=2&page_size=4").await;
    assert_eq!(first["output"]["models"].as_array().map(Vec::len), Some(4));
    assert_eq!(second["output"]["page_no"], json!(2));
    assert_ne!(first["output"]["models"][0], second["output"]["models"][0]);
    assert_eq!(first["output"]["total"], second["output"]["total"]);
}
