//! The user's preferences (language, theme, default model and parameters, reading aloud), kept as
//! one JSON document in the store's settings table, and the checks every chat parameter passes
//! wherever it is set (settings, a conversation, a new conversation).

use bailian::registry::{ModelKind, Thinking};
use desk_store::{ChatParams, ResponseFormat, ToolChoice};
use serde::{Deserialize, Serialize};

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

/// The settings table key of the preferences document.
pub const SETTING_PREFERENCES: &str = "app.preferences";

/// DashScope's temperature range is `[0, 2)` (reference §2.1): 2 itself is refused by the API.
pub const MAX_TEMPERATURE_EXCLUSIVE: f64 = 2.0;

/// A system prompt longer than this is almost certainly a paste gone wrong; it would also be
/// resent with every message.
pub const MAX_SYSTEM_PROMPT_CHARS: usize = 32_768;

/// Longest voice or model name accepted.
const MAX_NAME_CHARS: usize = 128;

/// The largest seed DashScope takes: `0 … 2^31−1` (reference §2.1).
pub const MAX_SEED: i64 = (1 << 31) - 1;

/// At most this many stop strings (the OpenAI-compatible limit DashScope follows).
pub const MAX_STOP_STRINGS: usize = 4;

/// A function name as the API takes it: 1 to 64 letters, digits, `_` or `-` (the OpenAI-style
/// `tools` rule DashScope follows, reference §2.1).
const MAX_TOOL_NAME_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UiLanguage {
    /// Follow the operating system.
    #[default]
    #[serde(rename = "system")]
    System,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// A profile's preferences. Missing fields (a document written by an older version) take their
/// defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub language: UiLanguage,
    pub theme: Theme,
    /// The model of new conversations; `None` uses the configured default.
    pub default_model: Option<String>,
    /// The parameters of new conversations.
    pub default_params: ChatParams,
    /// Read replies aloud as they stream.
    pub read_aloud: bool,
    /// The CosyVoice voice to read with; `None` for the default voice.
    pub voice: Option<String>,
}

fn invalid(message: impl Into<String>) -> DeskError {
    DeskError::new(ErrorCode::BadRequest, message)
}

/// `text` trimmed, or `None` when nothing is left.
fn trimmed(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// `params` checked, with the system prompt trimmed (and dropped when blank).
pub(crate) fn checked_params(params: &ChatParams) -> Result<ChatParams, DeskError> {
    if let Some(t) = params.temperature
        && !(t.is_finite() && (0.0..MAX_TEMPERATURE_EXCLUSIVE).contains(&t))
    {
        return Err(invalid(format!(
            "the temperature must be at least 0 and below {MAX_TEMPERATURE_EXCLUSIVE}; got {t}"
        )));
    }
    checked_output_params(params)?;
    let system_prompt = trimmed(params.system_prompt.as_deref());
    if let Some(prompt) = &system_prompt
        && prompt.chars().count() > MAX_SYSTEM_PROMPT_CHARS
    {
        return Err(invalid(format!(
            "the system prompt has {} characters; at most {MAX_SYSTEM_PROMPT_CHARS} are allowed",
            prompt.chars().count()
        )));
    }
    Ok(ChatParams {
        system_prompt,
        ..params.clone()
    })
}

/// The checks of the output parameters that do not depend on the model: tool names, their
/// parameters' schema, the forced tool, the stop strings, the seed and a positive token limit.
fn checked_output_params(params: &ChatParams) -> Result<(), DeskError> {
    let mut names = std::collections::HashSet::new();
    for (index, tool) in params.tools.iter().enumerate() {
        let number = index + 1;
        let name = &tool.name;
        let valid = (1..=MAX_TOOL_NAME_CHARS).contains(&name.chars().count())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(invalid(format!(
                "tool {number} is named {name:?}; a tool name is 1 to {MAX_TOOL_NAME_CHARS} letters, digits, '_' or '-'"
            )));
        }
        if !names.insert(name.as_str()) {
            return Err(invalid(format!("two tools are named {name:?}")));
        }
        if !tool.parameters.is_object() {
            return Err(invalid(format!(
                "the parameters of tool {name:?} must be a JSON object (a JSON Schema such as {{\"type\": \"object\", \"properties\": {{}}}})"
            )));
        }
    }
    if let Some(ToolChoice::Function(name)) = &params.tool_choice
        && !params.tools.is_empty()
        && !names.contains(name.as_str())
    {
        return Err(invalid(format!(
            "the tool choice names {name:?}, which is not one of the tools"
        )));
    }
    if params.stop.len() > MAX_STOP_STRINGS {
        return Err(invalid(format!(
            "{} stop strings; at most {MAX_STOP_STRINGS} are allowed",
            params.stop.len()
        )));
    }
    if params.stop.iter().any(String::is_empty) {
        return Err(invalid("a stop string is empty"));
    }
    if let Some(seed) = params.seed
        && !(0..=MAX_SEED).contains(&seed)
    {
        return Err(invalid(format!(
            "the seed must be from 0 to {MAX_SEED}; got {seed}"
        )));
    }
    if let Some(max) = params.max_tokens
        && max < 1
    {
        return Err(invalid(format!(
            "the token limit must be at least 1; got {max}"
        )));
    }
    Ok(())
}

