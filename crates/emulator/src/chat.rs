//! Chat completion on both surfaces: the native text-generation endpoint and compatible mode.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use crate::fault::Fault;
use crate::reply::{is_chat_model, pieces, reply_text, token_count};
use crate::wire::{
    StreamSink, compat_error, compat_event, default_error, native_error, native_event, request_id,
    sse_response, status_for_code,
};
use crate::{Admission, Shared, Surface};

/// What both surfaces agree on once the request is understood.
struct Completion {
    reply: String,
    input_tokens: u64,
    max_tokens: Option<usize>,
}

impl Completion {
    /// The reply cut into stream pieces, and the finish reason (`length` when `max_tokens` cut it).
    fn pieces(&self) -> (Vec<&str>, &'static str) {
        let all = pieces(&self.reply);
        match self.max_tokens {
            Some(max) if max < all.len() => (all[..max].to_vec(), "length"),
            _ => (all, "stop"),
        }
    }

    fn usage(&self, output_tokens: u64) -> Value {
        json!({
            "total_tokens": self.input_tokens + output_tokens,
            "output_tokens": output_tokens,
            "input_tokens": self.input_tokens,
        })
    }
}

/// Messages as `(role, text)`; multimodal content lists contribute their `text` items.
fn messages_of(value: Option<&Value>) -> Option<Vec<(String, String)>> {
    let list = value?.as_array()?;
    list.iter()
        .map(|m| {
            let role = m.get("role")?.as_str()?.to_owned();
            let text = match m.get("content")? {
                Value::String(s) => s.clone(),
                Value::Array(items) => items
                    .iter()
                    .filter_map(|i| i.get("text").and_then(Value::as_str))
                    .collect(),
                Value::Null => String::new(),
                _ => return None,
            };
            Some((role, text))
        })
        .collect()
}

/// Checks the conversation the way the gateway does, returning the completion or the
/// `InvalidParameter` message.
fn complete(
    model: &str,
    messages: &[(String, String)],
    max_tokens: Option<usize>,
) -> Result<Completion, &'static str> {
    const BAD_ROLE: &str =
        "Role must be user or assistant and Content length must be greater than 0";
    let valid_roles = ["system", "user", "assistant", "tool"];
    let last_user = messages.iter().rev().find(|(role, _)| role == "user");
    let last_user = match last_user {
        Some((_, text)) if !text.trim().is_empty() => text,
        _ => return Err(BAD_ROLE),
    };
    if messages
        .iter()
        .any(|(role, _)| !valid_roles.contains(&role.as_str()))
    {
        return Err(BAD_ROLE);
    }
    let user_turns = messages.iter().filter(|(role, _)| role == "user").count();
    Ok(Completion {
        reply: reply_text(model, user_turns, last_user),
        input_tokens: messages.iter().map(|(_, text)| token_count(text) + 3).sum(),
        max_tokens,
    })
}

fn wants_stream(headers: &HeaderMap) -> bool {
    let sse_header = headers
        .get("x-dashscope-sse")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("enable"));
    let accept = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    sse_header || accept
}

fn pace(fault: &Fault, shared: &Shared) -> Duration {
    fault
        .token_delay_ms
        .map_or(shared.config.token_delay, Duration::from_millis)
}

