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