fn unsupported(message: impl Into<String>) -> DeskError {
    DeskError::new(ErrorCode::UnsupportedByModel, message)
}

/// The checks of the parameters against the model that will answer (they change when the model
/// does): tools only for a model the registry says can call them, the token limit within the
/// model's output limit, and neither JSON output nor a forced tool while the model thinks (Model
/// Studio's structured-output and function-calling pages; not in the wire reference, which says
/// nothing either way, and a refusal here costs nothing while the API's costs a round trip).
/// Apps take neither tools nor JSON output: the Apps API has no such fields.
pub(crate) fn checked_for_model(params: &ChatParams, model: &str) -> Result<(), DeskError> {
    let json = params.response_format == ResponseFormat::JsonObject;
    if crate::assistants::app_id_of(model).is_some() {
        if !params.tools.is_empty() || json {
            return Err(unsupported(format!(
                "{model} is an assistant (a Bailian App); it takes neither tools nor JSON output"
            )));
        }
        return Ok(());
    }
    let info = bailian::lookup(model);
    if !params.tools.is_empty() && info.known && !info.tools {
        return Err(unsupported(format!(
            "{model} cannot call tools; remove them or choose a model that can, such as qwen-plus"
        )));
    }
    if let Some(max) = params.max_tokens
        && info.max_output_tokens > 0
        && max > i64::from(info.max_output_tokens)
    {
        return Err(invalid(format!(
            "{model} writes at most {} tokens; the token limit is {max}",
            info.max_output_tokens
        )));
    }
    let thinks = match info.thinking {
        Thinking::Unsupported => false,
        Thinking::Required => true,
        Thinking::Optional { default_on } => params.enable_thinking.unwrap_or(default_on),
    };
    if thinks && json {
        return Err(unsupported(format!(
            "{model} cannot give JSON output while it thinks; switch thinking off"
        )));
    }
    if thinks
        && !params.tools.is_empty()
        && matches!(params.tool_choice, Some(ToolChoice::Function(_)))
    {
        return Err(unsupported(format!(
            "{model} cannot be made to call a given tool while it thinks; switch thinking off or let it choose (auto)"
        )));
    }
    Ok(())
}

/// JSON output needs the word "JSON" (any case) in what the model reads: DashScope refuses
/// `response_format: json_object` otherwise (reference §2.1). `texts` are the messages sent.
pub(crate) fn checked_json_mention<'a>(
    params: &ChatParams,
    texts: impl IntoIterator<Item = &'a str>,
) -> Result<(), DeskError> {
    if params.response_format != ResponseFormat::JsonObject {
        return Ok(());
    }
    let mentions = |text: &str| text.to_lowercase().contains("json");
    if params.system_prompt.as_deref().is_some_and(mentions) || texts.into_iter().any(mentions) {
        return Ok(());
    }
    Err(invalid(
        "JSON output needs the word \"JSON\" in the system prompt or the prompt (the API refuses it otherwise); the system prompt is the place that covers every prompt",
    ))
}

