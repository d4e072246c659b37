//! Chat requests, their replies, and the wire bodies for both transports.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::registry::ChatEndpoint;
use crate::tools::{ToolCall, ToolCallFragment};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// One turn. Images and video frames are URLs or `data:` URIs (see [`crate::media`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatMessage {
    pub role: Option<Role>,
    pub content: String,
    pub images: Vec<String>,
    pub video_frames: Vec<String>,
    /// The calls an assistant turn asked for.
    pub tool_calls: Vec<ToolCall>,
    /// On a tool turn: which call this answers.
    pub tool_call_id: Option<String>,
    /// On a last assistant turn: a prefix the model should continue ("partial mode"), used to
    /// resume a reply that was cut off.
    pub partial: bool,
}

impl ChatMessage {
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role: Some(role),
            content: content.into(),
            ..Self::default()
        }
    }

    pub fn role(&self) -> Role {
        self.role.unwrap_or(Role::User)
    }

    pub fn with_images(mut self, images: Vec<String>) -> Self {
        self.images = images;
        self
    }

    fn has_media(&self) -> bool {
        !self.images.is_empty() || !self.video_frames.is_empty()
    }

    fn wire(&self, endpoint: ChatEndpoint) -> Value {
        let mut message = Map::new();
        message.insert("role".into(), json!(self.role().as_str()));
        let content = match endpoint {
            ChatEndpoint::TextGeneration => json!(self.content),
            // Multimodal content is a list of single-key items (reference §2.5).
            ChatEndpoint::MultimodalGeneration => {
                let mut parts: Vec<Value> = self
                    .images
                    .iter()
                    .map(|image| json!({ "image": image }))
                    .collect();
                if !self.video_frames.is_empty() {
                    parts.push(json!({ "video": self.video_frames }));
                }
                if !self.content.is_empty() || parts.is_empty() {
                    parts.push(json!({ "text": self.content }));
                }
                Value::Array(parts)
            }
        };
        message.insert("content".into(), content);
        self.insert_turn_fields(&mut message);
        Value::Object(message)
    }

    /// The fields both transports spell the same way: tool calls, the answered call, partial mode.
    fn insert_turn_fields(&self, message: &mut Map<String, Value>) {
        if !self.tool_calls.is_empty() {
            message.insert(
                "tool_calls".into(),
                Value::Array(self.tool_calls.iter().map(ToolCall::wire).collect()),
            );
        }
        if let Some(id) = &self.tool_call_id {
            message.insert("tool_call_id".into(), json!(id));
        }
        if self.partial {
            message.insert("partial".into(), json!(true));
        }
    }

    fn compat_wire(&self) -> Value {
        let mut message = Map::new();
        message.insert("role".into(), json!(self.role().as_str()));
        if self.has_media() {
            let mut parts: Vec<Value> = self
                .images
                .iter()
                .map(|url| json!({ "type": "image_url", "image_url": { "url": url } }))
                .collect();
            if !self.video_frames.is_empty() {
                parts.push(json!({ "type": "video", "video": self.video_frames }));
            }
            parts.push(json!({ "type": "text", "text": self.content }));
            message.insert("content".into(), Value::Array(parts));
        } else {
            message.insert("content".into(), json!(self.content));
        }
        self.insert_turn_fields(&mut message);
        Value::Object(message)
    }
}

/// Sampling and feature parameters; `None` leaves the model's own default in place.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatParameters {
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub max_tokens: Option<u32>,
    pub seed: Option<u32>,
    pub stop: Vec<String>,
    /// Set by [`crate::prepare`] from the registry unless the caller chose.
    pub enable_thinking: Option<bool>,
    pub thinking_budget: Option<u32>,
    pub enable_search: Option<bool>,
    /// OpenAI-style function definitions: `{"type":"function","function":{name,description,parameters}}`.
    pub tools: Vec<Value>,
    /// `"auto"`, `"none"`, or `{"type":"function","function":{"name":…}}`.
    pub tool_choice: Option<Value>,
    pub parallel_tool_calls: Option<bool>,
    /// `response_format: {"type":"json_object"}`; the prompt must mention JSON.
    pub json_output: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    pub parameters: ChatParameters,
}

