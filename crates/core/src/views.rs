//! What the app's screens ask for in the shape they show it: models for the picker, a connection
//! check for onboarding, media as bytes with their type. The CLI prints the same facts its own way
//! from the lower-level calls.

use bailian::registry::{Modality, ModelInfo, ModelKind, Price, Thinking};
use base64::Engine as _;
use desk_store::BackupInfo;
use serde::Serialize;

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};
use crate::speech::Transcript;

/// Largest recording the app sends for transcription (about an hour of 16 kHz mono PCM).
const MAX_AUDIO_BYTES: usize = 128 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThinkingSupport {
    None,
    Optional,
    Required,
}

/// One model for the picker: what it accepts and costs, from the registry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelView {
    pub id: String,
    pub family: String,
    pub kind: ModelKind,
    pub accepts_images: bool,
    pub accepts_video: bool,
    pub single_turn: bool,
    pub thinking: ThinkingSupport,
    pub search: bool,
    pub tools: bool,
    pub max_context_tokens: u32,
    pub max_output_tokens: u32,
    pub input_price_per1k: Option<f64>,
    pub output_price_per1k: Option<f64>,
    pub price_as_of: Option<String>,
    pub known: bool,
}

impl From<&ModelInfo> for ModelView {
    fn from(info: &ModelInfo) -> Self {
        let (input_price, output_price) = match info.price.map(|q| q.price) {
            Some(Price::PerThousandTokens { input, output }) => (Some(input), Some(output)),
            _ => (None, None),
        };
        Self {
            id: info.id.clone(),
            family: info.family.to_owned(),
            kind: info.kind,
            accepts_images: info.input.contains(&Modality::Image),
            accepts_video: info.input.contains(&Modality::Video),
            single_turn: info.single_turn,
            thinking: match info.thinking {
                Thinking::Unsupported => ThinkingSupport::None,
                Thinking::Optional { .. } => ThinkingSupport::Optional,
                Thinking::Required => ThinkingSupport::Required,
            },
            search: info.search,
            tools: info.tools,
            max_context_tokens: info.max_context_tokens,
            max_output_tokens: info.max_output_tokens,
            input_price_per1k: input_price,
            output_price_per1k: output_price,
            price_as_of: info.price.map(|q| q.as_of.to_owned()),
            known: info.known,
        }
    }
}

/// Whether the configured key works, with the error doctor's code when it does not.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionCheck {
    pub ok: bool,
    pub model_count: usize,
    pub error: Option<DeskError>,
}

/// Media for the UI: its type and its bytes in base64 (what crosses the IPC as text).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BinaryData {
    pub mime: String,
    pub base64: String,
}

impl BinaryData {
    pub fn new(mime: impl Into<String>, bytes: &[u8]) -> Self {
        Self {
            mime: mime.into(),
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }
}

impl Desk {
    /// The models this key can use, for the picker: the server's listing merged with the registry.
    pub async fn model_views(&self) -> Result<Vec<ModelView>, DeskError> {
        let models = self.models().await?;
        Ok(models.iter().map(ModelView::from).collect())
    }

    /// Lists the models with the configured key: the cheapest call that proves key, region and
    /// network. A failure is the answer, not an error.
    pub async fn test_connection(&self) -> ConnectionCheck {
        match self.models().await {
            Ok(models) => ConnectionCheck {
                ok: true,
                model_count: models.len(),
                error: None,
            },
            Err(error) => ConnectionCheck {
                ok: false,
                model_count: 0,
                error: Some(error),
            },
        }
    }