/// A model name for chat: not blank, not absurdly long, not a model the registry knows to be
/// something other than a chat model (an image or speech model).
pub(crate) fn checked_chat_model(model: &str) -> Result<String, DeskError> {
    let model = model.trim();
    if model.is_empty() {
        return Err(invalid("the model name is empty"));
    }
    if model.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "the model name is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    if bailian::lookup(model).kind != ModelKind::Chat {
        return Err(invalid(format!("{model} is not a chat model")));
    }
    Ok(model.to_owned())
}

fn checked(settings: Settings) -> Result<Settings, DeskError> {
    let default_model = settings
        .default_model
        .as_deref()
        .map(checked_chat_model)
        .transpose()?;
    let voice = match settings.voice.as_deref() {
        None => None,
        Some(voice) => {
            let voice = voice.trim();
            if voice.is_empty() {
                return Err(invalid(
                    "the voice name is empty; use null for the default voice",
                ));
            }
            if voice.chars().count() > MAX_NAME_CHARS {
                return Err(invalid(format!(
                    "the voice name is longer than {MAX_NAME_CHARS} characters"
                )));
            }
            Some(voice.to_owned())
        }
    };
    Ok(Settings {
        default_model,
        default_params: checked_params(&settings.default_params)?,
        voice,
        ..settings
    })
}

impl Desk {
    /// The preferences, or the defaults where none are stored. A stored document that no longer
    /// reads is logged and replaced by the defaults rather than locking the user out.
    pub fn settings(&self) -> Result<Settings, DeskError> {
        let Some(text) = self.store().setting(SETTING_PREFERENCES)? else {
            return Ok(Settings::default());
        };
        match serde_json::from_str(&text) {
            Ok(settings) => Ok(settings),
            Err(error) => {
                tracing::error!(%error, "the stored preferences do not read; using the defaults");
                Ok(Settings::default())
            }
        }
    }

    /// Checks and stores `settings` whole, returning them as stored (names and the system prompt
    /// trimmed). Invalid settings are refused with `bad_request` and change nothing.
    pub fn update_settings(&self, settings: Settings) -> Result<Settings, DeskError> {
        let settings = checked(settings)?;
        let text = serde_json::to_string(&settings)
            .map_err(|e| DeskError::new(ErrorCode::Internal, format!("writing settings: {e}")))?;
        self.store().set_setting(SETTING_PREFERENCES, Some(&text))?;
        tracing::info!("settings updated");
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_document_that_no_longer_reads_gives_the_defaults() {
        let home = tempfile::tempdir().expect("tempdir");
        let desk = Desk::open(crate::DeskConfig::at(home.path())).expect("open");
        desk.store()
            .set_setting(SETTING_PREFERENCES, Some("{\"theme\": \"sepia\""))
            .expect("write");
        assert_eq!(desk.settings().expect("read"), Settings::default());
        let fixed = desk
            .update_settings(Settings {
                theme: Theme::Light,
                ..Settings::default()
            })
            .expect("a new document replaces it");
        assert_eq!(desk.settings().expect("read"), fixed);
    }

    #[test]
    fn the_wire_shape_is_the_ui_contract() {
        let json = serde_json::to_value(Settings::default()).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "language": "system",
                "theme": "system",
                "defaultModel": null,
                "defaultParams": {
                    "temperature": null,
                    "enableThinking": null,
                    "enableSearch": false,
                    "systemPrompt": null,
                    "tools": [],
                    "toolChoice": null,
                    "responseFormat": "text",
                    "seed": null,
                    "stop": [],
                    "maxTokens": null
                },
                "readAloud": false,
                "voice": null
            })
        );
        let chinese: Settings =
            serde_json::from_value(serde_json::json!({"language": "zh-CN", "theme": "dark"}))
                .expect("partial documents read");
        assert_eq!(
            (chinese.language, chinese.theme),
            (UiLanguage::ZhCn, Theme::Dark)
        );
    }
}