impl ChatRequest {
    pub fn new(model: impl Into<String>, messages: Vec<ChatMessage>) -> Self {
        Self {
            model: model.into(),
            messages,
            parameters: ChatParameters::default(),
        }
    }

    pub fn has_media(&self) -> bool {
        self.messages.iter().any(ChatMessage::has_media)
    }

    /// The parameters both transports share, under their DashScope names.
    fn common_parameters(&self) -> Map<String, Value> {
        let p = &self.parameters;
        let mut out = Map::new();
        let mut put = |key: &str, value: Value| {
            out.insert(key.to_owned(), value);
        };
        if let Some(v) = p.temperature {
            put("temperature", json!(decimal(v)));
        }
        if let Some(v) = p.top_p {
            put("top_p", json!(decimal(v)));
        }
        if let Some(v) = p.max_tokens {
            put("max_tokens", json!(v));
        }
        if let Some(v) = p.seed {
            put("seed", json!(v));
        }
        if !p.stop.is_empty() {
            put("stop", json!(p.stop));
        }
        if let Some(v) = p.enable_thinking {
            put("enable_thinking", json!(v));
        }
        if let Some(v) = p.thinking_budget {
            put("thinking_budget", json!(v));
        }
        if let Some(v) = p.enable_search {
            put("enable_search", json!(v));
        }
        if !p.tools.is_empty() {
            put("tools", Value::Array(p.tools.clone()));
        }
        if let Some(v) = &p.tool_choice {
            put("tool_choice", v.clone());
        }
        if let Some(v) = p.parallel_tool_calls {
            put("parallel_tool_calls", json!(v));
        }
        if p.json_output {
            put("response_format", json!({ "type": "json_object" }));
        }
        out
    }

    /// The native request body. Like the official SDK 2.x it always asks for the `message`
    /// format and, when streaming, for incremental deltas: cumulative streams resend the whole
    /// answer in every event, which is quadratic in the reply length.
    pub fn native_body(&self, endpoint: ChatEndpoint, stream: bool) -> Value {
        let mut parameters = self.common_parameters();
        parameters.insert("result_format".into(), json!("message"));
        if stream {
            parameters.insert("incremental_output".into(), json!(true));
        }
        let messages: Vec<Value> = self.messages.iter().map(|m| m.wire(endpoint)).collect();
        json!({
            "model": self.model,
            "input": { "messages": messages },
            "parameters": parameters,
        })
    }

    /// The OpenAI-compatible body: DashScope-only fields sit at the top level (reference §3).
    pub fn compat_body(&self, stream: bool) -> Value {
        let mut body = self.common_parameters();
        body.insert("model".into(), json!(self.model));
        body.insert(
            "messages".into(),
            Value::Array(self.messages.iter().map(ChatMessage::compat_wire).collect()),
        );
        if stream {
            body.insert("stream".into(), json!(true));
            body.insert("stream_options".into(), json!({ "include_usage": true }));
        }
        Value::Object(body)
    }
}

/// `v` as the decimal a person wrote: JSON numbers are f64, and widening an f32 such as 0.7
/// gives 0.699999988079071; its shortest decimal form parses back to the intended value.
fn decimal(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// Token counts as DashScope reports them; in a native stream they are cumulative in every event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub total_tokens: u64,
}

/// One piece of a streamed reply: what was added since the previous chunk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatChunk {
    pub delta: String,
    /// Added `reasoning_content` (thinking), kept apart from the answer.
    pub reasoning_delta: String,
    pub tool_call_fragments: Vec<ToolCallFragment>,
    /// `output.search_info` when search was on (sent whole, usually once).
    pub search_info: Option<Value>,
    /// Bailian Apps: the session to continue, and the agent's thoughts and cited documents.
    pub session_id: Option<String>,
    pub thoughts: Vec<Value>,
    pub doc_references: Vec<Value>,
    /// `None` while generating; `stop`, `length` or `tool_calls` on the last chunk.
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatResponse {
    pub text: String,
    pub reasoning: String,
    pub tool_calls: Vec<ToolCall>,
    pub search_info: Option<Value>,
    pub session_id: Option<String>,
    pub thoughts: Vec<Value>,
    pub doc_references: Vec<Value>,
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
    pub request_id: Option<String>,
}

