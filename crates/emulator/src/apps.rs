//! Bailian Apps (`POST /api/v1/apps/{app_id}/completion`), shaped after the official SDK's
//! `dashscope/app/application_response.py`: `output{text, finish_reason, session_id, thoughts,
//! doc_references}`, `usage{models[{model_id, input_tokens, output_tokens}]}`. Sessions are kept in
//! memory, so a second call with the returned `session_id` is turn 2.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use crate::reply::{pieces, token_count};
use crate::wire::{json_response, native_error, native_event, request_id, sse_response};
use crate::{Admission, Shared, Surface};

#[derive(Debug, Default)]
pub(crate) struct Sessions {
    turns: Mutex<HashMap<String, usize>>,
}

fn answer(app_id: &str, turn: usize, prompt: &str) -> String {
    format!(
        "The emulated app {app_id} answers (turn {turn}): you asked \"{prompt}\". The emulator handbook covers this."
    )
}

/// `POST /api/v1/apps/{app_id}/completion`
pub(crate) async fn completion(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Response {
    let stream = headers
        .get("x-dashscope-sse")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("enable"));
    let rid = request_id();
    let body = match shared
        .admit(Surface::Native, uri.path(), &headers, &body, stream, &rid)
        .await
    {
        Admission::Proceed { body, .. } => body,
        Admission::Answered(response) => return response,
    };
    let prompt = body
        .pointer("/input/prompt")
        .and_then(Value::as_str)
        .or_else(|| {
            body.pointer("/input/messages")
                .and_then(Value::as_array)
                .and_then(|m| m.last())
                .and_then(|m| m.get("content"))
                .and_then(Value::as_str)
        })
        .unwrap_or_default()
        .trim()
        .to_owned();
    if prompt.is_empty() {
        return native_error(
            400,
            "InvalidParameter",
            "prompt or messages is required!",
            &rid,
            None,
        );
    }
    let session_id = body
        .pointer("/input/session_id")
        .and_then(Value::as_str)
        .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_owned);
    let turn = {
        let mut turns = shared
            .sessions
            .turns
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let turn = turns.entry(session_id.clone()).or_insert(0);
        *turn += 1;
        *turn
    };
    let has_thoughts = body
        .pointer("/parameters/has_thoughts")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let incremental = body
        .pointer("/parameters/incremental_output")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let text = answer(&app_id, turn, &prompt);
    let thoughts = json!([{
        "thought": format!("Looking up \"{prompt}\" in the knowledge base."),
        "action_type": "api",
        "action_name": "searchDocument",
        "action": "rag",
        "observation": "1 document found",
    }]);
    let references = json!([{
        "index_id": "1",
        "title": "Emulator handbook",
        "doc_id": "doc-emulator-1",
        "doc_name": "emulator-handbook.md",
        "text": "The emulator answers by fixed rules.",
    }]);
    let input_tokens = token_count(&prompt) + 3;
    let usage = |output: u64| json!({ "models": [{ "model_id": "qwen-plus", "input_tokens": input_tokens, "output_tokens": output }] });
    // Thoughts come with the first event, references with the last; a whole reply has both.
    let output = |text: &str, finish: &str, with_thoughts: bool, with_references: bool| {
        let mut output = json!({ "text": text, "finish_reason": finish, "session_id": session_id });
        if has_thoughts && with_thoughts {
            output["thoughts"] = thoughts.clone();
        }
        if has_thoughts && with_references {
            output["doc_references"] = references.clone();
        }
        output
    };
    let all = pieces(&text);
    if !stream {
        let body = json!({ "output": output(&text, "stop", true, true), "usage": usage(all.len() as u64), "request_id": rid });
        return json_response(200, &body, &rid, None);
    }
    let events: Vec<Value> = (0..=all.len())
        .map(|i| {
            let (text, finish) = match all.get(i) {
                Some(piece) if incremental => ((*piece).to_owned(), "null"),
                Some(_) => (all[..=i].concat(), "null"),
                None if incremental => (String::new(), "stop"),
                None => (all.concat(), "stop"),
            };
            json!({ "output": output(&text, finish, i == 0, i == all.len()), "usage": usage((i as u64 + 1).min(all.len() as u64)), "request_id": rid })
        })
        .collect();
    let (sink, response) = sse_response("text/event-stream;charset=UTF-8", &rid);
    tokio::spawn(async move {
        for (i, data) in events.iter().enumerate() {
            if !sink
                .send(native_event(i as u32 + 1, "result", 200, data, true))
                .await
            {
                return;
            }
        }
    });
    response
}
