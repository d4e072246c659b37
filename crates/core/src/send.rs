//! Sending a prompt: store it, stream the reply to the caller while saving it, and record how it
//! ended. Nothing the user typed or the model sent is lost on any failure path.

use std::time::{Duration, Instant};

use bailian::{ChatMessage, ChatRequest, Role};
use desk_store::{Message, MessageRole, MessageStatus, NewMessage, Usage};
use serde::{Deserialize, Serialize};

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

/// How often a streaming reply's text is written to disk: often enough that a crash loses at
/// most this much, rarely enough that a fast stream is not bound by fsync.
const SAVE_INTERVAL: Duration = Duration::from_millis(250);

/// Longest title derived from a first prompt.
const TITLE_CHARS: usize = 48;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    /// `None` starts a new conversation.
    pub conversation_id: Option<String>,
    pub prompt: String,
    /// `None` uses the conversation's model, or the default for a new one.
    pub model: Option<String>,
}

/// What the caller hears while a reply streams.
#[derive(Debug, Clone, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum StreamUpdate {
    /// The prompt and the reply's placeholder are stored.
    Started {
        conversation_id: String,
        user_message: Box<Message>,
        assistant_message: Box<Message>,
    },
    /// A cut reply is being continued in place; deltas append to its text.
    Resumed {
        conversation_id: String,
        assistant_message: Box<Message>,
    },
    /// Text added to the reply.
    Delta { text: String },
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
    title
}

/// The conversation as the model should see it: what was said, including the text kept from
/// interrupted replies, without failed placeholders.
fn history(messages: &[Message]) -> Vec<ChatMessage> {
    messages
        .iter()
        .filter(|m| !m.content.trim().is_empty())
        .filter(|m| matches!(m.status, MessageStatus::Complete | MessageStatus::Partial))
        .map(|m| {
            let role = match m.role {
                MessageRole::System => Role::System,
                MessageRole::User => Role::User,
                MessageRole::Assistant => Role::Assistant,
            };
            ChatMessage::new(role, m.content.clone())
        })
        .collect()
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
    request: ChatRequest,
    /// Text the stored message already holds (empty for a new reply).
    text: String,
}

/// How a stream ended, before it is recorded.
struct Ending {
    status: MessageStatus,
    error: Option<DeskError>,
}

impl Desk {
    /// Sends `request.prompt` and streams the reply through `on_update`. Resolves when the reply
    /// is complete, stopped by the user (`partial`), or failed; a failure after the prompt was
    /// stored is both reported in `Finished` and returned as the error.
    pub async fn send_message(
        &self,
        request: SendRequest,
        mut on_update: impl FnMut(StreamUpdate) + Send,
    ) -> Result<SendOutcome, DeskError> {
        let prompt = request.prompt.trim();
        if prompt.is_empty() {
            return Err(DeskError::new(
                ErrorCode::EmptyPrompt,
                "the prompt is empty",
            ));
        }
        let connection = self.connection()?;
        // A spent budget that blocks refuses before anything is stored or sent.
        self.check_budget(connection.demo)?;

        let (conversation_id, model, user_message, assistant_message, chat_history) = {
            let mut store = self.store();
            let conversation = match &request.conversation_id {
                Some(id) => store.conversation(id)?,
                None => store.create_conversation(
                    &title_from(prompt),
                    request
                        .model
                        .as_deref()
                        .unwrap_or(&self.config().default_model),
                )?,
            };
            let model = request
                .model
                .clone()
                .unwrap_or_else(|| conversation.model.clone());
            let mut inserted = store.insert_messages(
                &conversation.id,
                &[
                    NewMessage {
                        role: MessageRole::User,
                        content: prompt.to_owned(),
                        status: MessageStatus::Complete,
                        model: None,
                        demo: false,
                    },
                    NewMessage {
                        role: MessageRole::Assistant,
                        content: String::new(),
                        status: MessageStatus::Streaming,
                        model: Some(model.clone()),
                        demo: connection.demo,
                    },
                ],
            )?;
            let assistant = inserted
                .pop()
                .ok_or_else(|| DeskError::new(ErrorCode::Internal, "reply placeholder missing"))?;
            let user = inserted
                .pop()
                .ok_or_else(|| DeskError::new(ErrorCode::Internal, "prompt missing"))?;
            let all = store.messages(&conversation.id)?;
            let history: Vec<ChatMessage> = history(
                &all.into_iter()
                    .filter(|m| m.id != assistant.id)
                    .collect::<Vec<_>>(),
            );
            (conversation.id, model, user, assistant, history)
        };
        let reply_id = assistant_message.id.clone();
        tracing::info!(conversation = %conversation_id, reply = %reply_id, %model, demo = connection.demo, "sending prompt");
        on_update(StreamUpdate::Started {
            conversation_id: conversation_id.clone(),
            user_message: Box::new(user_message),
            assistant_message: Box::new(assistant_message),
        });

        let chat_request = ChatRequest::new(model.clone(), chat_history);
        self.stream_reply(
            Reply {
                connection,
                conversation_id,
                reply_id,
                model,
                request: chat_request,
                text: String::new(),
            },
            on_update,
        )
        .await
    }