    /// Transcribes a recording or an audio file the app holds as bytes (a dictation, a dropped
    /// file). It is written to the profile's temporary folder for the duration of the call.
    pub async fn transcribe_audio(
        &self,
        file_name: &str,
        base64_audio: &str,
    ) -> Result<Transcript, DeskError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64_audio.trim())
            .map_err(|e| {
                DeskError::new(
                    ErrorCode::BadRequest,
                    format!("the audio is not base64: {e}"),
                )
            })?;
        if bytes.is_empty() || bytes.len() > MAX_AUDIO_BYTES {
            return Err(DeskError::new(
                ErrorCode::BadRequest,
                format!(
                    "the audio must have 1 byte to {} MB",
                    MAX_AUDIO_BYTES / (1024 * 1024)
                ),
            ));
        }
        // Only the extension of the caller's name is kept: it tells the format, and a name with
        // path separators must not choose where the file goes.
        let extension = std::path::Path::new(file_name)
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap_or("wav")
            .to_ascii_lowercase();
        let dir = self.config().home.join("tmp");
        std::fs::create_dir_all(&dir).map_err(|e| storage(&dir, e))?;
        let path = dir.join(format!("{}.{extension}", uuid_like()));
        std::fs::write(&path, &bytes).map_err(|e| storage(&path, e))?;
        let result = self.transcribe_file(&path, Vec::new(), |_| {}).await;
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(path = %path.display(), error = %e, "cannot delete a temporary recording");
        }
        result
    }

    /// Synthesises `text` as MP3.
    pub async fn speak_to_audio(
        &self,
        text: &str,
        voice: Option<&str>,
    ) -> Result<BinaryData, DeskError> {
        self.speak_to_audio_with_model(text, voice, None).await
    }

    /// Synthesises `text` with `model`: MP3 from CosyVoice (the default), WAV from Qwen-TTS
    /// (`qwen-tts*`, `qwen3-tts*`); the MIME type says which.
    pub async fn speak_to_audio_with_model(
        &self,
        text: &str,
        voice: Option<&str>,
        model: Option<&str>,
    ) -> Result<BinaryData, DeskError> {
        let format = crate::speech::default_speech_format(model);
        let mut audio = Vec::new();
        self.speak_with_model(text, model, voice, format, |chunk| {
            audio.extend_from_slice(chunk)
        })
        .await?;
        Ok(BinaryData::new(crate::speech::speech_mime(format), &audio))
    }

    /// A backup now, described as the backups list describes it.
    pub fn backup_now_info(&self) -> Result<BackupInfo, DeskError> {
        let path = self.backup_now()?;
        self.backups()?
            .into_iter()
            .find(|b| b.path == path)
            .ok_or_else(|| {
                DeskError::new(
                    ErrorCode::Storage,
                    format!(
                        "the backup {} was not found after writing it",
                        path.display()
                    ),
                )
            })
    }

    /// The usage ledger as CSV text.
    pub fn usage_csv_text(
        &self,
        since: Option<i64>,
        until: Option<i64>,
    ) -> Result<String, DeskError> {
        let mut out = Vec::new();
        self.usage_csv(since, until, &mut out)?;
        String::from_utf8(out)
            .map_err(|e| DeskError::new(ErrorCode::Internal, format!("the CSV is not UTF-8: {e}")))
    }
}

/// Where the app saves files the user asked for (exports, CSV, images): the system's downloads
/// folder, else `exports/` in the profile's data folder.
fn saves_dir(profile_home: &std::path::Path) -> std::path::PathBuf {
    dirs::download_dir().unwrap_or_else(|| profile_home.join("exports"))
}

/// `name` reduced to a plain file name: no folders, no control characters, not hidden.
fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "bailian-desk-file".to_owned()
    } else {
        cleaned
    }
}

impl Desk {
    /// Saves bytes the user asked to download (an export, the usage CSV, an image) into the
    /// downloads folder under `file_name`, never overwriting: `name (2).ext` when it exists. The
    /// webview cannot save a download by itself, so the app hands the file over here.
    pub fn save_file(
        &self,
        file_name: &str,
        base64_bytes: &str,
    ) -> Result<std::path::PathBuf, DeskError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64_bytes.trim())
            .map_err(|e| {
                DeskError::new(
                    ErrorCode::BadRequest,
                    format!("the file is not base64: {e}"),
                )
            })?;
        self.save_file_in(&saves_dir(&self.config().home), file_name, &bytes)
    }

    /// [`Desk::save_file`] into `dir`.
    pub fn save_file_in(
        &self,
        dir: &std::path::Path,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<std::path::PathBuf, DeskError> {
        std::fs::create_dir_all(dir).map_err(|e| storage(dir, e))?;
        let name = safe_file_name(file_name);
        let (stem, extension) = match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => (stem.to_owned(), format!(".{ext}")),
            _ => (name.clone(), String::new()),
        };
        for attempt in 1..1000 {
            let candidate = if attempt == 1 {
                dir.join(&name)
            } else {
                dir.join(format!("{stem} ({attempt}){extension}"))
            };
            // create_new: two saves at once cannot pick the same name.
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&candidate)
            {
                Ok(mut file) => {
                    use std::io::Write;
                    file.write_all(bytes)
                        .and_then(|()| file.sync_all())
                        .map_err(|e| storage(&candidate, e))?;
                    tracing::info!(path = %candidate.display(), bytes = bytes.len(), "file saved");
                    return Ok(candidate);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(storage(&candidate, e)),
            }
        }
        Err(DeskError::new(
            ErrorCode::Storage,
            format!("too many files named {name} in {}", dir.display()),
        ))
    }
}

fn storage(path: &std::path::Path, error: std::io::Error) -> DeskError {
    DeskError::new(
        ErrorCode::Storage,
        format!("cannot write {}: {error}", path.display()),
    )
}

/// A unique enough name for a temporary file: time and process.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("audio-{}-{nanos}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn saved_file_names_cannot_leave_the_folder_or_hide() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\x\\usage.csv"), "usage.csv");
        assert_eq!(safe_file_name(".bashrc"), "bashrc");
        assert_eq!(safe_file_name("a\u{0}b?.json"), "ab.json");
        assert_eq!(safe_file_name("   "), "bailian-desk-file");
        assert_eq!(safe_file_name("对话 2026-11-26.md"), "对话 2026-11-26.md");
    }
}
