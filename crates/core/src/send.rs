//! Sending a prompt: store it, stream the reply to the caller while saving it, and record how it
//! ended. Nothing the user typed or the model sent is lost on any failure path.
//!
//! Messages form a tree: a prompt follows a parent (by default the conversation's newest message),
//! a regenerated reply is a sibling of the reply it replaces, and an edited prompt resent under
//! the original's parent is a sibling of the original. The model sees only the path from the root
//! to the new message, under the conversation's parameters.

use std::time::{Duration, Instant};

use bailian::registry::{Modality, ModelInfo, Thinking};
use bailian::{
    AppRequest, ChatMessage, ChatRequest, ChatStream, Client, RetryNotice, Role, ToolCallAssembler,
};
use base64::Engine as _;
use desk_store::{
    AttachmentData, ChatParams, FinishReason, Message, MessageRole, MessageStatus, NewMessage,
    ReplyEnding, ResponseFormat, SearchSource, Store, ToolCall, ToolChoice, ToolResult, Usage,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

/// How often a streaming reply's text is written to disk: often enough that a crash loses at
/// most this much, rarely enough that a fast stream is not bound by fsync.
const SAVE_INTERVAL: Duration = Duration::from_millis(250);

/// Longest title derived from a first prompt.
const TITLE_CHARS: usize = 48;

/// The largest image accepted as an attachment: what DashScope takes inline.
pub const MAX_ATTACHMENT_BYTES: usize = bailian::media::MAX_IMAGE_BYTES;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    /// `None` starts a new conversation.
    pub conversation_id: Option<String>,
    pub prompt: String,
    /// `None` uses the conversation's model, or the default for a new one.
    pub model: Option<String>,
    /// The message the new prompt follows. `None` means after the conversation's newest message;
    /// an earlier message makes a sibling branch (edit-and-resend passes the edited prompt's
    /// parent).
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Edit-and-resend: the user message this prompt replaces. The new prompt becomes its sibling
    /// (same parent, the root for a conversation's first prompt); the original stays.
    #[serde(default)]
    pub edit_of: Option<String>,
    /// Images for the model to see with the prompt.
    #[serde(default)]
    pub attachments: Vec<NewAttachment>,
    /// A new conversation's parameters (default: the settings' default parameters). An existing
    /// conversation keeps its own; see [`Desk::update_conversation`].
    #[serde(default)]
    pub params: Option<ChatParams>,
}

/// An image attached by the user, as read from a drop or a paste.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAttachment {
    /// What the UI believes it is; the bytes decide (see [`bailian::media::sniff_image_mime`]).
    pub mime: String,
    /// Base64 of the bytes, without a `data:` prefix.
    pub base64: String,
}

