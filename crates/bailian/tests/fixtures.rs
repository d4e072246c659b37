//! The verbatim captures in `../shared/fixtures/bailian/` parse as the reference says they should.

use std::path::PathBuf;

use bailian::sse::SseDecoder;
use bailian::{Error, parse_compat, parse_native_body};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/bailian")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn events(text: &str) -> Vec<bailian::sse::SseEvent> {
    let mut decoder = SseDecoder::new();
    decoder.push(text.as_bytes());
    let mut out = Vec::new();
    while let Some(event) = decoder.next_event() {
        out.push(event);
    }
    out.extend(decoder.finish());
    out
}

#[test]
fn native_message_response() {
    let chunk =
        parse_native_body(&fixture("native-textgen-message.response.json")).expect("parses");
    assert!(chunk.delta.starts_with("1+1 等于 2。"));
    assert_eq!(chunk.finish_reason.as_deref(), Some("stop"));
    let usage = chunk.usage.expect("usage");
    assert_eq!(
        (usage.input_tokens, usage.output_tokens, usage.total_tokens),
        (8, 39, 47)
    );
    assert_eq!(
        chunk.request_id.as_deref(),
        Some("e764bfe3-c0b7-97a0-ae57-cd99e1580960")
    );
}

#[test]
fn native_text_incremental_stream() {
    let events = events(&fixture("native-textgen-text-incremental.sse.txt"));
    assert_eq!(events.len(), 5);
    assert!(
        events
            .iter()
            .all(|e| e.event.as_deref() == Some("result") && e.http_status == Some(200))
    );
    let chunks: Vec<_> = events
        .iter()
        .map(|e| parse_native_body(&e.data).expect("chunk"))
        .collect();
    let text: String = chunks.iter().map(|c| c.delta.as_str()).collect();
    assert_eq!(text, "1+1等于2。");
    assert!(
        chunks[..4].iter().all(|c| c.finish_reason.is_none()),
        "the string \"null\" means unfinished"
    );
    assert_eq!(chunks[4].finish_reason.as_deref(), Some("stop"));
    let usage = chunks[4].usage.expect("usage");
    assert_eq!(
        (usage.input_tokens, usage.output_tokens, usage.total_tokens),
        (16, 6, 22)
    );
}

#[test]
fn native_vl_response_content_list() {
    let chunk =
        parse_native_body(&fixture("native-multimodal-vl-nosse.response.json")).expect("parses");
    assert!(!chunk.delta.is_empty());
    let usage = chunk.usage.expect("usage");
    assert_eq!(usage.total_tokens, usage.input_tokens + usage.output_tokens);
}