    /// Continues a reply that was cut off (a broken stream, a stop, a crash), in the same message:
    /// the request carries the text so far as a `partial` assistant turn, so the model writes on
    /// from where it stopped instead of starting again.
    pub async fn continue_reply(
        &self,
        assistant_message_id: &str,
        mut on_update: impl FnMut(StreamUpdate) + Send,
    ) -> Result<SendOutcome, DeskError> {
        let connection = self.connection()?;
        self.check_budget(connection.demo)?;
        let (reply, history) = {
            let store = self.store();
            let reply = store.message(assistant_message_id).map_err(|_| {
                DeskError::new(
                    ErrorCode::BadRequest,
                    format!("message {assistant_message_id} does not exist"),
                )
            })?;
            if reply.role != MessageRole::Assistant
                || reply.status != MessageStatus::Partial
                || reply.content.is_empty()
            {
                return Err(DeskError::new(
                    ErrorCode::BadRequest,
                    "only a reply that was cut off, with some text, can be continued; regenerate it instead",
                ));
            }
            let before: Vec<Message> = store
                .messages(&reply.conversation_id)?
                .into_iter()
                .take_while(|m| m.id != reply.id)
                .collect();
            let reopened = store.reopen_for_continuation(&reply.id)?;
            (reopened, history(&before))
        };
        let mut messages = history;
        messages.push(ChatMessage {
            partial: true,
            ..ChatMessage::new(Role::Assistant, reply.content.clone())
        });
        let model = reply
            .model
            .clone()
            .unwrap_or_else(|| self.config().default_model.clone());
        tracing::info!(reply = %reply.id, chars = reply.content.len(), "continuing a cut reply");
        let conversation_id = reply.conversation_id.clone();
        let text = reply.content.clone();
        let reply_id = reply.id.clone();
        on_update(StreamUpdate::Resumed {
            conversation_id: conversation_id.clone(),
            assistant_message: Box::new(reply),
        });
        self.stream_reply(
            Reply {
                connection,
                conversation_id,
                reply_id,
                model: model.clone(),
                request: ChatRequest::new(model, messages),
                text,
            },
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
            request: chat_request,
            text: initial,
        } = reply;
        let stop = self.register_stream(&reply_id);
        let host = host_of(connection.client.base_url());
        let started = Instant::now();
        let mut text = initial;
        let mut usage = None;
        let mut request_id = None;

        let ending = {
            let opened = tokio::select! {
                opened = connection.client.chat_stream_observed(&chat_request, |notice| {
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
                    status: if text.is_empty() {
                        MessageStatus::Failed
                    } else {
                        MessageStatus::Partial
                    },
                    error: Some(DeskError::new(
                        ErrorCode::Cancelled,
                        "stopped before the reply began",
                    )),
                },
                Some(Err(error)) => Ending {
                    status: if text.is_empty() {
                        MessageStatus::Failed
                    } else {
                        MessageStatus::Partial
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
                                if !chunk.delta.is_empty() {
                                    text.push_str(&chunk.delta);
                                    on_update(StreamUpdate::Delta { text: chunk.delta });
                                    if last_save.elapsed() >= SAVE_INTERVAL {
                                        if let Err(error) =
                                            self.store().save_streaming_text(&reply_id, &text)
                                        {
                                            tracing::warn!(%error, "could not save the streaming reply; will retry at the end");
                                        }
                                        last_save = Instant::now();
                                    }
                                }
                            }
                            Some(Err(error)) => {
                                let error = DeskError::from(error).at_host(host.as_deref());
                                let status = if text.is_empty() {
                                    MessageStatus::Failed
                                } else {
                                    MessageStatus::Partial
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

        let stored_error = ending.error.as_ref().map(DeskError::to_message_error);
        let stored_request_id =
            request_id.or_else(|| ending.error.as_ref().and_then(|e| e.request_id.clone()));
        self.store().finish_message(
            &reply_id,
            &text,
            ending.status,
            usage,
            stored_error.as_ref(),
            stored_request_id.as_deref(),
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
    fn titles_are_the_first_line_shortened() {
        assert_eq!(title_from("\n  Hello world \nmore"), "Hello world");
        let long = "字".repeat(60);
        assert_eq!(title_from(&long).chars().count(), TITLE_CHARS + 1);
    }
}
