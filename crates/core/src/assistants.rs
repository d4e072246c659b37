//! Bailian Apps (agents and workflows built in the console) as assistants beside the models.
//!
//! An assistant is an `app_id` with a name, kept in the profile's settings table. Chatting with
//! one is sending with `SendRequest.model = "app:<app_id>"`: the conversation's model is then
//! `app:<app_id>`, so its later prompts, regenerated replies and edits go to the app through the
//! same tree, storing and streaming path as any model ([`crate::send`]). What differs is the
//! request: the app keeps the conversation's memory itself, behind the `session_id` it returns,
//! which is kept per conversation in the store and sent back with the next prompt; the app's
//! thoughts become the reply's `reasoning` and its document references its `searchSources`.
//!
//! The app's memory is linear: a regenerated reply or an edited prompt continues the same
//! session, so the app has also seen the branch left behind.

use bailian::AppRequest;
use desk_store::{SearchSource, Store};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};
use crate::send::StreamUpdate;

/// `SendRequest.model` for an assistant: `app:` and its app id.
pub const APP_MODEL_PREFIX: &str = "app:";
/// The settings table key of the assistants list (JSON).
pub const SETTING_ASSISTANTS: &str = "app.assistants";
/// Longest app id and name accepted (console ids are 32 hex characters).
const MAX_ID_CHARS: usize = 128;
const MAX_NAME_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assistant {
    pub app_id: String,
    pub name: String,
    /// What `SendRequest.model` takes to chat with it: `app:<app_id>`.
    pub model: String,
    pub added_at: i64,
}

/// The app id a model name designates, for `app:<app_id>`.
pub fn app_id_of(model: &str) -> Option<&str> {
    model
        .trim()
        .strip_prefix(APP_MODEL_PREFIX)
        .map(str::trim)
        .filter(|id| !id.is_empty())
}

fn invalid(message: impl Into<String>) -> DeskError {
    DeskError::new(ErrorCode::BadRequest, message)
}

/// An app id as the Apps API takes it in its path: letters, digits, `-` and `_`.
fn checked_app_id(app_id: &str) -> Result<String, DeskError> {
    let id = app_id.trim();
    let id = id.strip_prefix(APP_MODEL_PREFIX).unwrap_or(id).trim();
    if id.is_empty()
        || id.chars().count() > MAX_ID_CHARS
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(invalid(format!(
            "{app_id:?} is not an app id (letters, digits, - and _, as the Bailian console shows it)"
        )));
    }
    Ok(id.to_owned())
}

impl Desk {
    /// The assistants, in the order they were added.
    pub fn assistants(&self) -> Result<Vec<Assistant>, DeskError> {
        let Some(text) = self.store().setting(SETTING_ASSISTANTS)? else {
            return Ok(Vec::new());
        };
        serde_json::from_str(&text).map_err(|e| {
            DeskError::new(
                ErrorCode::Storage,
                format!("the stored assistants list does not read: {e}"),
            )
        })
    }

    /// Adds an assistant, or renames the one with this app id. The app is not called: whether the
    /// id exists and the key may use it shows at the first message.
    pub fn add_assistant(&self, app_id: &str, name: &str) -> Result<Assistant, DeskError> {
        let app_id = checked_app_id(app_id)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("the assistant's name is empty"));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(invalid(format!(
                "the assistant's name is longer than {MAX_NAME_CHARS} characters"
            )));
        }
        let mut list = self.assistants()?;
        let assistant = match list.iter_mut().find(|a| a.app_id == app_id) {
            Some(existing) => {
                existing.name = name.to_owned();
                existing.clone()
            }
            None => {
                let assistant = Assistant {
                    model: format!("{APP_MODEL_PREFIX}{app_id}"),
                    app_id,
                    name: name.to_owned(),
                    added_at: desk_store::now_ms(),
                };
                list.push(assistant.clone());
                assistant
            }
        };
        self.save_assistants(&list)?;
        Ok(assistant)
    }

    /// Removes an assistant from the list; `false` when there was none with this id. Its
    /// conversations stay and can still be continued.
    pub fn remove_assistant(&self, app_id: &str) -> Result<bool, DeskError> {
        let app_id = checked_app_id(app_id)?;
        let mut list = self.assistants()?;
        let before = list.len();
        list.retain(|a| a.app_id != app_id);
        if list.len() == before {
            return Ok(false);
        }
        self.save_assistants(&list)?;
        Ok(true)
    }

    fn save_assistants(&self, list: &[Assistant]) -> Result<(), DeskError> {
        let text = serde_json::to_string(list)
            .map_err(|e| DeskError::new(ErrorCode::Internal, e.to_string()))?;
        self.store().set_setting(SETTING_ASSISTANTS, Some(&text))?;
        Ok(())
    }
}