#[test]
fn native_error_bodies() {
    for (name, code) in [
        (
            "native-error-invalid-api-key.response.json",
            "InvalidApiKey",
        ),
        (
            "native-error-invalid-parameter.response.json",
            "InvalidParameter",
        ),
    ] {
        match parse_native_body(&fixture(name)) {
            Err(Error::Api(api)) => {
                assert_eq!(api.code, code, "{name}");
                assert!(api.request_id.is_some(), "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn compat_response() {
    let chunk = parse_compat(&fixture("compat-chat.response.json"), 200).expect("parses");
    assert!(!chunk.delta.is_empty());
    assert_eq!(chunk.finish_reason.as_deref(), Some("stop"));
    let usage = chunk.usage.expect("usage");
    assert!(usage.input_tokens > 0 && usage.output_tokens > 0);
    assert_eq!(usage.total_tokens, usage.input_tokens + usage.output_tokens);
}

#[test]
fn compat_stream_with_done_and_usage_chunk() {
    let events = events(&fixture("compat-chat-stream.sse.txt"));
    assert_eq!(events.last().map(|e| e.data.as_str()), Some("[DONE]"));
    let chunks: Vec<_> = events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .map(|e| parse_compat(&e.data, 200).expect("chunk"))
        .collect();
    let text: String = chunks.iter().map(|c| c.delta.as_str()).collect();
    assert!(text.starts_with("我是来自阿里云"), "{text}");
    assert!(
        chunks
            .iter()
            .any(|c| c.finish_reason.as_deref() == Some("stop"))
    );
    let usage_chunks: Vec<_> = chunks.iter().filter_map(|c| c.usage).collect();
    assert_eq!(
        usage_chunks.len(),
        1,
        "include_usage adds exactly one usage chunk"
    );
    let usage = usage_chunks[0];
    assert_eq!(
        (usage.input_tokens, usage.output_tokens, usage.total_tokens),
        (22, 17, 39)
    );
}

#[test]
fn compat_error_bodies() {
    for (name, status, code) in [
        (
            "compat-error-invalid-api-key.response.json",
            401,
            "invalid_api_key",
        ),
        (
            "compat-error-model-not-found.response.json",
            404,
            "model_not_found",
        ),
        ("compat-error-arrearage.response.json", 400, "Arrearage"),
        (
            "compat-error-data-inspection.response.json",
            400,
            "data_inspection_failed",
        ),
    ] {
        let error = parse_compat(&fixture(name), status).expect_err(name);
        assert_eq!(
            (error.status, error.code.as_str()),
            (status, code),
            "{name}"
        );
        assert!(!error.message.is_empty(), "{name}");
    }
}

fn json_fixture(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn native_tool_call_response() {
    let chunk = parse_native_body(&fixture("native-textgen-tools.response.json")).expect("parses");
    let mut tools = bailian::ToolCallAssembler::default();
    for fragment in chunk.tool_call_fragments {
        tools.push(fragment);
    }
    let calls = tools.finish();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].id.as_str(), calls[0].name.as_str()),
        ("call_cec4c19d27624537b583af", "get_current_weather")
    );
    assert_eq!(
        calls[0].parsed_arguments().expect("json")["location"],
        "浙江省杭州市"
    );
}

#[test]
fn task_bodies_of_every_kind() {
    use bailian::{TaskResult, TaskState, TaskStatus};
    let submit =
        TaskState::from_body(&json_fixture("wanx-submit.response.json")).expect("wanx submit");
    assert_eq!(
        (submit.task_id.as_str(), submit.status),
        ("9e2b6ef6-285d-4efa-8651-4dbda7d571fa", TaskStatus::Pending)
    );
    let asr_submit = TaskState::from_body(&json_fixture("asr-transcription-submit.response.json"))
        .expect("asr submit");
    assert_eq!(asr_submit.status, TaskStatus::Pending);
    let asr = TaskState::from_body(&json_fixture(
        "tasks-get-transcription-succeeded.response.json",
    ))
    .expect("asr task");
    assert_eq!(asr.status, TaskStatus::Succeeded);
    assert!(
        matches!(&asr.results[0], TaskResult::Transcription { transcription_url, .. } if transcription_url.contains("paraformer-v2"))
    );
    assert_eq!(
        asr.usage.as_ref().and_then(|u| u["duration"].as_u64()),
        Some(6)
    );
    let batch = TaskState::from_body(&json_fixture(
        "tasks-get-batch-embedding-succeeded.response.json",
    ))
    .expect("batch task");
    assert_eq!(batch.status, TaskStatus::Succeeded);
    let batch_submit =
        TaskState::from_body(&json_fixture("native-batch-embedding-submit.response.json"))
            .expect("batch submit");
    assert!(!batch_submit.task_id.is_empty());
}

#[test]
fn a_recorded_transcript_document() {
    let transcript = bailian::transcription::parse_file_transcript(&json_fixture(
        "asr-transcription-result.json",
    ));
    assert!(transcript.text.starts_with("听好了"));
    assert_eq!(transcript.sentences[0].0, 40);
    assert_eq!(transcript.duration_ms, Some(5680));
}

#[test]
fn embeddings_native_and_compatible() {
    let native =
        bailian::embeddings::parse_embeddings(&json_fixture("native-embedding.response.json"))
            .expect("native");
    assert_eq!(native.vectors.len(), 1);
    assert!(native.vectors[0].len() > 100);
    let compat =
        bailian::embeddings::parse_embeddings(&json_fixture("compat-embeddings.response.json"))
            .expect("compat");
    assert_eq!((compat.vectors.len(), compat.total_tokens), (1, 8));
}

#[test]
fn realtime_recognition_frames() {
    use bailian::SpeechEvent;
    use bailian::speech::event_from_frame;
    assert!(event_from_frame(&json_fixture("asr-realtime-task-started.json")).is_none());
    match event_from_frame(&json_fixture("asr-realtime-result-generated.json")) {
        Some(Ok(SpeechEvent::Sentence {
            text,
            begin_ms,
            is_final,
            ..
        })) => {
            assert_eq!(
                (text.as_str(), begin_ms, is_final),
                ("Okay, I got it.", 170, true)
            );
        }
        other => panic!("{other:?}"),
    }
    // The client's own frames parse as JSON with the documented header.
    for name in [
        "asr-realtime-run-task.json",
        "asr-realtime-finish-task.json",
    ] {
        assert!(json_fixture(name)["header"]["action"].is_string(), "{name}");
    }
}

#[test]
fn a_cosyvoice_session_and_its_failure() {
    use bailian::SpeechEvent;
    use bailian::speech::event_from_frame;
    let mut finished = None;
    for line in fixture("cosyvoice-ws-session.jsonl").lines() {
        let record: serde_json::Value = serde_json::from_str(line).expect("jsonl");
        if record["dir"] != "S->C text" {
            continue;
        }
        match event_from_frame(&record["frame"]) {
            Some(Ok(SpeechEvent::Finished { usage })) => finished = Some(usage),
            Some(other) => panic!("unexpected {other:?}"),
            None => {}
        }
    }
    assert_eq!(
        finished.map(|u| u["characters"].clone()),
        Some(serde_json::json!(12))
    );
    match event_from_frame(&json_fixture("cosyvoice-ws-task-failed.json")) {
        Some(Err(Error::Api(api))) => {
            assert_eq!(
                (api.code.as_str(), api.message.as_str()),
                ("InvalidParameter", "[tts:]Engine return error code: 418")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn synchronous_image_edit_response() {
    let body: serde_json::Value =
        serde_json::from_str(&fixture("qwen-image-edit-sync.response.json")).expect("json");
    let results = bailian::images::ImageResults::from_body(&body).expect("results");
    assert_eq!(results.results.len(), 1);
    assert!(
        matches!(&results.results[0], bailian::TaskResult::Image { url, .. } if url.starts_with("https://dashscope-result-sh")),
        "{:?}",
        results.results
    );
    assert_eq!(
        results.usage.as_ref().and_then(|u| u.get("image_count")),
        Some(&serde_json::json!(1))
    );
    assert_eq!(
        results.request_id.as_deref(),
        Some("4283a004-c3da-4144-a83b-77c7e16e63c2")
    );
    assert!(bailian::images::ImageResults::from_body(&serde_json::json!({"code": "x"})).is_none());
}
