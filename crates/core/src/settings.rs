//! The user's preferences (language, theme, default model and parameters, reading aloud), kept as
//! one JSON document in the store's settings table, and the checks every chat parameter passes
//! wherever it is set (settings, a conversation, a new conversation).

use bailian::registry::ModelKind;
use desk_store::ChatParams;
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
                    "systemPrompt": null
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