/// What the caller hears while a reply streams.
#[derive(Debug, Clone, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum StreamUpdate {
    /// The reply's placeholder (and, for a new prompt, the prompt) is stored. `user_message` is
    /// `None` for a regenerated reply, which answers a prompt already stored.
    Started {
        conversation_id: String,
        user_message: Option<Box<Message>>,
        assistant_message: Box<Message>,
        /// [`Desk::submit_tool_results`] only: the stored `tool` messages, in order, between the
        /// reply that made the calls and this one. Absent for every other command.
        #[serde(skip_serializing_if = "Option::is_none")]
        tool_messages: Option<Vec<Message>>,
        /// How many of the path's oldest messages were left out of the request because the
        /// thread is longer than the model's context (0: the whole path was sent). Known only
        /// here: the stored thread keeps every message.
        context_left_out: usize,
    },
    /// A cut reply is being continued in place; deltas append to its text.
    Resumed {
        conversation_id: String,
        assistant_message: Box<Message>,
        /// As for [`StreamUpdate::Started`].
        context_left_out: usize,
    },
    /// Text added to the reply.
    Delta { text: String },
    /// Thinking added to the reply's reasoning, kept apart from its text.
    Reasoning { text: String },
    /// The web pages the reply's search found (the whole list, each time it changes).
    SearchSources { sources: Vec<SearchSource> },
    /// The function calls the reply asked for, assembled, once the stream ended.
    ToolCalls { calls: Vec<ToolCall> },
    /// The request failed before any text and will be tried again.
    Retrying {
        attempt: u32,
        delay_ms: u64,
        reason: String,
    },
    Finished {
        status: MessageStatus,
        usage: Option<Usage>,
        error: Option<DeskError>,
        /// What the reply cost in CNY, when the model has a price (never for the demo).
        cost_cny: Option<f64>,
        /// Why the model stopped, for a complete reply that the API told (`length`: cut by the
        /// token limit, and can be continued).
        finish_reason: Option<FinishReason>,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendOutcome {
    pub conversation_id: String,
    pub assistant_message_id: String,
    pub status: MessageStatus,
    /// Present when this month's spending reached 80 % of the budget (or passed it, when the
    /// budget only warns): the caller should tell the user. See [`crate::usage`].
    pub budget: Option<crate::usage::BudgetStatus>,
}

fn title_from(prompt: &str) -> String {
    let line = prompt
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(prompt)
        .trim();
    let mut title: String = line.chars().take(TITLE_CHARS).collect();
    if line.chars().count() > TITLE_CHARS {
        title.push('…');
    }
    if title.is_empty() {
        // An image sent without words: a title in no language, until the user renames it.
        title.push('🖼');
    }
    title
}

fn bad_request(message: impl Into<String>) -> DeskError {
    DeskError::new(ErrorCode::BadRequest, message)
}

/// Decodes and checks the attachments before anything is stored: base64, at most
/// [`MAX_ATTACHMENT_BYTES`] each, and an image format vision models read, named by its bytes.
pub(crate) fn decode_attachments(
    attachments: &[NewAttachment],
) -> Result<Vec<AttachmentData>, DeskError> {
    attachments
        .iter()
        .enumerate()
        .map(|(index, attachment)| {
            let number = index + 1;
            // A base64 text is 4/3 of its bytes: refuse an oversized one before decoding it.
            if attachment.base64.len() / 4 * 3 > MAX_ATTACHMENT_BYTES + 3 {
                return Err(too_large(number, attachment.base64.len() / 4 * 3));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(attachment.base64.trim())
                .map_err(|e| bad_request(format!("attachment {number} is not base64: {e}")))?;
            if bytes.len() > MAX_ATTACHMENT_BYTES {
                return Err(too_large(number, bytes.len()));
            }
            let mime = bailian::media::sniff_image_mime(&bytes).ok_or_else(|| {
                bad_request(format!(
                    "attachment {number} is not a PNG, JPEG, WebP, BMP or GIF image"
                ))
            })?;
            if !attachment.mime.is_empty() && attachment.mime != mime {
                tracing::debug!(declared = %attachment.mime, sniffed = mime, "attachment type taken from its bytes");
            }
            Ok(AttachmentData {
                mime: mime.to_owned(),
                bytes,
            })
        })
        .collect()
}

fn too_large(number: usize, bytes: usize) -> DeskError {
    bad_request(format!(
        "attachment {number} is {:.1} MB; images may be at most {} MB",
        bytes as f64 / (1024.0 * 1024.0),
        MAX_ATTACHMENT_BYTES / (1024 * 1024)
    ))
}

fn refuse_images(model: &str) -> DeskError {
    DeskError::new(
        ErrorCode::UnsupportedByModel,
        format!("{model} does not accept images; choose a vision model such as qwen-vl-plus"),
    )
}

/// The request for `path` (root first, the message being answered last) under `params`, as
/// `info`'s model accepts it: the system prompt first; images as image parts for a vision model
/// (a text model gets earlier turns' text only: it cannot see images, and refusing would strand
/// a conversation that switched models); `enable_thinking` only where the model has a switch
/// (`prepare` streams models that always think); search only where the model can search.
fn build_request(
    store: &Store,
    info: &ModelInfo,
    params: &ChatParams,
    path: &[Message],
) -> Result<FittedRequest, DeskError> {
    let sees_images = info.accepts(Modality::Image);
    let mut messages = Vec::with_capacity(path.len() + 1);
    if let Some(system) = params
        .system_prompt
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        messages.push(ChatMessage::new(Role::System, system));
    }
    for (index, message) in path.iter().enumerate() {
        // What was said, including the text kept from interrupted replies, without failed
        // placeholders or the reply being written.
        let said = matches!(
            message.status,
            MessageStatus::Complete | MessageStatus::Partial
        );
        // A reply's calls go with it only when the results follow it on the path: the API
        // refuses calls left unanswered (a prompt sent instead of results), so then the reply
        // is sent as the text it had, if any.
        let answered_calls = message.role == MessageRole::Assistant
            && !message.tool_calls.is_empty()
            && path
                .get(index + 1)
                .is_some_and(|next| next.role == MessageRole::Tool);
        let has_content = !message.content.trim().is_empty() || !message.attachments.is_empty();
        // A tool result is sent even when empty: it answers a call the API expects answered.
        if !said || !(has_content || answered_calls || message.role == MessageRole::Tool) {
            continue;
        }
        let role = match message.role {
            MessageRole::System => Role::System,
            MessageRole::User => Role::User,
            MessageRole::Assistant => Role::Assistant,
            MessageRole::Tool => Role::Tool,
        };
        let mut turn = ChatMessage::new(role, message.content.clone());
        if answered_calls {
            turn.tool_calls = message
                .tool_calls
                .iter()
                .map(|call| bailian::ToolCall {
                    id: call.id.clone(),
                    name: call.name.clone(),
                    arguments: call.arguments.clone(),
                })
                .collect();
        }
        turn.tool_call_id = message.tool_call_id.clone();
        if !message.attachments.is_empty() {
            if sees_images {
                // The attachments' ids stand in for their images until the request is fitted
                // to the model's context below, so only the images of turns that are sent are
                // read and encoded (an image counts the same whatever its data).
                turn.images
                    .extend(message.attachments.iter().map(|a| a.id.clone()));
            } else {
                tracing::info!(model = %info.id, message = %message.id, "earlier images left out for a model without vision");
            }
        }
        messages.push(turn);
    }
    let mut request = ChatRequest::new(info.id.clone(), messages);
    let p = &mut request.parameters;
    p.temperature = params.temperature.map(|t| t as f32);
    p.enable_thinking = match info.thinking {
        Thinking::Optional { .. } => params.enable_thinking,
        Thinking::Unsupported | Thinking::Required => None,
    };
    if params.enable_search {
        if info.search || !info.known {
            p.enable_search = Some(true);
        } else {
            tracing::info!(model = %info.id, "search is on for the conversation but the model cannot search");
        }
    }
    if !params.tools.is_empty() {
        p.tools = params
            .tools
            .iter()
            .map(|tool| {
                let mut function = json!({ "name": tool.name, "parameters": tool.parameters });
                if !tool.description.is_empty() {
                    function["description"] = json!(tool.description);
                }
                json!({ "type": "function", "function": function })
            })
            .collect();
        p.tool_choice = params.tool_choice.as_ref().map(|choice| match choice {
            ToolChoice::Auto => json!("auto"),
            ToolChoice::None => json!("none"),
            ToolChoice::Function(name) => {
                json!({ "type": "function", "function": { "name": name } })
            }
        });
        // The desk answers any number of calls at once (`submit_tool_results` takes them all),
        // so the model may ask for several; the API's default is one.
        if params.tool_choice != Some(ToolChoice::None) {
            p.parallel_tool_calls = Some(true);
        }
    }
    p.json_output = params.response_format == ResponseFormat::JsonObject;
    // Checked when the parameters were set (`settings::checked_params`): in range for u32.
    p.seed = params.seed.and_then(|seed| u32::try_from(seed).ok());
    p.stop = params.stop.clone();
    p.max_tokens = params.max_tokens.and_then(|max| u32::try_from(max).ok());
    let left_out = bailian::prepare::fit_to_context(&mut request, info);
    for turn in &mut request.messages {
        for image in &mut turn.images {
            let (_, bytes) = store.attachment_data(image)?;
            *image = bailian::media::image_bytes_data_uri(&bytes)?;
        }
    }
    Ok(FittedRequest { request, left_out })
}

/// A chat request fitted to its model's context, and how many of the path's oldest messages
/// that left out.
struct FittedRequest {
    request: ChatRequest,
    left_out: usize,
}

/// What a reply streams from: a model, or a Bailian App (`app:<app_id>`, see
/// [`crate::assistants`]).
enum Call {
    Chat(FittedRequest),
    App(AppRequest),
}

impl Call {
    /// How many of the path's oldest messages the request leaves out (an app keeps its own
    /// session, so none).
    fn context_left_out(&self) -> usize {
        match self {
            Call::Chat(fitted) => fitted.left_out,
            Call::App(_) => 0,
        }
    }

    async fn open(
        &self,
        client: &Client,
        on_retry: impl FnMut(&RetryNotice),
    ) -> bailian::Result<ChatStream> {
        match self {
            Call::Chat(fitted) => client.chat_stream_observed(&fitted.request, on_retry).await,
            Call::App(request) => client.app_stream_observed(request, on_retry).await,
        }
    }
}

/// The request answering `message_id` (its path from the root, or for an app its prompt and the
/// conversation's session), for the stored placeholder `reply_id`. Should it fail (the store
/// failing to read), the placeholder is marked failed rather than left streaming until the next
/// start.
fn request_for(
    store: &Store,
    info: &ModelInfo,
    conversation: &desk_store::Conversation,
    message_id: &str,
    reply_id: &str,
) -> Result<Call, DeskError> {
    let built = match crate::assistants::app_id_of(&info.id) {
        Some(app_id) => crate::assistants::app_request(store, &conversation.id, app_id, message_id)
            .map(Call::App),
        None => store
            .path_to(message_id)
            .map_err(DeskError::from)
            .and_then(|path| build_request(store, info, &conversation.params, &path))
            .map(Call::Chat),
    };
    if let Err(error) = &built {
        let ending = ReplyEnding::new("", MessageStatus::Failed, Some(error.to_message_error()));
        if let Err(also) = store.finish_reply(reply_id, ending) {
            tracing::error!(%also, reply = %reply_id, "could not mark the reply failed");
        }
    }
    built
}

/// `search_info.search_results` as sources; items without a URL are not sources.
fn search_sources(info: &serde_json::Value) -> Vec<SearchSource> {
    info.get("search_results")
        .and_then(serde_json::Value::as_array)
        .map(|results| {
            results
                .iter()
                .enumerate()
                .filter_map(|(position, item)| {
                    let text = |key: &str| {
                        item.get(key)
                            .and_then(serde_json::Value::as_str)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                    };
                    Some(SearchSource {
                        index: item
                            .get("index")
                            .and_then(serde_json::Value::as_u64)
                            .and_then(|i| u32::try_from(i).ok())
                            .unwrap_or(u32::try_from(position + 1).unwrap_or(u32::MAX)),
                        url: text("url")?,
                        title: text("title").unwrap_or_default(),
                        site_name: text("site_name"),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `dashscope.aliyuncs.com` from `https://dashscope.aliyuncs.com:443/x`, for advice that names it.
fn host_of(base_url: &str) -> Option<String> {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    let host = rest.split(['/', '?']).next()?;
    (!host.is_empty()).then(|| host.to_owned())
}

fn to_store_usage(usage: bailian::Usage) -> Usage {
    Usage {
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
        total_tokens: usage.total_tokens,
    }
}

/// A reply's own cost: priced usage of a live reply. The demo and replies without usage have
/// none (the ledger keeps the call's own account; see [`chat_usage`]).
fn reply_cost(model: &str, demo: bool, usage: Option<Usage>) -> Option<f64> {
    if demo {
        return None;
    }
    let usage = usage?;
    crate::usage::token_cost(model, false, usage.input_tokens, usage.output_tokens).0
}

/// The ledger row of one send: the final usage, the cost when the model has a price. A failure
/// that reported no usage cost nothing; a cut reply without usage has an unknown cost.
#[allow(clippy::too_many_arguments)]
fn chat_usage(
    model: &str,
    demo: bool,
    conversation_id: &str,
    reply_id: &str,
    usage: Option<Usage>,
    latency: Duration,
    status: MessageStatus,
    error: Option<&DeskError>,
) -> desk_store::NewUsage {
    let (cost_cny, price_as_of) = match (usage, status) {
        (Some(u), _) => crate::usage::token_cost(model, demo, u.input_tokens, u.output_tokens),
        (None, MessageStatus::Failed) => crate::usage::token_cost(model, demo, 0, 0),
        (None, _) => (None, None),
    };
    desk_store::NewUsage {
        kind: desk_store::UsageKind::Chat,
        model: model.to_owned(),
        conversation_id: Some(conversation_id.to_owned()),
        item_id: Some(reply_id.to_owned()),
        input_tokens: usage.map(|u| u.input_tokens),
        output_tokens: usage.map(|u| u.output_tokens),
        units: None,
        unit: None,
        latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        status: match status {
            MessageStatus::Complete => desk_store::UsageStatus::Ok,
            MessageStatus::Partial => desk_store::UsageStatus::Partial,
            _ => desk_store::UsageStatus::Failed,
        },
        error_code: error.map(|e| e.code.as_str().to_owned()),
        cost_cny,
        price_as_of,
    }
}

/// A reply about to stream: where it goes and what it starts from.
struct Reply {
    connection: crate::desk::Connection,
    conversation_id: String,
    reply_id: String,
    model: String,
    call: Call,
    /// Text, reasoning and sources the stored message already holds (empty for a new reply).
    text: String,
    reasoning: String,
    search_sources: Vec<SearchSource>,
}

impl Reply {
    /// A reply with nothing stored yet (send, regenerate, tool results; continue starts from
    /// what the message holds).
    fn fresh(
        connection: crate::desk::Connection,
        conversation_id: String,
        reply_id: String,
        model: String,
        call: Call,
    ) -> Self {
        Reply {
            connection,
            conversation_id,
            reply_id,
            model,
            call,
            text: String::new(),
            reasoning: String::new(),
            search_sources: Vec::new(),
        }
    }
}

/// How a stream ended, before it is recorded.
struct Ending {
    status: MessageStatus,
    error: Option<DeskError>,
}

/// Refuses a conversation in the trash: it has to be restored before it is written to.
fn writable(conversation: &desk_store::Conversation) -> Result<(), DeskError> {
    if conversation.deleted_at.is_some() {
        return Err(bad_request(format!(
            "conversation {} is in the trash; restore it to continue",
            conversation.id
        )));
    }
    Ok(())
}

/// `results` in the order of `calls`, one for each: a result for a call the reply did not make,
/// two for one call, or a call left without one is refused, naming the ids.
fn matched_results(
    calls: &[ToolCall],
    results: Vec<ToolResult>,
) -> Result<Vec<ToolResult>, DeskError> {
    let mut by_id = std::collections::HashMap::new();
    for result in results {
        if !calls.iter().any(|call| call.id == result.tool_call_id) {
            let asked: Vec<&str> = calls.iter().map(|call| call.id.as_str()).collect();
            return Err(bad_request(format!(
                "the reply made no tool call {:?}; it asked for {}",
                result.tool_call_id,
                asked.join(", ")
            )));
        }
        if by_id
            .insert(result.tool_call_id.clone(), result.content)
            .is_some()
        {
            return Err(bad_request(format!(
                "tool call {:?} has more than one result",
                result.tool_call_id
            )));
        }
    }
    let missing: Vec<&str> = calls
        .iter()
        .filter(|call| !by_id.contains_key(&call.id))
        .map(|call| call.id.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(bad_request(format!(
            "every tool call needs a result; none for {}",
            missing.join(", ")
        )));
    }
    Ok(calls
        .iter()
        .filter_map(|call| {
            by_id.remove(&call.id).map(|content| ToolResult {
                tool_call_id: call.id.clone(),
                content,
            })
        })
        .collect())
}

fn assistant_placeholder(model: &str, demo: bool) -> NewMessage {
    NewMessage {
        role: MessageRole::Assistant,
        content: String::new(),
        status: MessageStatus::Streaming,
        model: Some(model.to_owned()),
        demo,
        attachments: Vec::new(),
        tool_call_id: None,
    }
}

impl Desk {
    /// Sends `request.prompt` (with its images) and streams the reply through `on_update`.
    /// Resolves when the reply is complete, stopped by the user (`partial`), or failed; a failure
    /// after the prompt was stored is both reported in `Finished` and returned as the error.
    /// Bad input (an empty prompt, an attachment that is not an image or too large, images for a
    /// model without vision, an unknown conversation or parent) is refused before anything is
    /// stored or sent.
    pub async fn send_message(
        &self,
        request: SendRequest,
        mut on_update: impl FnMut(StreamUpdate) + Send,
    ) -> Result<SendOutcome, DeskError> {
        let prompt = request.prompt.trim();
        // An image with no words is a question too ("what is this?"); nothing at all is not.
        if prompt.is_empty() && request.attachments.is_empty() {
            return Err(DeskError::new(
                ErrorCode::EmptyPrompt,
                "the prompt is empty",
            ));
        }
        let attachments = decode_attachments(&request.attachments)?;
        if request.conversation_id.is_none()
            && (request.parent_id.is_some() || request.edit_of.is_some())
        {
            return Err(bad_request(
                "a parent message needs its conversation: a new conversation starts at its root",
            ));
        }
        if request.parent_id.is_some() && request.edit_of.is_some() {
            return Err(bad_request(
                "name either the parent or the edited message, not both",
            ));
        }
        let new_params = request
            .params
            .as_ref()
            .map(crate::settings::checked_params)
            .transpose()?;
        let connection = self.connection()?;
        // A spent budget that blocks refuses before anything is stored or sent.
        self.check_budget(connection.demo)?;
        let settings = if request.conversation_id.is_none() {
            Some(self.settings()?)
        } else {
            None
        };

        let (conversation_id, model, request_to_send, user_message, assistant_message) = {
            let mut store = self.store();
            let existing = match &request.conversation_id {
                Some(id) => {
                    let conversation = store.conversation(id)?;
                    writable(&conversation)?;
                    if let Some(parent) = request.parent_id.as_ref().or(request.edit_of.as_ref()) {
                        // Checked now so a bad parent stores nothing; the insert checks again.
                        let found = store.message(parent)?;
                        if found.conversation_id != conversation.id {
                            return Err(DeskError::new(
                                ErrorCode::MessageNotFound,
                                format!("message {parent} is not in conversation {id}"),
                            ));
                        }
                        if request.edit_of.is_some() && found.role != MessageRole::User {
                            return Err(bad_request(
                                "only a prompt (a user message) can be edited",
                            ));
                        }
                    }
                    Some(conversation)
                }
                None => None,
            };
            let model = match (&request.model, &existing, &settings) {
                (Some(model), _, _) => model.clone(),
                (None, Some(conversation), _) => conversation.model.clone(),
                (None, None, Some(settings)) => settings
                    .default_model
                    .clone()
                    .unwrap_or_else(|| self.config().default_model.clone()),
                (None, None, None) => self.config().default_model.clone(),
            };
            crate::assistants::checked_model(&model)?;
            let info = bailian::lookup(&model);
            if !attachments.is_empty() && !info.accepts(Modality::Image) {
                return Err(refuse_images(&model));
            }
            let new_conversation_params = match &existing {
                Some(_) => None,
                None => Some(
                    new_params
                        .or_else(|| settings.map(|s| s.default_params))
                        .unwrap_or_default(),
                ),
            };
            // The parameters this prompt goes out under, checked against the model answering
            // (and, for JSON output, against what is sent) before anything is stored.
            let params = match (&existing, &new_conversation_params) {
                (Some(conversation), _) => &conversation.params,
                (None, Some(params)) => params,
                (None, None) => {
                    return Err(DeskError::new(ErrorCode::Internal, "no parameters"));
                }
            };
            crate::settings::checked_for_model(params, &model)?;
            if params.response_format == ResponseFormat::JsonObject {
                let parent = match (&existing, &request.parent_id, &request.edit_of) {
                    (None, _, _) => None,
                    (Some(_), Some(parent), _) => Some(parent.clone()),
                    (Some(_), None, Some(edited)) => store.message(edited)?.parent_id,
                    (Some(conversation), None, None) => store.newest_message(&conversation.id)?,
                };
                let path = match parent {
                    Some(parent) => store.path_to(&parent)?,
                    None => Vec::new(),
                };
                crate::settings::checked_json_mention(
                    params,
                    path.iter()
                        .map(|m| m.content.as_str())
                        .chain(std::iter::once(prompt)),
                )?;
            }
            let conversation = match (existing, new_conversation_params) {
                (Some(conversation), _) => conversation,
                (None, params) => store.create_conversation_with(
                    &title_from(prompt),
                    &model,
                    &params.unwrap_or_default(),
                )?,
            };
            let turn = [
                NewMessage {
                    role: MessageRole::User,
                    content: prompt.to_owned(),
                    status: MessageStatus::Complete,
                    model: None,
                    demo: false,
                    attachments,
                    tool_call_id: None,
                },
                assistant_placeholder(&model, connection.demo),
            ];
            let mut inserted = match (&request.parent_id, &request.edit_of) {
                (Some(parent), _) => {
                    store.insert_messages_after(&conversation.id, Some(parent), &turn)?
                }
                (None, Some(edited)) => {
                    let parent = store.message(edited)?.parent_id;
                    store.insert_messages_after(&conversation.id, parent.as_deref(), &turn)?
                }
                (None, None) => store.insert_messages(&conversation.id, &turn)?,
            };
            let assistant = inserted
                .pop()
                .ok_or_else(|| DeskError::new(ErrorCode::Internal, "reply placeholder missing"))?;
            let user = inserted
                .pop()
                .ok_or_else(|| DeskError::new(ErrorCode::Internal, "prompt missing"))?;
            let call = request_for(&store, &info, &conversation, &user.id, &assistant.id)?;
            (conversation.id, model, call, user, assistant)
        };
        let reply_id = assistant_message.id.clone();
        tracing::info!(conversation = %conversation_id, reply = %reply_id, %model, demo = connection.demo, images = user_message.attachments.len(), "sending prompt");
        on_update(StreamUpdate::Started {
            conversation_id: conversation_id.clone(),
            user_message: Some(Box::new(user_message)),
            assistant_message: Box::new(assistant_message),
            tool_messages: None,
            context_left_out: request_to_send.context_left_out(),
        });
        self.stream_reply(
            Reply::fresh(
                connection,
                conversation_id,
                reply_id,
                model,
                request_to_send,
            ),
            on_update,
        )
        .await
    }

    /// A new reply to the prompt `assistant_message_id` answers, stored as its sibling: the old
    /// reply stays. It uses the old reply's model (the conversation's when it has none) and the
    /// conversation's parameters, and sees the path up to that prompt.
    pub async fn regenerate_reply(
        &self,
        assistant_message_id: &str,
        mut on_update: impl FnMut(StreamUpdate) + Send,
    ) -> Result<SendOutcome, DeskError> {
        let connection = self.connection()?;
        self.check_budget(connection.demo)?;
        let (conversation_id, model, call, assistant_message) = {
            let mut store = self.store();
            let old = store.message(assistant_message_id)?;
            if old.role != MessageRole::Assistant {
                return Err(bad_request(format!(
                    "message {assistant_message_id} is not a reply; only replies can be regenerated"
                )));
            }
            let Some(prompt_id) = old.parent_id.clone() else {
                return Err(bad_request(format!(
                    "reply {assistant_message_id} answers no stored prompt"
                )));
            };
            let conversation = store.conversation(&old.conversation_id)?;
            writable(&conversation)?;
            let model = old
                .model
                .clone()
                .unwrap_or_else(|| conversation.model.clone());
            crate::settings::checked_for_model(&conversation.params, &model)?;
            if conversation.params.response_format == ResponseFormat::JsonObject {
                let path = store.path_to(&prompt_id)?;
                crate::settings::checked_json_mention(
                    &conversation.params,
                    path.iter().map(|m| m.content.as_str()),
                )?;
            }
            let info = bailian::lookup(&model);
            let mut inserted = store.insert_messages_after(
                &conversation.id,
                Some(&prompt_id),
                &[assistant_placeholder(&model, connection.demo)],
            )?;
            let assistant = inserted
                .pop()
                .ok_or_else(|| DeskError::new(ErrorCode::Internal, "reply placeholder missing"))?;
            let call = request_for(&store, &info, &conversation, &prompt_id, &assistant.id)?;
            (conversation.id, model, call, assistant)
        };
        let reply_id = assistant_message.id.clone();
        tracing::info!(conversation = %conversation_id, replaces = %assistant_message_id, reply = %reply_id, %model, "regenerating a reply");
        on_update(StreamUpdate::Started {
            conversation_id: conversation_id.clone(),
            user_message: None,
            assistant_message: Box::new(assistant_message),
            tool_messages: None,
            context_left_out: call.context_left_out(),
        });
        self.stream_reply(
            Reply::fresh(connection, conversation_id, reply_id, model, call),
            on_update,
        )
        .await
    }

    /// Continues a reply that was cut off (a broken stream, a stop, a crash), in the same message:
    /// the request carries the path to its prompt and the text so far as a `partial` assistant
    /// turn, so the model writes on from where it stopped instead of starting again. The
    /// conversation's parameters apply, except that it does not search again (the reply keeps
    /// the sources it has) nor think again where thinking can be switched off (a second chain of
    /// thought would not belong to the text it continues).
    pub async fn continue_reply(
        &self,
        assistant_message_id: &str,
        mut on_update: impl FnMut(StreamUpdate) + Send,
    ) -> Result<SendOutcome, DeskError> {
        let connection = self.connection()?;
        self.check_budget(connection.demo)?;
        let (reply, mut chat_request) = {
            let store = self.store();
            let reply = store.message(assistant_message_id)?;
            // Cut off: by a failure or a stop (partial), or by its token limit (complete, with
            // the finish reason `length`).
            let cut = reply.status == MessageStatus::Partial
                || (reply.status == MessageStatus::Complete
                    && reply.finish_reason == Some(FinishReason::Length));
            if reply.role != MessageRole::Assistant || !cut || reply.content.is_empty() {
                return Err(bad_request(
                    "only a reply that was cut off, with some text, can be continued; regenerate it instead",
                ));
            }
            let conversation = store.conversation(&reply.conversation_id)?;
            writable(&conversation)?;
            let model = reply
                .model
                .clone()
                .unwrap_or_else(|| conversation.model.clone());
            if crate::assistants::app_id_of(&model).is_some() {
                return Err(bad_request(
                    "an assistant cannot continue a cut reply (apps have no partial mode); regenerate it instead",
                ));
            }
            let path = match &reply.parent_id {
                Some(prompt) => store.path_to(prompt)?,
                None => Vec::new(),
            };
            // Nor does it offer tools: it writes on the text it has, not a call.
            let params = ChatParams {
                enable_search: false,
                enable_thinking: Some(false),
                tools: Vec::new(),
                tool_choice: None,
                ..conversation.params.clone()
            };
            let chat_request = build_request(&store, &bailian::lookup(&model), &params, &path)?;
            let reopened = store.reopen_for_continuation(&reply.id)?;
            (reopened, chat_request)
        };
        chat_request.request.messages.push(ChatMessage {
            partial: true,
            ..ChatMessage::new(Role::Assistant, reply.content.clone())
        });
        let model = chat_request.request.model.clone();
        tracing::info!(reply = %reply.id, chars = reply.content.len(), "continuing a cut reply");
        let conversation_id = reply.conversation_id.clone();
        let text = reply.content.clone();
        let reasoning = reply.reasoning.clone().unwrap_or_default();
        let search_sources = reply.search_sources.clone();
        let reply_id = reply.id.clone();
        on_update(StreamUpdate::Resumed {
            conversation_id: conversation_id.clone(),
            assistant_message: Box::new(reply),
            context_left_out: chat_request.left_out,
        });
        self.stream_reply(
            Reply {
                connection,
                conversation_id,
                reply_id,
                model,
                call: Call::Chat(chat_request),
                text,
                reasoning,
                search_sources,
            },
            on_update,
        )
        .await
    }

    /// Answers the tool calls of the reply `assistant_message_id` and streams the model's next
    /// reply. Every call needs exactly one result (a missing, unknown or repeated call id is
    /// refused with `bad_request` and nothing is stored). The results are stored as `tool`
    /// messages chained below the reply in the order of its calls, the next reply below the last
    /// of them; `Started` carries them as `tool_messages`. Answering the same reply again makes a
    /// sibling branch. The conversation's parameters apply (its tools too, so the model may call
    /// again), and the stream is recorded as [`Desk::send_message`]'s is.
    pub async fn submit_tool_results(
        &self,
        assistant_message_id: &str,
        results: Vec<ToolResult>,
        mut on_update: impl FnMut(StreamUpdate) + Send,
    ) -> Result<SendOutcome, DeskError> {
        let connection = self.connection()?;
        self.check_budget(connection.demo)?;
        let (conversation_id, model, call, tool_messages, assistant_message) = {
            let mut store = self.store();
            let asked = store.message(assistant_message_id)?;
            if asked.role != MessageRole::Assistant
                || asked.status != MessageStatus::Complete
                || asked.tool_calls.is_empty()
            {
                return Err(bad_request(format!(
                    "message {assistant_message_id} asked for no tool calls; only a reply that called tools takes their results"
                )));
            }
            let answers = matched_results(&asked.tool_calls, results)?;
            let conversation = store.conversation(&asked.conversation_id)?;
            writable(&conversation)?;
            let model = asked
                .model
                .clone()
                .unwrap_or_else(|| conversation.model.clone());
            crate::assistants::checked_model(&model)?;
            crate::settings::checked_for_model(&conversation.params, &model)?;
            if conversation.params.response_format == ResponseFormat::JsonObject {
                let path = store.path_to(&asked.id)?;
                crate::settings::checked_json_mention(
                    &conversation.params,
                    path.iter()
                        .map(|m| m.content.as_str())
                        .chain(answers.iter().map(|a| a.content.as_str())),
                )?;
            }
            let info = bailian::lookup(&model);
            let mut chain: Vec<NewMessage> = answers
                .into_iter()
                .map(|answer| NewMessage {
                    role: MessageRole::Tool,
                    content: answer.content,
                    status: MessageStatus::Complete,
                    model: None,
                    demo: false,
                    attachments: Vec::new(),
                    tool_call_id: Some(answer.tool_call_id),
                })
                .collect();
            chain.push(assistant_placeholder(&model, connection.demo));
            let mut inserted =
                store.insert_messages_after(&conversation.id, Some(&asked.id), &chain)?;
            let assistant = inserted
                .pop()
                .ok_or_else(|| DeskError::new(ErrorCode::Internal, "reply placeholder missing"))?;
            let last_result = inserted
                .last()
                .map(|m| m.id.clone())
                .ok_or_else(|| DeskError::new(ErrorCode::Internal, "tool results missing"))?;
            let call = request_for(&store, &info, &conversation, &last_result, &assistant.id)?;
            (conversation.id, model, call, inserted, assistant)
        };
        let reply_id = assistant_message.id.clone();
        tracing::info!(conversation = %conversation_id, answers = %assistant_message_id, results = tool_messages.len(), reply = %reply_id, %model, "sending tool results");
        on_update(StreamUpdate::Started {
            conversation_id: conversation_id.clone(),
            user_message: None,
            assistant_message: Box::new(assistant_message),
            tool_messages: Some(tool_messages),
            context_left_out: call.context_left_out(),
        });
        self.stream_reply(
            Reply::fresh(connection, conversation_id, reply_id, model, call),
            on_update,
        )
        .await
    }

    /// Streams `reply.request` into the stored message `reply.reply_id`, which already holds
    /// `reply.text`; records how it ended.
    async fn stream_reply(
        &self,
        reply: Reply,
        mut on_update: impl FnMut(StreamUpdate) + Send,
    ) -> Result<SendOutcome, DeskError> {
        let Reply {
            connection,
            conversation_id,
            reply_id,
            model,
            call,
            text: initial,
            reasoning: initial_reasoning,
            search_sources: initial_sources,
        } = reply;
        let stop = self.register_stream(&reply_id);
        let host = host_of(connection.client.base_url());
        let started = Instant::now();
        let mut text = initial;
        let mut reasoning = initial_reasoning;
        let mut sources = initial_sources;
        let mut tools = ToolCallAssembler::default();
        let mut usage = None;
        let mut request_id = None;
        // The last finish reason the stream gave (only the last event carries one).
        let mut finish_reason: Option<String> = None;
        // An app's session, kept for the conversation's next prompt as soon as it is known.
        let mut app = match &call {
            Call::App(request) => Some(crate::assistants::AppStream::new(request)),
            Call::Chat(_) => None,
        };
        // Whether the reply holds anything (text or thinking) that a failure must keep.
        let kept = |text: &str, reasoning: &str| !text.is_empty() || !reasoning.is_empty();

        let ending = {
            let opened = tokio::select! {
                opened = call.open(&connection.client, |notice| {
                    on_update(StreamUpdate::Retrying {
                        attempt: notice.next_attempt,
                        delay_ms: u64::try_from(notice.delay.as_millis()).unwrap_or(u64::MAX),
                        reason: notice.reason.clone(),
                    });
                }) => Some(opened),
                () = stop.notified() => None,
            };
            match opened {
                // A continued reply keeps its earlier text, so it stays partial rather than failed.
                None => Ending {
                    status: if kept(&text, &reasoning) {
                        MessageStatus::Partial
                    } else {
                        MessageStatus::Failed
                    },
                    error: Some(DeskError::new(
                        ErrorCode::Cancelled,
                        "stopped before the reply began",
                    )),
                },
                Some(Err(error)) => Ending {
                    status: if kept(&text, &reasoning) {
                        MessageStatus::Partial
                    } else {
                        MessageStatus::Failed
                    },
                    error: Some(DeskError::from(error).at_host(host.as_deref())),
                },
                Some(Ok(mut stream)) => {
                    let mut last_save = Instant::now();
                    loop {
                        let next = tokio::select! {
                            next = stream.next() => next,
                            () = stop.notified() => {
                                break Ending {
                                    status: MessageStatus::Partial,
                                    error: Some(DeskError::new(ErrorCode::Cancelled, "stopped by the user")),
                                };
                            }
                        };
                        match next {
                            None => {
                                break Ending {
                                    status: MessageStatus::Complete,
                                    error: None,
                                };
                            }
                            Some(Ok(chunk)) => {
                                usage = chunk.usage.map(to_store_usage).or(usage);
                                request_id = chunk.request_id.or(request_id);
                                if chunk.finish_reason.is_some() {
                                    finish_reason = chunk.finish_reason;
                                }
                                let mut changed = false;
                                let mut save_now = false;
                                if let Some(info) = &chunk.search_info {
                                    let found = search_sources(info);
                                    if !found.is_empty() && found != sources {
                                        sources = found;
                                        on_update(StreamUpdate::SearchSources {
                                            sources: sources.clone(),
                                        });
                                        // Sources come once, first: saved at once.
                                        save_now = true;
                                        changed = true;
                                    }
                                }
                                if let Some(app) = &mut app {
                                    app.keep_session(
                                        self,
                                        &conversation_id,
                                        chunk.session_id.as_deref(),
                                    );
                                    // Thoughts and references come whole, rarely: saved at once.
                                    if app.absorb(
                                        &chunk.thoughts,
                                        &chunk.doc_references,
                                        &mut reasoning,
                                        &mut sources,
                                        &mut on_update,
                                    ) {
                                        changed = true;
                                        save_now = true;
                                    }
                                }
                                if !chunk.reasoning_delta.is_empty() {
                                    reasoning.push_str(&chunk.reasoning_delta);
                                    on_update(StreamUpdate::Reasoning {
                                        text: chunk.reasoning_delta,
                                    });
                                    changed = true;
                                }
                                for fragment in chunk.tool_call_fragments {
                                    tools.push(fragment);
                                }
                                if !chunk.delta.is_empty() {
                                    text.push_str(&chunk.delta);
                                    on_update(StreamUpdate::Delta { text: chunk.delta });
                                    changed = true;
                                }
                                if changed && (save_now || last_save.elapsed() >= SAVE_INTERVAL) {
                                    let saved = self.store().save_streaming_reply(
                                        &reply_id,
                                        &text,
                                        (!reasoning.is_empty()).then_some(reasoning.as_str()),
                                        &sources,
                                    );
                                    if let Err(error) = saved {
                                        tracing::warn!(%error, "could not save the streaming reply; will retry at the end");
                                    }
                                    last_save = Instant::now();
                                }
                            }
                            Some(Err(error)) => {
                                let error = DeskError::from(error).at_host(host.as_deref());
                                let status = if kept(&text, &reasoning) {
                                    MessageStatus::Partial
                                } else {
                                    MessageStatus::Failed
                                };
                                break Ending {
                                    status,
                                    error: Some(error),
                                };
                            }
                        }
                    }
                }
            }
        };
        self.unregister_stream(&reply_id);

        let complete = ending.status == MessageStatus::Complete;
        let assembled: Vec<ToolCall> = tools
            .finish()
            .into_iter()
            .map(|call| ToolCall {
                id: call.id,
                name: call.name,
                arguments: call.arguments,
            })
            .collect();
        // Calls whose stream was cut are not kept: their arguments may be cut too, and a call
        // stored would invite results for a request the model never finished.
        let tool_calls = if complete {
            assembled
        } else {
            if !assembled.is_empty() {
                tracing::warn!(reply = %reply_id, calls = assembled.len(), "tool calls cut mid-stream are dropped");
            }
            Vec::new()
        };
        // Only a reply that ended as the model meant has a reason; an unknown one is not kept.
        let finish_reason = finish_reason.filter(|_| complete).and_then(|reason| {
            let parsed = FinishReason::parse(&reason);
            if parsed.is_none() {
                tracing::info!(reply = %reply_id, %reason, "finish reason not recorded");
            }
            parsed
        });
        if !tool_calls.is_empty() {
            on_update(StreamUpdate::ToolCalls {
                calls: tool_calls.clone(),
            });
        }
        let cost_cny = reply_cost(&model, connection.demo, usage);
        let stored_request_id =
            request_id.or_else(|| ending.error.as_ref().and_then(|e| e.request_id.clone()));
        self.store().finish_reply(
            &reply_id,
            ReplyEnding {
                content: text.clone(),
                status: ending.status,
                usage,
                error: ending.error.as_ref().map(DeskError::to_message_error),
                request_id: stored_request_id,
                reasoning: (!reasoning.is_empty()).then_some(reasoning),
                search_sources: sources,
                tool_calls,
                cost_cny,
                finish_reason,
            },
        )?;
        self.record_usage(chat_usage(
            &model,
            connection.demo,
            &conversation_id,
            &reply_id,
            usage,
            started.elapsed(),
            ending.status,
            ending.error.as_ref(),
        ));
        match &ending.error {
            Some(error) => {
                tracing::warn!(reply = %reply_id, status = ?ending.status, code = error.code.as_str(), %error, "reply did not complete")
            }
            None => tracing::info!(reply = %reply_id, chars = text.len(), "reply complete"),
        }
        on_update(StreamUpdate::Finished {
            status: ending.status,
            usage,
            error: ending.error.clone(),
            cost_cny,
            finish_reason,
        });
        let outcome = SendOutcome {
            conversation_id,
            assistant_message_id: reply_id,
            status: ending.status,
            budget: self.budget_notice(),
        };
        match ending.error {
            Some(error) if error.code != ErrorCode::Cancelled => Err(error),
            _ => Ok(outcome),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_results_become_sources() {
        let info = serde_json::json!({"search_results": [
            {"index": 2, "title": "T", "url": "https://a.example/", "site_name": "A", "icon": ""},
            {"title": "no url"},
            {"url": "https://b.example/"}
        ]});
        let sources = search_sources(&info);
        assert_eq!(sources.len(), 2);
        assert_eq!(
            (sources[0].index, sources[0].site_name.as_deref()),
            (2, Some("A"))
        );
        assert_eq!((sources[1].index, sources[1].title.as_str()), (3, ""));
        assert!(search_sources(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn attachments_are_checked_before_anything_is_stored() {
        let png = NewAttachment {
            mime: "image/jpeg".into(),
            base64: base64::engine::general_purpose::STANDARD
                .encode([0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        };
        let decoded = decode_attachments(std::slice::from_ref(&png)).expect("png");
        assert_eq!(decoded[0].mime, "image/png", "the bytes decide the type");
        for (bad, why) in [
            (
                NewAttachment {
                    mime: "image/png".into(),
                    base64: "not base64!".into(),
                },
                "not base64",
            ),
            (
                NewAttachment {
                    mime: "image/png".into(),
                    base64: base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.7"),
                },
                "is not a PNG",
            ),
            (
                NewAttachment {
                    mime: "image/jpeg".into(),
                    base64: base64::engine::general_purpose::STANDARD.encode({
                        let mut huge = vec![0xFF, 0xD8, 0xFF];
                        huge.resize(MAX_ATTACHMENT_BYTES + 1, 0);
                        huge
                    }),
                },
                "at most 10 MB",
            ),
        ] {
            let error = decode_attachments(&[png.clone(), bad]).expect_err(why);
            assert_eq!(error.code, ErrorCode::BadRequest);
            assert!(
                error.message.starts_with("attachment 2 ") && error.message.contains(why),
                "{}",
                error.message
            );
        }
    }

    /// Stored images are checked again on the way out; one that no longer reads fails the reply
    /// (with its code) instead of leaving it streaming.
    #[test]
    fn a_request_that_cannot_be_built_fails_its_placeholder() {
        let mut store = Store::open_in_memory().expect("store");
        let conversation = store
            .create_conversation("x", "qwen-vl-plus")
            .expect("conversation");
        let turn = store
            .insert_messages(
                &conversation.id,
                &[
                    NewMessage {
                        role: MessageRole::User,
                        content: "look".into(),
                        status: MessageStatus::Complete,
                        model: None,
                        demo: false,
                        attachments: vec![AttachmentData {
                            mime: "image/png".into(),
                            bytes: b"no longer an image".to_vec(),
                        }],
                        tool_call_id: None,
                    },
                    assistant_placeholder("qwen-vl-plus", false),
                ],
            )
            .expect("insert");
        let info = bailian::lookup("qwen-vl-plus");
        let Err(error) = request_for(&store, &info, &conversation, &turn[0].id, &turn[1].id) else {
            panic!("the image does not read");
        };
        let reply = store.message(&turn[1].id).expect("reply");
        assert_eq!(reply.status, MessageStatus::Failed);
        assert_eq!(
            reply.error.map(|e| e.code),
            Some(error.code.as_str().to_owned())
        );
        // A text model never reads the image, so the same path builds.
        let text_only = bailian::lookup("qwen-plus");
        let request = build_request(
            &store,
            &text_only,
            &ChatParams::default(),
            &store.path_to(&turn[0].id).expect("path"),
        )
        .expect("text only");
        assert!(request.request.messages[0].images.is_empty());
    }

    /// Only the images of turns that are sent are read and encoded: in a thread longer than the
    /// model's context, an old turn's image (here one that no longer reads, which would fail the
    /// request if it were read) is left out with its turn, not loaded and then dropped.
    #[test]
    fn images_of_turns_left_out_of_the_context_are_never_read() {
        let mut store = Store::open_in_memory().expect("store");
        let conversation = store
            .create_conversation("x", "qwen-vl-plus")
            .expect("conversation");
        let info = bailian::lookup("qwen-vl-plus");
        // Four messages of a third of the context each: the two newest fit beside the reply's
        // room, the two before them and the image turn do not.
        let third = u64::from(info.max_context_tokens) / 3;
        let filler = "word ".repeat(usize::try_from(third * 3 / 5 + 100).expect("small"));
        assert!(bailian::limiter::estimate_tokens(&filler) > third);
        let said = |role, content: &str, attachments| NewMessage {
            role,
            content: content.to_owned(),
            status: MessageStatus::Complete,
            model: None,
            demo: false,
            attachments,
            tool_call_id: None,
        };
        let broken = vec![AttachmentData {
            mime: "image/png".into(),
            bytes: b"no longer an image".to_vec(),
        }];
        let fine = vec![AttachmentData {
            mime: "image/png".into(),
            // A PNG's signature is what makes it one to the sniffer.
            bytes: vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
        }];
        let thread = store
            .insert_messages(
                &conversation.id,
                &[
                    said(MessageRole::User, "look", broken),
                    said(MessageRole::Assistant, "a cat", Vec::new()),
                    said(MessageRole::User, &filler, Vec::new()),
                    said(MessageRole::Assistant, &filler, Vec::new()),
                    said(MessageRole::User, &filler, fine),
                    said(MessageRole::Assistant, &filler, Vec::new()),
                    said(MessageRole::User, "and now?", Vec::new()),
                    assistant_placeholder("qwen-vl-plus", false),
                ],
            )
            .expect("insert");
        let Ok(Call::Chat(FittedRequest { request, left_out })) =
            request_for(&store, &info, &conversation, &thread[6].id, &thread[7].id)
        else {
            panic!("the request builds without the old image");
        };
        assert_eq!(left_out, 4);
        let sent: Vec<&str> = request
            .messages
            .iter()
            .map(|m| m.content.as_str())
            .collect();
        assert_eq!(sent, [filler.as_str(), &filler, "and now?"]);
        // The kept turn's image is read and sent as data.
        assert_eq!(request.messages[0].images.len(), 1);
        assert!(request.messages[0].images[0].starts_with("data:image/png;base64,"));
    }

    #[test]
    fn titles_are_the_first_line_shortened() {
        assert_eq!(title_from("\n  Hello world \nmore"), "Hello world");
        let long = "字".repeat(60);
        assert_eq!(title_from(&long).chars().count(), TITLE_CHARS + 1);
    }
}
