//! Conversations and messages as the app sees them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: String,
    pub title: String,
    pub model: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub message_count: i64,
    /// Pinned conversations are listed first.
    #[serde(default)]
    pub pinned: bool,
    /// A folder name, or `None` for none.
    #[serde(default)]
    pub folder: Option<String>,
    #[serde(default)]
    pub archived: bool,
    /// Unix ms when it was moved to the trash; `None` when it is not in the trash.
    #[serde(default)]
    pub deleted_at: Option<i64>,
    /// How its requests are made.
    #[serde(default)]
    pub params: ChatParams,
}

/// How a conversation's requests are made; `None` fields leave the model's defaults in place.
/// Every field defaults when absent, so parameters stored (and ops written) before a field
/// existed still read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChatParams {
    pub temperature: Option<f64>,
    /// `None` follows the model (thinking required, optional with its default, or unsupported).
    pub enable_thinking: Option<bool>,
    pub enable_search: bool,
    /// Sent as a system message before the history.
    pub system_prompt: Option<String>,
    /// Functions the model may call; empty for none.
    pub tools: Vec<ToolDefinition>,
    /// `None` sends no `tool_choice` (the API then chooses `auto`); ignored without tools.
    pub tool_choice: Option<ToolChoice>,
    pub response_format: ResponseFormat,
    /// `0 <= seed < 2^31`. Signed so that a negative number is refused with a reason rather
    /// than failing to decode.
    pub seed: Option<i64>,
    /// Up to 4 strings; generation stops before any of them.
    pub stop: Vec<String>,
    /// `1 <= max_tokens <=` the model's output limit.
    pub max_tokens: Option<i64>,
}

/// One function the model may call: the `function` object of the API's `tools` array.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolDefinition {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// A JSON Schema object describing the arguments.
    #[serde(default)]
    pub parameters: serde_json::Value,
}

/// `"auto"`, `"none"`, or `{"function": "<name>"}` to force that function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolChoice {
    Auto,
    None,
    Function(String),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseFormat {
    #[default]
    Text,
    /// `response_format: {"type": "json_object"}`.
    JsonObject,
}

/// The result of one tool call, answering the call with that id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolResult {
    pub tool_call_id: String,
    pub content: String,
}

/// Why the model stopped, as the API said on the last event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    Stop,
    /// `max_tokens` or the model's own limit cut the answer.
    Length,
    ToolCalls,
}

impl FinishReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "stop" => Some(FinishReason::Stop),
            "length" => Some(FinishReason::Length),
            "tool_calls" => Some(FinishReason::ToolCalls),
            _ => None,
        }
    }
}

/// Which conversations a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationScope {
    /// Neither archived nor in the trash: pinned first, then the most recently active.
    #[default]
    Active,
    /// Archived and not in the trash, most recently active first.
    Archived,
    /// In the trash, most recently trashed first.
    Trash,
}

/// A change to a conversation's own fields; absent fields stay as they are. `folder` tells apart
/// absent (keep) from `null` (no folder).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    #[serde(
        default,
        deserialize_with = "present_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub folder: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<ChatParams>,
}

impl ConversationPatch {
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.pinned.is_none()
            && self.folder.is_none()
            && self.archived.is_none()
            && self.params.is_none()
    }
}

/// For `Option<Option<T>>` fields: a field that is present (even as `null`) is `Some`, so a patch
/// can say "clear" (`Some(None)`) apart from "keep" (`None`, the field absent, via `default`).
pub(crate) fn present_or_null<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// One web page a reply's search found (DashScope's `search_info.search_results`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchSource {
    pub index: u32,
    pub title: String,
    pub url: String,
    #[serde(default)]
    pub site_name: Option<String>,
}

/// A function call a reply asked for, assembled from its streamed fragments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The arguments as the model wrote them: a JSON text, not validated.
    pub arguments: String,
}

/// An image attached to a message: its metadata (the bytes stay in the store, read on demand).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub id: String,
    pub mime: String,
    /// The size in bytes.
    pub bytes: u64,
}

/// An attachment to store with a new message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentData {
    pub mime: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageRole {
    System,
    User,
    Assistant,
    /// The result of one of the model's tool calls (`tool_call_id` names the call).
    Tool,
}

impl MessageRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageRole::System => "system",
            MessageRole::User => "user",
            MessageRole::Assistant => "assistant",
            MessageRole::Tool => "tool",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "system" => Some(MessageRole::System),
            "user" => Some(MessageRole::User),
            "assistant" => Some(MessageRole::Assistant),
            "tool" => Some(MessageRole::Tool),
            _ => None,
        }
    }
}

/// Where a message is in its life. A reply is `streaming` while text arrives, `complete` when the
/// model finished, `partial` when it stopped early (its text so far is kept), `failed` when no text
/// arrived at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Complete,
    Streaming,
    Partial,
    Failed,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Complete => "complete",
            MessageStatus::Streaming => "streaming",
            MessageStatus::Partial => "partial",
            MessageStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "complete" => Some(MessageStatus::Complete),
            "streaming" => Some(MessageStatus::Streaming),
            "partial" => Some(MessageStatus::Partial),
            "failed" => Some(MessageStatus::Failed),
            _ => None,
        }
    }
}

/// Why a reply did not complete, in the core's stable error codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub total_tokens: u64,
}

/// One message. Messages form a tree through `parent_id`: regenerating a reply or editing and
/// resending a prompt adds a sibling, and the UI shows one path from the root. The fields added
/// with the tree default when absent, so exports written before it still read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub conversation_id: String,
    pub role: MessageRole,
    pub content: String,
    pub status: MessageStatus,
    pub model: Option<String>,
    pub demo: bool,
    pub error: Option<MessageError>,
    pub usage: Option<Usage>,
    pub request_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The message this one answers or follows; `None` for the first of a conversation.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// The model's thinking (`reasoning_content`), kept apart from the answer.
    #[serde(default)]
    pub reasoning: Option<String>,
    #[serde(default)]
    pub search_sources: Vec<SearchSource>,
    #[serde(default)]
    pub tool_calls: Vec<ToolCall>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// CNY from the registry's price; `None` when unknown or not a paid reply.
    #[serde(default)]
    pub cost_cny: Option<f64>,
    /// For a `tool` message: the id of the call it answers.
    #[serde(default)]
    pub tool_call_id: Option<String>,
    /// Why the model stopped; `None` while streaming, for prompts, and for replies that ended
    /// without one (stopped, failed, stored before this field existed).
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub role: MessageRole,
    pub content: String,
    pub status: MessageStatus,
    pub model: Option<String>,
    pub demo: bool,
    /// Images stored with the message, in this order.
    pub attachments: Vec<AttachmentData>,
    /// For a `tool` message: the id of the call it answers.
    pub tool_call_id: Option<String>,
}