/// Refuses `app:` with a bad or missing id before anything is stored; other models pass.
pub(crate) fn checked_model(model: &str) -> Result<(), DeskError> {
    if model.trim().starts_with(APP_MODEL_PREFIX) {
        checked_app_id(model)?;
    }
    Ok(())
}

/// An app's reply while it streams: what its chunks carry that a model's do not.
pub(crate) struct AppStream {
    app_id: String,
    /// The session stored for the conversation (the one sent, until the app names one).
    session: Option<String>,
}

impl AppStream {
    pub(crate) fn new(request: &AppRequest) -> Self {
        Self {
            app_id: request.app_id.clone(),
            session: request.session_id.clone(),
        }
    }

    /// Stores the session the app named, at once: a reply cut later still leaves the next
    /// prompt in the same session. A failure to store it costs the app's memory, not the reply.
    /// Apps repeat the session in every chunk; the store is touched only when it changes.
    pub(crate) fn keep_session(
        &mut self,
        desk: &Desk,
        conversation_id: &str,
        session_id: Option<&str>,
    ) {
        let Some(session_id) = session_id.filter(|s| !s.is_empty()) else {
            return;
        };
        if self.session.as_deref() == Some(session_id) {
            return;
        }
        let kept = desk
            .store()
            .set_app_session(conversation_id, &self.app_id, session_id);
        match kept {
            Ok(()) => self.session = Some(session_id.to_owned()),
            Err(error) => {
                tracing::warn!(%error, app = %self.app_id, "could not keep the app's session")
            }
        }
    }

    /// Takes the app's thoughts (resent whole as they grow) as the reply's reasoning and its
    /// document references as its sources, telling the caller what is new. Returns whether
    /// either changed.
    pub(crate) fn absorb(
        &mut self,
        thoughts: &[Value],
        references: &[Value],
        reasoning: &mut String,
        sources: &mut Vec<SearchSource>,
        on_update: &mut impl FnMut(StreamUpdate),
    ) -> bool {
        let mut changed = false;
        let text = thoughts_text(thoughts);
        if !text.is_empty() && text != *reasoning {
            match text.strip_prefix(reasoning.as_str()) {
                Some(added) => on_update(StreamUpdate::Reasoning {
                    text: added.to_owned(),
                }),
                // Updates append; a rewritten list reaches the caller with the finished reply.
                None => tracing::debug!("the app rewrote its thoughts"),
            }
            *reasoning = text;
            changed = true;
        }
        let found = reference_sources(references);
        if !found.is_empty() && found != *sources {
            *sources = found;
            on_update(StreamUpdate::SearchSources {
                sources: sources.clone(),
            });
            changed = true;
        }
        changed
    }
}

/// The request answering the prompt `prompt_id` with the app: the prompt's text, and the session
/// the app gave this conversation, if any. Apps take text only (attachments are refused earlier:
/// `app:` models have no vision).
pub(crate) fn app_request(
    store: &Store,
    conversation_id: &str,
    app_id: &str,
    prompt_id: &str,
) -> Result<AppRequest, DeskError> {
    let app_id = checked_app_id(app_id)?;
    let prompt = store.message(prompt_id)?.content;
    if prompt.trim().is_empty() {
        return Err(DeskError::new(
            ErrorCode::EmptyPrompt,
            "an assistant needs a prompt with words",
        ));
    }
    Ok(AppRequest {
        session_id: store.app_session(conversation_id, &app_id)?,
        app_id,
        prompt,
        has_thoughts: true,
        biz_params: None,
    })
}

