//! Parsing DashScope's chat responses and error bodies, native and OpenAI-compatible.

use serde::Deserialize;
use serde_json::Value;

use crate::chat::{ChatChunk, Usage};
use crate::error::ApiError;
use crate::tools::ToolCallFragment;

#[derive(Deserialize)]
struct NativeBody {
    #[serde(default)]
    output: Option<NativeOutput>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct NativeOutput {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    finish_reason: Option<Value>,
    #[serde(default)]
    choices: Option<Vec<NativeChoice>>,
    #[serde(default)]
    search_info: Option<Value>,
    /// Bailian Apps: the conversation to continue, the agent's steps and the documents it cited.
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    thoughts: Option<Vec<Value>>,
    #[serde(default)]
    doc_references: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct NativeChoice {
    #[serde(default)]
    finish_reason: Option<Value>,
    #[serde(default)]
    message: Option<NativeMessage>,
}

#[derive(Deserialize)]
struct NativeMessage {
    #[serde(default)]
    content: Option<Value>,
    #[serde(default)]
    reasoning_content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<Value>>,
}

impl NativeMessage {
    /// The answer text, the reasoning text and the tool-call fragments a message or delta carries.
    fn into_parts(self) -> (String, String, Vec<ToolCallFragment>) {
        let fragments = self
            .tool_calls
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(position, item)| ToolCallFragment::from_wire(item, position))
            .collect();
        (
            content_text(self.content),
            self.reasoning_content.unwrap_or_default(),
            fragments,
        )
    }
}

#[derive(Deserialize)]
struct WireUsage {
    /// Bailian Apps report usage per model they called.
    #[serde(default)]
    models: Option<Vec<WireUsage>>,
    #[serde(default, alias = "prompt_tokens")]
    input_tokens: Option<u64>,
    #[serde(default, alias = "completion_tokens")]
    output_tokens: Option<u64>,
    #[serde(default)]
    total_tokens: Option<u64>,
}

impl From<WireUsage> for Usage {
    fn from(w: WireUsage) -> Self {
        if let Some(models) = w.models {
            return models
                .into_iter()
                .map(Usage::from)
                .fold(Usage::default(), |a, b| Usage {
                    input_tokens: a.input_tokens + b.input_tokens,
                    output_tokens: a.output_tokens + b.output_tokens,
                    total_tokens: a.total_tokens + b.total_tokens,
                });
        }
        let input = w.input_tokens.unwrap_or(0);
        let output = w.output_tokens.unwrap_or(0);
        // Multimodal answers omit total_tokens.
        Usage {
            input_tokens: input,
            output_tokens: output,
            total_tokens: w.total_tokens.unwrap_or(input + output),
        }
    }
}

/// DashScope sends the *string* `"null"` for an unfinished reply; the docs show JSON `null`.
fn finish_reason(value: Option<Value>) -> Option<String> {
    match value? {
        Value::String(s) if s != "null" && !s.is_empty() => Some(s),
        _ => None,
    }
}

/// Message content is a string for text models and a list of `{"text":…}` items for multimodal ones.
fn content_text(value: Option<Value>) -> String {
    match value {
        Some(Value::String(s)) => s,
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

/// What one native body (a whole response or one stream event) says.
pub(crate) enum NativeParse {
    Chunk(ChatChunk),
    Error(ApiError),
}

pub(crate) fn parse_native(data: &str, http_status: u16) -> Result<NativeParse, String> {
    let body: NativeBody = serde_json::from_str(data)
        .map_err(|e| format!("invalid JSON ({e}) in: {}", preview(data)))?;
    // DashScope may report a business error in an HTTP 200 body.
    if let Some(code) = body.code.filter(|c| !c.is_empty()) {
        return Ok(NativeParse::Error(ApiError {
            status: if http_status == 200 { 400 } else { http_status },
            code,
            message: body.message.unwrap_or_default(),
            request_id: body.request_id,
            retry_after: None,
        }));
    }
    let output = body
        .output
        .ok_or_else(|| format!("no `output` in: {}", preview(data)))?;
    let ((delta, reasoning_delta, tool_call_fragments), finish) = match output.choices {
        Some(mut choices) if !choices.is_empty() => {
            let choice = choices.swap_remove(0);
            let parts = choice
                .message
                .map(NativeMessage::into_parts)
                .unwrap_or_default();
            (parts, finish_reason(choice.finish_reason))
        }
        _ => (
            (output.text.unwrap_or_default(), String::new(), Vec::new()),
            finish_reason(output.finish_reason),
        ),
    };
    Ok(NativeParse::Chunk(ChatChunk {
        delta,
        reasoning_delta,
        tool_call_fragments,
        search_info: output.search_info,
        session_id: output.session_id,
        thoughts: output.thoughts.unwrap_or_default(),
        doc_references: output.doc_references.unwrap_or_default(),
        finish_reason: finish,
        usage: body.usage.map(Usage::from),
        request_id: body.request_id,
    }))
}

#[derive(Deserialize)]
struct CompatBody {
    #[serde(default)]
    choices: Vec<CompatChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    error: Option<CompatError>,
    #[serde(default)]
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct CompatChoice {
    #[serde(default)]
    delta: Option<NativeMessage>,
    #[serde(default)]
    message: Option<NativeMessage>,
    #[serde(default)]
    finish_reason: Option<Value>,
}

#[derive(Deserialize)]
struct CompatError {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    r#type: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Parses a compatible-mode response or stream chunk (`data: [DONE]` is the caller's to skip).
pub fn parse_compat(data: &str, http_status: u16) -> Result<ChatChunk, ApiError> {
    let body: CompatBody = serde_json::from_str(data).map_err(|e| ApiError {
        status: http_status,
        code: "ProtocolError".into(),
        message: format!("invalid JSON ({e}) in: {}", preview(data)),
        request_id: None,
        retry_after: None,
    })?;
    if let Some(error) = body.error {
        return Err(compat_error(error, body.request_id, http_status));
    }
    let ((delta, reasoning_delta, tool_call_fragments), finish) =
        match body.choices.into_iter().next() {
            Some(choice) => (
                choice
                    .delta
                    .or(choice.message)
                    .map(NativeMessage::into_parts)
                    .unwrap_or_default(),
                finish_reason(choice.finish_reason),
            ),
            None => ((String::new(), String::new(), Vec::new()), None),
        };
    Ok(ChatChunk {
        delta,
        reasoning_delta,
        tool_call_fragments,
        search_info: None,
        session_id: None,
        thoughts: Vec::new(),
        doc_references: Vec::new(),
        finish_reason: finish,
        usage: body.usage.map(Usage::from),
        request_id: body.request_id.or(body.id),
    })
}

fn compat_error(error: CompatError, request_id: Option<String>, status: u16) -> ApiError {
    let code = match error.code {
        Some(Value::String(code)) => code,
        Some(Value::Number(n)) => n.to_string(),
        _ => error.r#type.unwrap_or_else(|| "UnknownError".into()),
    };
    ApiError {
        status,
        code,
        message: error.message.unwrap_or_default(),
        request_id,
        retry_after: None,
    }
}

/// Turns any error body DashScope sends (native JSON, compat JSON, SSE-framed, or plain text from
/// a proxy in between) into an [`ApiError`] that keeps the status.
pub(crate) fn parse_error_body(
    status: u16,
    body: &str,
    request_id_header: Option<String>,
) -> ApiError {
    let json_text = body
        .lines()
        .find_map(|line| line.strip_prefix("data:"))
        .map(str::trim)
        .unwrap_or(body.trim());
    if let Ok(value) = serde_json::from_str::<Value>(json_text) {
        if let Some(error) = value.get("error").cloned()
            && let Ok(error) = serde_json::from_value::<CompatError>(error)
        {
            let request_id = value
                .get("request_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or(request_id_header);
            return compat_error(error, request_id, status);
        }
        if let Some(code) = value.get("code").and_then(Value::as_str) {
            return ApiError {
                status,
                code: code.to_owned(),
                message: value
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                request_id: value
                    .get("request_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .or(request_id_header),
                retry_after: None,
            };
        }
    }
    ApiError {
        status,
        code: format!("HTTP{status}"),
        message: preview(body),
        request_id: request_id_header,
        retry_after: None,
    }
}

fn preview(text: &str) -> String {
    const LIMIT: usize = 200;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(data: &str) -> ChatChunk {
        match parse_native(data, 200) {
            Ok(NativeParse::Chunk(c)) => c,
            Ok(NativeParse::Error(e)) => panic!("unexpected error {e}"),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn finish_reason_accepts_string_null_and_json_null() {
        let a = chunk(r#"{"output":{"finish_reason":"null","text":"1+"},"request_id":"r"}"#);
        let b = chunk(r#"{"output":{"finish_reason":null,"text":"1+"}}"#);
        let c = chunk(
            r#"{"output":{"choices":[{"finish_reason":"length","message":{"role":"assistant","content":"x"}}]}}"#,
        );
        assert_eq!(a.finish_reason, None);
        assert_eq!(b.finish_reason, None);
        assert_eq!(c.finish_reason.as_deref(), Some("length"));
        assert_eq!(a.request_id.as_deref(), Some("r"));
    }

    #[test]
    fn multimodal_content_list_and_missing_total() {
        let c = chunk(
            r#"{"output":{"choices":[{"finish_reason":"stop","message":{"role":"assistant","content":[{"text":"海滩。"}]}}]},"usage":{"input_tokens":5,"output_tokens":2,"image_tokens":1}}"#,
        );
        assert_eq!(c.delta, "海滩。");
        assert_eq!(c.usage.map(|u| u.total_tokens), Some(7));
    }

    #[test]
    fn business_error_in_200_body() {
        match parse_native(
            r#"{"code":"InvalidParameter","message":"bad","request_id":"x"}"#,
            200,
        ) {
            Ok(NativeParse::Error(e)) => {
                assert_eq!(e.code, "InvalidParameter");
                assert_eq!(e.status, 400);
            }
            _ => panic!("expected an error"),
        }
    }

    #[test]
    fn error_bodies_of_every_shape() {
        let native = parse_error_body(
            401,
            r#"{"code":"InvalidApiKey","message":"Invalid API-key provided.","request_id":"a"}"#,
            None,
        );
        assert_eq!(
            (native.code.as_str(), native.request_id.as_deref()),
            ("InvalidApiKey", Some("a"))
        );
        let compat = parse_error_body(
            404,
            r#"{"error":{"message":"The model `x` does not exist","type":"invalid_request_error","param":null,"code":"model_not_found"},"request_id":"b"}"#,
            None,
        );
        assert_eq!(
            (compat.code.as_str(), compat.status),
            ("model_not_found", 404)
        );
        let sse = parse_error_body(
            400,
            "id:1\nevent:error\n:HTTP_STATUS/400\ndata:{\"code\":\"InvalidParameter\",\"message\":\"m\"}\n",
            Some("h".into()),
        );
        assert_eq!(
            (sse.code.as_str(), sse.request_id.as_deref()),
            ("InvalidParameter", Some("h"))
        );
        let plain = parse_error_body(502, "<html>Bad Gateway</html>", None);
        assert_eq!(plain.code, "HTTP502");
        assert!(plain.message.contains("Bad Gateway"));
    }

    #[test]
    fn reasoning_tool_calls_and_search_info() {
        let c = chunk(
            r#"{"output":{"search_info":{"search_results":[{"index":1,"title":"t","url":"u"}]},"choices":[{"finish_reason":"null","message":{"role":"assistant","content":"","reasoning_content":"Let me think","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\""}}]}}]}}"#,
        );
        assert_eq!(c.reasoning_delta, "Let me think");
        assert_eq!(c.tool_call_fragments[0].id.as_deref(), Some("call_1"));
        assert_eq!(c.tool_call_fragments[0].arguments, "{\"a\"");
        assert!(c.search_info.is_some());
    }
}