/// `POST /api/v1/services/aigc/text-generation/generation`
pub async fn native(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let stream = wants_stream(&headers);
    let rid = request_id();
    let (fault, body) = match shared
        .admit(Surface::Native, uri.path(), &headers, &body, stream, &rid)
        .await
    {
        Admission::Proceed { fault, body } => (fault, body),
        Admission::Answered(response) => return response,
    };
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if model.is_empty() {
        return native_error(
            400,
            "BadRequest.EmptyModel",
            "Required parameter \"model\" missing from request.",
            &rid,
            None,
        );
    }
    if !is_chat_model(&model) {
        return native_error(400, "InvalidParameter", "Model not exist.", &rid, None);
    }
    let input = body.get("input");
    let messages = match input.and_then(|i| i.get("messages")) {
        Some(list) => messages_of(Some(list)),
        None => input
            .and_then(|i| i.get("prompt"))
            .and_then(Value::as_str)
            .map(|p| vec![("user".to_owned(), p.to_owned())]),
    };
    let params = body.get("parameters").cloned().unwrap_or(Value::Null);
    let message_format = params.get("result_format").and_then(Value::as_str) == Some("message");
    let incremental = params
        .get("incremental_output")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let max_tokens = params
        .get("max_tokens")
        .and_then(Value::as_u64)
        .map(|m| m as usize);
    let completion = messages
        .ok_or("Input messages must be a list of {role, content}")
        .and_then(|m| complete(&model, &m, max_tokens));
    let completion = match completion {
        Ok(c) => c,
        // Once a stream is accepted, validation errors arrive inside it (reference §2.3).
        Err(message) if stream => {
            let (sink, response) = sse_response("text/event-stream;charset=UTF-8", &rid);
            let data = json!({ "code": "InvalidParameter", "message": message, "request_id": rid });
            tokio::spawn(async move {
                sink.send(native_event(1, "error", 400, &data, true)).await;
            });
            return response;
        }
        Err(message) => return native_error(400, "InvalidParameter", message, &rid, None),
    };

    let shape = NativeShape {
        message_format,
        rid: rid.clone(),
    };
    if !stream {
        let (pieces, finish) = completion.pieces();
        let text: String = pieces.concat();
        let body = json!({
            "output": shape.output(&text, finish),
            "usage": completion.usage(pieces.len() as u64),
            "request_id": rid,
        });
        return crate::wire::json_response(200, &body, &rid, None);
    }
    let (sink, response) = sse_response("text/event-stream;charset=UTF-8", &rid);
    let delay = pace(&fault, &shared);
    tokio::spawn(stream_native(
        sink,
        completion,
        shape,
        incremental,
        fault,
        delay,
    ));
    response
}

struct NativeShape {
    message_format: bool,
    rid: String,
}

impl NativeShape {
    fn output(&self, text: &str, finish: &str) -> Value {
        if self.message_format {
            json!({ "choices": [{ "message": { "content": text, "role": "assistant" }, "finish_reason": finish }] })
        } else {
            json!({ "finish_reason": finish, "text": text })
        }
    }
}

async fn stream_native(
    sink: StreamSink,
    completion: Completion,
    shape: NativeShape,
    incremental: bool,
    fault: Fault,
    delay: Duration,
) {
    let (pieces, finish) = completion.pieces();
    let blank = !fault.no_blank_lines;
    let mut sent_text = String::new();
    let mut events: Vec<(String, &str)> = Vec::new();
    for piece in &pieces {
        sent_text.push_str(piece);
        let text = if incremental {
            (*piece).to_owned()
        } else {
            sent_text.clone()
        };
        events.push((text, "null"));
    }
    let last = if incremental {
        String::new()
    } else {
        sent_text.clone()
    };
    events.push((last, finish));

    for (index, (text, finish_reason)) in events.iter().enumerate() {
        let sent = index as u32;
        if fault.cut_after == Some(sent) {
            sink.abort().await;
            return;
        }
        if fault.error_after == Some(sent) {
            let (default_code, default_message) = default_error(500);
            let code = fault.code.as_deref().unwrap_or(default_code);
            let message = fault.message.as_deref().unwrap_or(default_message);
            let data = json!({ "code": code, "message": message, "request_id": shape.rid });
            sink.send(native_event(
                sent + 1,
                "error",
                status_for_code(code),
                &data,
                blank,
            ))
            .await;
            return;
        }
        if !delay.is_zero() && index > 0 {
            tokio::time::sleep(delay).await;
        }
        let output_tokens = (index as u64 + 1).min(pieces.len() as u64);
        let data = json!({
            "output": shape.output(text, finish_reason),
            "usage": completion.usage(output_tokens),
            "request_id": shape.rid,
        });
        if !sink
            .send(native_event(sent + 1, "result", 200, &data, blank))
            .await
        {
            return;
        }
    }
}

