//! Chat completion on every surface: the native text-generation and multimodal-generation
//! endpoints, and compatible mode. One plan per request — reasoning, search results, tool calls or
//! answer text, each cut into token-sized steps — is framed for whichever surface asked.
//!
//! Deterministic rules (so tests can assert exact output):
//! - thinking (on for QwQ/QVQ, for Qwen3 open-source unless switched off, and wherever
//!   `enable_thinking: true`): the reasoning "The user said "<prompt>". I answer as the emulator
//!   does." streams before the answer, cut at `thinking_budget` tokens;
//! - `enable_search`: one search result naming the prompt, in `output.search_info`;
//! - `tools` with `tool_choice` not `"none"` and the last turn not a tool result: a call of the
//!   chosen (or first) function — of every function with `parallel_tool_calls` — with arguments
//!   `{"query": "<prompt>"}`, streamed in fragments whose first alone carries id and name;
//! - `response_format: json_object`: the answer `{"answer": "<reply>"}`;
//! - `stop`: the answer is cut before the first stop string;
//! - images or video frames (multimodal endpoint): the answer starts "I see N image(s)."

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use crate::fault::Fault;
use crate::reply::{
    defaults_to_incremental, defaults_to_message_format, is_chat_model, is_vision_model, pieces,
    reply_text, thinking_default, token_count,
};
use crate::wire::{
    StreamSink, compat_error, compat_event, fault_error, native_error, native_event, request_id,
    sse_response, status_for_code,
};
use crate::{Admission, Shared, Surface};

/// One message of the request, reduced to what the emulator answers from.
struct Turn {
    role: String,
    text: String,
    media: usize,
    /// A last assistant turn marked `partial: true`: a prefix to continue.
    partial: bool,
}

/// One step of the reply; each is one stream event and one output token.
#[derive(Debug, Clone)]
enum Step {
    Reasoning(String),
    Content(String),
    ToolFragment {
        index: usize,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
    },
}

/// The whole reply, before it is framed for a surface.
struct Plan {
    steps: Vec<Step>,
    finish: &'static str,
    search_info: Option<Value>,
    input_tokens: u64,
    media: usize,
}

impl Plan {
    fn reasoning_tokens(&self, upto: usize) -> usize {
        self.steps[..upto]
            .iter()
            .filter(|s| matches!(s, Step::Reasoning(_)))
            .count()
    }

    fn content(&self) -> String {
        self.steps
            .iter()
            .filter_map(|s| {
                if let Step::Content(t) = s {
                    Some(t.as_str())
                } else {
                    None
                }
            })
            .collect()
    }

    fn reasoning(&self) -> String {
        self.steps
            .iter()
            .filter_map(|s| {
                if let Step::Reasoning(t) = s {
                    Some(t.as_str())
                } else {
                    None
                }
            })
            .collect()
    }

