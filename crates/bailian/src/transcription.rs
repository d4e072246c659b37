//! Recorded-file transcription (Paraformer / Fun-ASR) as an asynchronous task (reference §5.1):
//! public file URLs in, one `transcription_url` per file out, each a JSON document.

use serde::Serialize;
use serde_json::{Value, json};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::tasks::TaskState;

const PATH: &str = "/api/v1/services/audio/asr/transcription";
/// Most files one task accepts.
pub const MAX_FILES: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileTranscript {
    pub text: String,
    /// `(begin_ms, end_ms, text)` per sentence.
    pub sentences: Vec<(u64, u64, String)>,
    pub duration_ms: Option<u64>,
}

impl Client {
    /// Submits files for transcription; poll the returned task with [`Client::wait_task`].
    pub async fn submit_transcription(
        &self,
        model: &str,
        file_urls: &[String],
        language_hints: &[String],
    ) -> Result<TaskState> {
        if file_urls.is_empty() || file_urls.len() > MAX_FILES {
            return Err(Error::InvalidRequest(format!(
                "transcription takes 1 to {MAX_FILES} file URLs"
            )));
        }
        if let Some(local) = file_urls.iter().find(|u| {
            !(u.starts_with("http://") || u.starts_with("https://") || u.starts_with("oss://"))
        }) {
            return Err(Error::InvalidRequest(format!(
                "{local} is not a public URL; file transcription downloads from the internet (use real-time transcription for local files)"
            )));
        }
        let mut parameters = json!({});
        if !language_hints.is_empty() {
            parameters["language_hints"] = json!(language_hints);
        }
        let body = json!({ "model": model, "input": { "file_urls": file_urls }, "parameters": parameters });
        let url = format!("{}{PATH}", self.base_url());
        self.submit_task(&url, &body).await
    }

    /// Fetches and reads one `transcription_url` document (no API key is sent to it).
    pub async fn fetch_transcript(&self, url: &str) -> Result<FileTranscript> {
        let bytes = self.download(url, 64 * 1024 * 1024).await?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Protocol(format!("transcript: {e}")))?;
        Ok(parse_file_transcript(&value))
    }
}

/// Reads a `transcription_url` document (`transcripts[].sentences[]`, times in ms).
pub fn parse_file_transcript(value: &Value) -> FileTranscript {
    let transcripts = value
        .get("transcripts")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let text = transcripts
        .iter()
        .filter_map(|t| t.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("\n");
    let sentences = transcripts
        .iter()
        .filter_map(|t| t.get("sentences").and_then(Value::as_array))
        .flatten()
        .map(|s| {
            (
                s.get("begin_time").and_then(Value::as_u64).unwrap_or(0),
                s.get("end_time").and_then(Value::as_u64).unwrap_or(0),
                s.get("text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    FileTranscript {
        text,
        sentences,
        duration_ms: value
            .pointer("/properties/original_duration_in_milliseconds")
            .and_then(Value::as_u64),
    }
}