/// The app's thoughts as readable text for the reply's reasoning: each step's thought, then the
/// action it took and what it observed.
pub(crate) fn thoughts_text(thoughts: &[Value]) -> String {
    let text = |thought: &Value, key: &str| {
        thought
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    thoughts
        .iter()
        .filter_map(|thought| {
            let mut lines = Vec::new();
            if let Some(t) = text(thought, "thought").or_else(|| text(thought, "reasoning_content"))
            {
                lines.push(t);
            }
            let action = text(thought, "action_name").or_else(|| text(thought, "action"));
            let result = text(thought, "observation").or_else(|| text(thought, "response"));
            match (action, result) {
                (Some(action), Some(result)) => lines.push(format!("[{action}] {result}")),
                (Some(action), None) => lines.push(format!("[{action}]")),
                (None, Some(result)) => lines.push(result),
                (None, None) => {}
            }
            (!lines.is_empty()).then(|| lines.join("\n"))
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The documents the app cited, as the reply's sources. A document has a URL only when the
/// knowledge base gave one (`doc_url`); otherwise `bailian-doc:<doc_id>`, which names it without
/// pretending to be a link (the UI links only http(s) URLs). `siteName` carries the file name.
pub(crate) fn reference_sources(references: &[Value]) -> Vec<SearchSource> {
    references
        .iter()
        .enumerate()
        .filter_map(|(position, item)| {
            let text = |key: &str| {
                item.get(key)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            let url = text("doc_url")
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                .or_else(|| text("doc_id").map(|id| format!("bailian-doc:{id}")))?;
            let index = text("index_id")
                .and_then(|i| i.parse::<u32>().ok())
                .unwrap_or_else(|| u32::try_from(position + 1).unwrap_or(u32::MAX));
            let doc_name = text("doc_name");
            Some(SearchSource {
                index,
                title: text("title")
                    .or_else(|| doc_name.clone())
                    .unwrap_or_default(),
                url,
                site_name: doc_name,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn app_models_and_ids() {
        assert_eq!(app_id_of("app:abc123"), Some("abc123"));
        assert_eq!(app_id_of(" app: abc "), Some("abc"));
        assert_eq!(app_id_of("app:"), None);
        assert_eq!(app_id_of("qwen-plus"), None);
        assert_eq!(checked_app_id("app:a_b-1").expect("ok"), "a_b-1");
        assert!(checked_app_id("../etc").is_err());
        assert!(checked_app_id("  ").is_err());
        assert!(checked_app_id(&"a".repeat(MAX_ID_CHARS + 1)).is_err());
    }

    #[test]
    fn thoughts_read_as_steps_and_references_as_sources() {
        let thoughts = json!([
            {"thought": "Look it up.", "action_name": "searchDocument", "observation": "1 document found"},
            {"action_type": "response", "response": "done"},
            {}
        ]);
        assert_eq!(
            thoughts_text(thoughts.as_array().expect("list")),
            "Look it up.\n[searchDocument] 1 document found\n\ndone"
        );
        let refs = json!([
            {"index_id": "1", "title": "Handbook", "doc_id": "d1", "doc_name": "handbook.md"},
            {"doc_id": "d2", "doc_name": "notes.pdf", "doc_url": "https://example.com/notes.pdf"},
            {"title": "no id"}
        ]);
        let sources = reference_sources(refs.as_array().expect("list"));
        assert_eq!(sources.len(), 2);
        assert_eq!(
            (
                sources[0].index,
                sources[0].title.as_str(),
                sources[0].url.as_str()
            ),
            (1, "Handbook", "bailian-doc:d1")
        );
        assert_eq!(sources[0].site_name.as_deref(), Some("handbook.md"));
        assert_eq!(
            (
                sources[1].index,
                sources[1].title.as_str(),
                sources[1].url.as_str()
            ),
            (2, "notes.pdf", "https://example.com/notes.pdf")
        );
    }
}