    /// Whole tool calls, assembled from the fragments.
    fn tool_calls(&self) -> Vec<Value> {
        let mut calls: Vec<Value> = Vec::new();
        for step in &self.steps {
            if let Step::ToolFragment {
                index,
                id,
                name,
                arguments,
            } = step
            {
                if calls.len() <= *index {
                    calls.push(json!({ "index": index, "id": id, "type": "function", "function": { "name": name, "arguments": "" } }));
                }
                let call = &mut calls[*index];
                let so_far = call["function"]["arguments"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                call["function"]["arguments"] = json!(so_far + arguments);
            }
        }
        calls
    }

    fn native_usage(&self, output_tokens: usize, multimodal: bool) -> Value {
        let output = output_tokens as u64;
        let mut usage = json!({ "input_tokens": self.input_tokens, "output_tokens": output });
        if multimodal {
            // Multimodal answers report image tokens and no total (reference §2.5).
            usage["image_tokens"] = json!(self.media as u64 * 256);
        } else {
            usage["total_tokens"] = json!(self.input_tokens + output);
        }
        let reasoning = self.reasoning_tokens(output_tokens.min(self.steps.len()));
        if reasoning > 0 {
            usage["output_tokens_details"] = json!({ "reasoning_tokens": reasoning });
        }
        usage
    }
}

/// The features a request asked for, read the same way on every surface.
struct Options {
    thinking: bool,
    thinking_budget: Option<usize>,
    search: bool,
    tools: Vec<String>,
    tool_choice: Option<Value>,
    parallel_tool_calls: bool,
    json_output: bool,
    stop: Vec<String>,
    max_tokens: Option<usize>,
}

impl Options {
    fn read(model: &str, params: &Value) -> Self {
        let flag = |key: &str| params.get(key).and_then(Value::as_bool);
        let tools = params
            .get("tools")
            .and_then(Value::as_array)
            .map(|tools| {
                tools
                    .iter()
                    .filter_map(|t| {
                        t.pointer("/function/name")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let stop = match params.get("stop") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        Options {
            thinking: thinking_default(model, flag("enable_thinking")),
            thinking_budget: params
                .get("thinking_budget")
                .and_then(Value::as_u64)
                .map(|b| b as usize),
            search: flag("enable_search").unwrap_or(false),
            tools,
            tool_choice: params.get("tool_choice").cloned(),
            parallel_tool_calls: flag("parallel_tool_calls").unwrap_or(false),
            json_output: params
                .pointer("/response_format/type")
                .and_then(Value::as_str)
                == Some("json_object"),
            stop,
            max_tokens: params
                .get("max_tokens")
                .and_then(Value::as_u64)
                .map(|m| m as usize),
        }
    }
}

/// Messages as turns; multimodal content lists contribute their `text` items and count their
/// images and videos. Native multimodal items are `{"image": …}`; compat ones `{"type": "image_url"}`.
fn turns_of(value: Option<&Value>) -> Option<Vec<Turn>> {
    let list = value?.as_array()?;
    list.iter()
        .map(|m| {
            let role = m.get("role")?.as_str()?.to_owned();
            let (text, media) = match m.get("content") {
                Some(Value::String(s)) => (s.clone(), 0),
                Some(Value::Array(items)) => (
                    items
                        .iter()
                        .filter_map(|i| i.get("text").and_then(Value::as_str))
                        .collect(),
                    items
                        .iter()
                        .filter(|i| {
                            i.get("image").is_some()
                                || i.get("video").is_some()
                                || matches!(
                                    i.get("type").and_then(Value::as_str),
                                    Some("image_url" | "video" | "video_url")
                                )
                        })
                        .count(),
                ),
                Some(Value::Null) | None => (String::new(), 0),
                _ => return None,
            };
            let partial = m.get("partial").and_then(Value::as_bool).unwrap_or(false);
            Some(Turn {
                role,
                text,
                media,
                partial,
            })
        })
        .collect()
}

/// Checks the conversation the way the gateway does and plans the reply, or returns the
/// `InvalidParameter` message.
fn plan(model: &str, turns: &[Turn], options: &Options) -> Result<Plan, String> {
    const BAD_ROLE: &str =
        "Role must be user or assistant and Content length must be greater than 0";
    let valid_roles = ["system", "user", "assistant", "tool"];
    if turns
        .iter()
        .any(|t| !valid_roles.contains(&t.role.as_str()))
    {
        return Err(BAD_ROLE.into());
    }
    let limit = input_limit(model);
    if input_tokens(turns) > limit {
        return Err(format!("Range of input length should be [1, {limit}]"));
    }
    let prompt = match turns.iter().rev().find(|t| t.role == "user") {
        Some(turn) if !turn.text.trim().is_empty() || turn.media > 0 => turn.text.trim().to_owned(),
        _ => return Err(BAD_ROLE.into()),
    };
    if options.json_output
        && !turns
            .iter()
            .any(|t| t.text.to_ascii_lowercase().contains("json"))
    {
        return Err("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.".into());
    }
    let user_turns = turns.iter().filter(|t| t.role == "user").count();
    let media: usize = turns.iter().map(|t| t.media).sum();
    let mut steps = Vec::new();

    if options.thinking {
        let reasoning = format!("The user said \"{prompt}\". I answer as the emulator does.");
        let budget = options.thinking_budget.unwrap_or(usize::MAX);
        steps.extend(
            pieces(&reasoning)
                .into_iter()
                .take(budget)
                .map(|p| Step::Reasoning(p.to_owned())),
        );
    }

    let answered_tool = turns.last().is_some_and(|t| t.role == "tool");
    let choice_none = options.tool_choice.as_ref().and_then(Value::as_str) == Some("none");
    if !options.tools.is_empty() && !choice_none && !answered_tool {
        let forced = options
            .tool_choice
            .as_ref()
            .and_then(|c| c.pointer("/function/name"))
            .and_then(Value::as_str);
        let called: Vec<&str> = match forced {
            Some(name) => vec![name],
            None if options.parallel_tool_calls => {
                options.tools.iter().map(String::as_str).take(3).collect()
            }
            None => options.tools.iter().take(1).map(String::as_str).collect(),
        };
        let arguments = json!({ "query": prompt }).to_string();
        let third = arguments.chars().count().div_ceil(3).max(1);
        let chunks: Vec<String> = arguments
            .chars()
            .collect::<Vec<_>>()
            .chunks(third)
            .map(|c| c.iter().collect())
            .collect();
        for (index, name) in called.iter().enumerate() {
            for (n, chunk) in chunks.iter().enumerate() {
                steps.push(Step::ToolFragment {
                    index,
                    id: (n == 0).then(|| format!("call_emulator_{index}")),
                    name: (n == 0).then(|| (*name).to_owned()),
                    arguments: chunk.clone(),
                });
            }
        }
        return Ok(Plan {
            steps,
            finish: "tool_calls",
            search_info: None,
            input_tokens: input_tokens(turns),
            media,
        });
    }

    let mut answer = reply_text(model, user_turns, &prompt);
    if media > 0 {
        answer = format!("I see {media} image(s). {answer}");
    }
    if options.json_output {
        answer = json!({ "answer": answer }).to_string();
    }
    // Partial mode: the model continues the given prefix of its answer rather than restarting.
    if let Some(prefix) = turns
        .last()
        .filter(|t| t.role == "assistant" && t.partial)
        .map(|t| t.text.as_str())
        && let Some(rest) = answer.strip_prefix(prefix)
    {
        answer = rest.to_owned();
    }
    let mut finish = "stop";
    if let Some(cut) = options
        .stop
        .iter()
        .filter_map(|s| answer.find(s.as_str()))
        .min()
    {
        answer.truncate(cut);
    }
    let mut content: Vec<Step> = pieces(&answer)
        .into_iter()
        .map(|p| Step::Content(p.to_owned()))
        .collect();
    if let Some(max) = options.max_tokens
        && max < content.len()
    {
        content.truncate(max);
        finish = "length";
    }
    steps.extend(content);
    let search_info = options.search.then(|| {
        json!({ "search_results": [{
            "index": 1,
            "title": format!("Emulated search result for {prompt}"),
            "url": "https://example.invalid/emulator/search",
            "site_name": "Bailian emulator",
            "icon": "",
        }] })
    });
    Ok(Plan {
        steps,
        finish,
        search_info,
        input_tokens: input_tokens(turns),
        media,
    })
}

/// The longest input a model takes, in the emulator's tokens: a thread over it is refused as a
/// whole, so a client must leave out what does not fit. Not in the shared wire reference: the
/// message is the gateway's as clients report it, the limits the model pages' maximum input
/// (context less the reserved output) for the families a test might pick.
fn input_limit(model: &str) -> u64 {
    if model == "qwen-max" || model.starts_with("qwen-max-") {
        30_720
    } else if ["qwen-turbo", "qwen-flash"]
        .iter()
        .any(|p| model.starts_with(p))
    {
        1_000_000
    } else if model.starts_with("qwen-long") {
        10_000_000
    } else {
        129_024
    }
}

fn input_tokens(turns: &[Turn]) -> u64 {
    turns.iter().map(|t| token_count(&t.text) + 3).sum()
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
pub async fn native(state: State<Shared>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    native_surface(state, uri, headers, body, false).await
}

/// `POST /api/v1/services/aigc/multimodal-generation/generation` (vision models).
pub async fn multimodal(
    state: State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // The same endpoint also serves Qwen-TTS and Tingwu, told apart by the model.
    let model = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| b.get("model").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    if model.starts_with("qwen-tts")
        || model.starts_with("qwen3-tts")
        || model.starts_with("tingwu")
    {
        return other_multimodal(state, uri, headers, body, &model).await;
    }
    if crate::images::is_image_model(&model) {
        return crate::images::generate(state.0, uri, headers, &body, &model).await;
    }
    native_surface(state, uri, headers, body, true).await
}

async fn other_multimodal(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    model: &str,
) -> Response {
    let rid = request_id();
    let (fault, body) = match shared
        .admit(Surface::Native, uri.path(), &headers, &body, false, &rid)
        .await
    {
        Admission::Proceed { fault, body } => (fault, body),
        Admission::Answered(response) => return response,
    };
    let base = format!(
        "http://{}",
        headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1")
    );
    if model.starts_with("tingwu") {
        let owner = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        return crate::tingwu::handle(&shared.meetings, &owner, &base, &body, &fault, &rid);
    }
    crate::tingwu::qwen_tts(&base, &body, &rid)
}

async fn native_surface(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    multimodal: bool,
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
    let served_here = if multimodal {
        is_vision_model(&model)
    } else {
        is_chat_model(&model)
    };
    if !served_here {
        return native_error(400, "InvalidParameter", "Model not exist.", &rid, None);
    }
    // `oss://` media from the upload policy resolve only with `X-DashScope-OssResourceResolve:
    // enable` (reference §1.3, §2.5) and only if uploaded here. The message is the gateway's for
    // an unusable media URL [INF].
    let oss = crate::uploads::oss_urls(&body);
    let resolve = headers
        .get("x-dashscope-ossresourceresolve")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("enable"));
    let resolvable = resolve && oss.iter().all(|u| shared.uploads.holds(u));
    if !oss.is_empty() && !resolvable {
        return native_error(
            400,
            "InvalidParameter",
            "The provided URL does not appear to be valid. Ensure it is correctly formatted.",
            &rid,
            None,
        );
    }
    let input = body.get("input");
    let turns = match input.and_then(|i| i.get("messages")) {
        Some(list) => turns_of(Some(list)),
        None => input
            .and_then(|i| i.get("prompt"))
            .and_then(Value::as_str)
            .map(|p| {
                vec![Turn {
                    role: "user".into(),
                    text: p.to_owned(),
                    media: 0,
                    partial: false,
                }]
            }),
    };
    let params = body.get("parameters").cloned().unwrap_or(Value::Null);
    // Vision answers are always in message form (reference §2.1).
    let message_format = multimodal
        || params
            .get("result_format")
            .and_then(Value::as_str)
            .map_or_else(|| defaults_to_message_format(&model), |f| f == "message");
    let incremental = params
        .get("incremental_output")
        .and_then(Value::as_bool)
        .unwrap_or_else(|| defaults_to_incremental(&model));
    let options = Options::read(&model, &params);

    let checked = turns
        .ok_or_else(|| "Input messages must be a list of {role, content}".to_owned())
        .and_then(|turns| {
            if options.thinking && !stream {
                return Err(if model.starts_with("qwq") || model.starts_with("qvq") {
                    "This model only support stream mode, please enable the stream parameter to access the model.".to_owned()
                } else {
                    "parameter.enable_thinking must be set to false for non-streaming calls".to_owned()
                });
            }
            if (options.thinking || !options.tools.is_empty()) && !message_format {
                return Err("result_format must be message when thinking or tools are used".to_owned());
            }
            plan(&model, &turns, &options)
        });
    let plan = match checked {
        Ok(plan) => plan,
        // Once a stream is accepted, validation errors arrive inside it (reference §2.3).
        Err(message) if stream => {
            let (sink, response) = sse_response("text/event-stream;charset=UTF-8", &rid);
            let data = json!({ "code": "InvalidParameter", "message": message, "request_id": rid });
            tokio::spawn(async move {
                sink.send(native_event(1, "error", 400, &data, true)).await;
            });
            return response;
        }
        Err(message) => return native_error(400, "InvalidParameter", &message, &rid, None),
    };

    let shape = NativeShape {
        message_format,
        multimodal,
        rid: rid.clone(),
    };
    if !stream {
        let mut output = shape.output(
            &plan.content(),
            &plan.reasoning(),
            &plan.tool_calls(),
            plan.finish,
        );
        if let Some(info) = &plan.search_info {
            output["search_info"] = info.clone();
        }
        let body = json!({ "output": output, "usage": plan.native_usage(plan.steps.len(), multimodal), "request_id": rid });
        return crate::wire::json_response(200, &body, &rid, None);
    }
    let (sink, response) = sse_response("text/event-stream;charset=UTF-8", &rid);
    let delay = pace(&fault, &shared);
    tokio::spawn(stream_native(sink, plan, shape, incremental, fault, delay));
    response
}

struct NativeShape {
    message_format: bool,
    multimodal: bool,
    rid: String,
}

impl NativeShape {
    fn output(&self, content: &str, reasoning: &str, tool_calls: &[Value], finish: &str) -> Value {
        if !self.message_format {
            return json!({ "finish_reason": finish, "text": content });
        }
        let content = if self.multimodal {
            json!([{ "text": content }])
        } else {
            json!(content)
        };
        let mut message = json!({ "content": content, "role": "assistant" });
        if !reasoning.is_empty() {
            message["reasoning_content"] = json!(reasoning);
        }
        if !tool_calls.is_empty() {
            message["tool_calls"] = json!(tool_calls);
        }
        json!({ "choices": [{ "message": message, "finish_reason": finish }] })
    }
}

async fn stream_native(
    sink: StreamSink,
    plan: Plan,
    shape: NativeShape,
    incremental: bool,
    fault: Fault,
    delay: Duration,
) {
    let blank = !fault.no_blank_lines;
    let (mut content_so_far, mut reasoning_so_far) = (String::new(), String::new());
    let total = plan.steps.len();
    for index in 0..=total {
        let sent = index as u32;
        if fault.cut_after == Some(sent) {
            sink.abort().await;
            return;
        }
        if fault.error_after == Some(sent) {
            let (code, message) = fault_error(&fault, 500);
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
        let (content, reasoning, tool_calls, finish) = match plan.steps.get(index) {
            Some(Step::Content(piece)) => {
                content_so_far.push_str(piece);
                let text = if incremental {
                    piece.clone()
                } else {
                    content_so_far.clone()
                };
                (text, String::new(), Vec::new(), "null")
            }
            Some(Step::Reasoning(piece)) => {
                reasoning_so_far.push_str(piece);
                let text = if incremental {
                    piece.clone()
                } else {
                    reasoning_so_far.clone()
                };
                (String::new(), text, Vec::new(), "null")
            }
            Some(Step::ToolFragment {
                index,
                id,
                name,
                arguments,
            }) => {
                let mut function = json!({ "arguments": arguments });
                if let Some(name) = name {
                    function["name"] = json!(name);
                }
                let call = json!({ "index": index, "id": id.clone().unwrap_or_default(), "type": "function", "function": function });
                (String::new(), String::new(), vec![call], "null")
            }
            // The closing event: empty when incremental, everything when cumulative.
            None if incremental => (String::new(), String::new(), Vec::new(), plan.finish),
            None => (
                content_so_far.clone(),
                String::new(),
                Vec::new(),
                plan.finish,
            ),
        };
        let mut output = shape.output(&content, &reasoning, &tool_calls, finish);
        if index == 0
            && let Some(info) = &plan.search_info
        {
            output["search_info"] = info.clone();
        }
        let data = json!({ "output": output, "usage": plan.native_usage((index + 1).min(total), shape.multimodal), "request_id": shape.rid });
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
    if !(is_chat_model(&model) || is_vision_model(&model)) {
        let message =
            format!("The model `{model}` does not exist or you do not have access to it.");
        return compat_error(404, "ModelNotFound", &message, &rid, None);
    }
    let stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    // DashScope-only fields sit at the top level in compatible mode (reference §3).
    let options = Options::read(&model, &body);
    let checked = turns_of(body.get("messages"))
        .ok_or_else(|| "messages must be a list".to_owned())
        .and_then(|turns| {
            if options.thinking && !stream {
                return Err(
                    "parameter.enable_thinking must be set to false for non-streaming calls"
                        .to_owned(),
                );
            }
            plan(&model, &turns, &options)
        });
    let plan = match checked {
        Ok(plan) => plan,
        Err(message) => return compat_error(400, "InvalidParameter", &message, &rid, None),
    };
    let include_usage = body
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let id = format!("chatcmpl-{rid}");
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let reasoning_tokens = plan.reasoning_tokens(plan.steps.len());
    let usage = compat_usage(plan.input_tokens, plan.steps.len() as u64, reasoning_tokens);
    if !stream {
        let mut message = json!({ "role": "assistant", "content": plan.content() });
        let reasoning = plan.reasoning();
        if !reasoning.is_empty() {
            message["reasoning_content"] = json!(reasoning);
        }
        let calls = plan.tool_calls();
        if !calls.is_empty() {
            message["tool_calls"] = json!(calls);
        }
        let body = json!({
            "choices": [{ "message": message, "finish_reason": plan.finish, "index": 0, "logprobs": null }],
            "object": "chat.completion",
            "usage": usage,
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
        frames.extend(plan.steps.iter().map(|step| {
            let delta = match step {
                Step::Content(piece) => json!({ "content": piece }),
                Step::Reasoning(piece) => json!({ "content": null, "reasoning_content": piece }),
                Step::ToolFragment { index, id, name, arguments } => {
                    let mut function = json!({ "arguments": arguments });
                    if let Some(name) = name {
                        function["name"] = json!(name);
                    }
                    json!({ "content": null, "tool_calls": [{ "index": index, "id": id.clone().unwrap_or_default(), "type": "function", "function": function }] })
                }
            };
            chunk(delta, Value::Null, Value::Null)
        }));
        frames.push(chunk(
            json!({ "content": "" }),
            json!(plan.finish),
            Value::Null,
        ));
        if include_usage {
            frames.push(chunk(Value::Null, Value::Null, usage));
        }
        for (index, frame) in frames.iter().enumerate() {
            let sent = index as u32;
            if fault.cut_after == Some(sent) {
                sink.abort().await;
                return;
            }
            if fault.error_after == Some(sent) {
                let (code, message) = fault_error(&fault, 500);
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

fn compat_usage(input: u64, output: u64, reasoning: usize) -> Value {
    let mut usage = json!({ "prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output, "prompt_tokens_details": { "cached_tokens": 0 } });
    if reasoning > 0 {
        usage["completion_tokens_details"] = json!({ "reasoning_tokens": reasoning });
    }
    usage
}

fn body_wants_stream(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("stream").and_then(Value::as_bool))
        .unwrap_or(false)
}