/// `POST /compatible-mode/v1/chat/completions`
pub async fn compat(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rid = request_id();
    let (fault, body) = match shared
        .admit(
            Surface::Compat,
            uri.path(),
            &headers,
            &body,
            body_wants_stream(&body),
            &rid,
        )
        .await
    {
        Admission::Proceed { fault, body } => (fault, body),
        Admission::Answered(response) => return response,
    };
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !is_chat_model(&model) {
        let message =
            format!("The model `{model}` does not exist or you do not have access to it.");
        return compat_error(404, "ModelNotFound", &message, &rid, None);
    }
    let max_tokens = body
        .get("max_tokens")
        .and_then(Value::as_u64)
        .map(|m| m as usize);
    let completion = match messages_of(body.get("messages"))
        .ok_or("messages must be a list")
        .and_then(|m| complete(&model, &m, max_tokens))
    {
        Ok(c) => c,
        Err(message) => return compat_error(400, "invalid_request_error", message, &rid, None),
    };
    let stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let include_usage = body
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let id = format!("chatcmpl-{rid}");
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if !stream {
        let (pieces, finish) = completion.pieces();
        let output_tokens = pieces.len() as u64;
        let body = json!({
            "choices": [{ "message": { "role": "assistant", "content": pieces.concat() }, "finish_reason": finish, "index": 0, "logprobs": null }],
            "object": "chat.completion",
            "usage": compat_usage(completion.input_tokens, output_tokens),
            "created": created,
            "system_fingerprint": null,
            "model": model,
            "id": id,
        });
        return crate::wire::json_response(200, &body, &rid, None);
    }
    let (sink, response) = sse_response("text/event-stream;charset=utf-8", &rid);
    let delay = pace(&fault, &shared);
    tokio::spawn(async move {
        let (pieces, finish) = completion.pieces();
        let chunk = |delta: Value, finish: Value, usage: Value| {
            let choices = if delta.is_null() {
                json!([])
            } else {
                json!([{ "delta": delta, "finish_reason": finish, "index": 0, "logprobs": null }])
            };
            json!({ "id": id, "choices": choices, "created": created, "model": model, "object": "chat.completion.chunk", "system_fingerprint": null, "usage": usage })
        };
        let mut frames = vec![chunk(
            json!({ "content": "", "role": "assistant" }),
            Value::Null,
            Value::Null,
        )];
        frames.extend(
            pieces
                .iter()
                .map(|p| chunk(json!({ "content": p }), Value::Null, Value::Null)),
        );
        frames.push(chunk(json!({ "content": "" }), json!(finish), Value::Null));
        if include_usage {
            frames.push(chunk(
                Value::Null,
                Value::Null,
                compat_usage(completion.input_tokens, pieces.len() as u64),
            ));
        }
        for (index, frame) in frames.iter().enumerate() {
            let sent = index as u32;
            if fault.cut_after == Some(sent) {
                sink.abort().await;
                return;
            }
            if fault.error_after == Some(sent) {
                let (default_code, default_message) = default_error(500);
                let code = fault.code.as_deref().unwrap_or(default_code);
                let message = fault.message.as_deref().unwrap_or(default_message);
                let body =
                    crate::wire::compat_error_body(status_for_code(code), code, message, &rid);
                sink.send(compat_event(&body)).await;
                return;
            }
            if !delay.is_zero() && index > 1 {
                tokio::time::sleep(delay).await;
            }
            if !sink.send(compat_event(frame)).await {
                return;
            }
        }
        sink.send("data: [DONE]\n\n".to_owned()).await;
    });
    response
}

fn compat_usage(input: u64, output: u64) -> Value {
    json!({ "prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output, "prompt_tokens_details": { "cached_tokens": 0 } })
}

fn body_wants_stream(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("stream").and_then(Value::as_bool))
        .unwrap_or(false)
}