impl ChatResponse {
    /// Folds streamed chunks into one response, assembling tool calls from their fragments.
    pub fn accumulate(&mut self, chunk: ChatChunk, tools: &mut crate::tools::ToolCallAssembler) {
        self.text.push_str(&chunk.delta);
        self.reasoning.push_str(&chunk.reasoning_delta);
        for fragment in chunk.tool_call_fragments {
            tools.push(fragment);
        }
        if chunk.search_info.is_some() {
            self.search_info = chunk.search_info;
        }
        if chunk.session_id.is_some() {
            self.session_id = chunk.session_id;
        }
        // Apps resend their thoughts and references; keep the latest complete list.
        if !chunk.thoughts.is_empty() {
            self.thoughts = chunk.thoughts;
        }
        if !chunk.doc_references.is_empty() {
            self.doc_references = chunk.doc_references;
        }
        if chunk.finish_reason.is_some() {
            self.finish_reason = chunk.finish_reason;
        }
        self.usage = chunk.usage.or(self.usage);
        self.request_id = chunk.request_id.or(self.request_id.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_body_is_incremental_only_when_streaming() {
        let req = ChatRequest::new("qwen-plus", vec![ChatMessage::new(Role::User, "hi")]);
        let s = req.native_body(ChatEndpoint::TextGeneration, true);
        assert_eq!(s["parameters"]["incremental_output"], json!(true));
        assert_eq!(s["parameters"]["result_format"], json!("message"));
        assert_eq!(
            s["input"]["messages"][0],
            json!({"role": "user", "content": "hi"})
        );
        assert!(
            req.native_body(ChatEndpoint::TextGeneration, false)["parameters"]
                .get("incremental_output")
                .is_none()
        );
    }

    #[test]
    fn multimodal_content_is_a_list_of_single_key_items() {
        let req = ChatRequest::new(
            "qwen-vl-plus",
            vec![
                ChatMessage::new(Role::User, "where?")
                    .with_images(vec!["https://x/dog.jpeg".into()]),
            ],
        );
        let body = req.native_body(ChatEndpoint::MultimodalGeneration, false);
        assert_eq!(
            body["input"]["messages"][0]["content"],
            json!([{"image": "https://x/dog.jpeg"}, {"text": "where?"}])
        );
        let compat = req.compat_body(false);
        assert_eq!(
            compat["messages"][0]["content"][0]["type"],
            json!("image_url")
        );
    }

    #[test]
    fn feature_parameters_on_both_transports() {
        let mut req = ChatRequest::new(
            "qwen-plus",
            vec![ChatMessage::new(Role::User, "Answer in JSON")],
        );
        req.parameters.enable_thinking = Some(false);
        req.parameters.enable_search = Some(true);
        req.parameters.json_output = true;
        req.parameters.stop = vec!["END".into()];
        req.parameters.tools =
            vec![json!({"type": "function", "function": {"name": "f", "parameters": {}}})];
        let native = req.native_body(ChatEndpoint::TextGeneration, true);
        assert_eq!(native["parameters"]["enable_search"], json!(true));
        assert_eq!(
            native["parameters"]["response_format"],
            json!({"type": "json_object"})
        );
        assert_eq!(
            native["parameters"]["tools"][0]["function"]["name"],
            json!("f")
        );
        req.parameters.temperature = Some(0.7);
        req.parameters.top_p = Some(0.8);
        let native = req.native_body(ChatEndpoint::TextGeneration, true);
        assert_eq!(
            native["parameters"]["temperature"],
            json!(0.7),
            "not 0.6999…"
        );
        assert_eq!(native["parameters"]["top_p"], json!(0.8));
        let compat = req.compat_body(true);
        assert_eq!(
            compat["enable_thinking"],
            json!(false),
            "DashScope fields at the top level"
        );
        assert_eq!(compat["stream_options"], json!({"include_usage": true}));
        assert_eq!(compat["stop"], json!(["END"]));
    }
}
