//! Tingwu meeting transcription and analysis through Bailian (reference §5.6), and Qwen-TTS over
//! HTTP (§5.4): both on the multimodal-generation endpoint, told apart by the model.
//!
//! The answers and the result documents are read by typed parsers (`TingwuTask::from_body`,
//! `QwenTtsAudio::from_body`, [`sentences`], [`chapters`], …) so the fixtures can be checked
//! against the same code the client runs.

use std::time::Instant;

use serde::Serialize;
use serde_json::{Value, json};

use crate::client::Client;
use crate::error::{ApiError, Error, Result};
use crate::tasks::PollPolicy;

const PATH: &str = "/api/v1/services/aigc/multimodal-generation/generation";
/// Largest Tingwu result document accepted; a day-long meeting's transcript is a few MB.
const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// A finished meeting: each analysis as the JSON document Tingwu wrote (`None` when that
/// sub-task was off or failed).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeetingResult {
    pub data_id: String,
    pub transcription: Option<Value>,
    pub summarization: Option<Value>,
    pub auto_chapters: Option<Value>,
    pub meeting_assistance: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpokenAudio {
    pub audio: Vec<u8>,
    pub characters: u64,
    pub request_id: Option<String>,
}

/// `output.status` of a `getTask` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TingwuStatus {
    /// 0: every enabled sub-task ended; the paths point to the results.
    Done,
    /// 1: still working.
    Running,
    /// 2: failed, with `errorCode`/`errorMessage`.
    Failed,
    /// 3: transcribing (the realtime doc's extra state); still working.
    Transcribing,
    /// A number the reference does not name; treated as still working.
    Other(i64),
}

impl TingwuStatus {
    pub fn from_code(code: i64) -> Self {
        match code {
            0 => TingwuStatus::Done,
            1 => TingwuStatus::Running,
            2 => TingwuStatus::Failed,
            3 => TingwuStatus::Transcribing,
            other => TingwuStatus::Other(other),
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, TingwuStatus::Done | TingwuStatus::Failed)
    }
}

/// One `getTask` answer: the state and, once done, the (24-hour) URLs of the result documents.
/// A `None` path for an enabled analysis means that sub-task failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TingwuTask {
    pub status: TingwuStatus,
    pub transcription_path: Option<String>,
    pub summarization_path: Option<String>,
    pub auto_chapters_path: Option<String>,
    pub meeting_assistance_path: Option<String>,
    pub ppt_extraction_path: Option<String>,
    pub text_polish_path: Option<String>,
    pub translations_path: Option<String>,
    pub custom_prompt_path: Option<String>,
    pub playback_url: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub request_id: Option<String>,
}

fn text_at(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl TingwuTask {
    /// Reads a `getTask` body; `None` when it has no `output.status`.
    pub fn from_body(body: &Value) -> Option<Self> {
        let output = body.get("output")?;
        let status = TingwuStatus::from_code(output.get("status")?.as_i64()?);
        Some(TingwuTask {
            status,
            transcription_path: text_at(output, "transcriptionPath"),
            summarization_path: text_at(output, "summarizationPath"),
            auto_chapters_path: text_at(output, "autoChaptersPath"),
            meeting_assistance_path: text_at(output, "meetingAssistancePath"),
            ppt_extraction_path: text_at(output, "pptExtractionPath"),
            text_polish_path: text_at(output, "textPolishPath"),
            translations_path: text_at(output, "translationsPath"),
            custom_prompt_path: text_at(output, "customPromptPath"),
            playback_url: text_at(output, "playbackUrl"),
            error_code: text_at(output, "errorCode"),
            error_message: text_at(output, "errorMessage"),
            request_id: text_at(body, "request_id"),
        })
    }

    /// A failed task as the error the caller handles: Tingwu's own code, HTTP 200 (the call
    /// itself succeeded; the meeting did not).
    pub fn failure(&self) -> Option<ApiError> {
        (self.status == TingwuStatus::Failed).then(|| ApiError {
            status: 200,
            code: self
                .error_code
                .clone()
                .unwrap_or_else(|| "TingwuFailed".to_owned()),
            message: self.error_message.clone().unwrap_or_default(),
            request_id: self.request_id.clone(),
            retry_after: None,
        })
    }
}

/// The `dataId` of a `createTask` answer.
pub fn created_data_id(body: &Value) -> Option<String> {
    body.pointer("/output/dataId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A Qwen-TTS answer: where the audio is (valid about 24 h) and what was billed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QwenTtsAudio {
    pub url: String,
    pub id: Option<String>,
    /// Unix seconds after which the URL no longer works.
    pub expires_at: Option<u64>,
    pub finish_reason: Option<String>,
    /// Billed characters (a CJK character counts twice).
    pub characters: u64,
    pub request_id: Option<String>,
}

impl QwenTtsAudio {
    /// Reads a non-streaming Qwen-TTS body; `None` without `output.audio.url`.
    pub fn from_body(body: &Value) -> Option<Self> {
        let audio = body.pointer("/output/audio")?;
        Some(QwenTtsAudio {
            url: text_at(audio, "url")?,
            id: text_at(audio, "id"),
            expires_at: audio.get("expires_at").and_then(Value::as_u64),
            finish_reason: body
                .pointer("/output/finish_reason")
                .and_then(Value::as_str)
                .map(str::to_owned),
            characters: body
                .pointer("/usage/characters")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            request_id: text_at(body, "request_id"),
        })
    }
}

/// One sentence of a meeting's transcript. Times are milliseconds from the start of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeetingSentence {
    /// Tingwu's speaker id when diarization found one.
    pub speaker: Option<String>,
    pub begin_ms: u64,
    pub end_ms: u64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeetingChapter {
    pub title: String,
    pub summary: Option<String>,
    pub begin_ms: u64,
    pub end_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeetingAction {
    pub text: String,
    pub begin_ms: Option<u64>,
    pub end_ms: Option<u64>,
}

fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The transcript's sentences: `Transcription.Paragraphs[].Words[]`, words grouped by their
/// `SentenceId` (a paragraph whose words carry none is one sentence), in file order.
pub fn sentences(transcription: &Value) -> Vec<MeetingSentence> {
    let paragraphs = transcription
        .pointer("/Transcription/Paragraphs")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut out: Vec<MeetingSentence> = Vec::new();
    for paragraph in paragraphs {
        let speaker = id_text(paragraph.get("SpeakerId"));
        let words = paragraph
            .get("Words")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut current: Option<(Option<String>, MeetingSentence)> = None;
        for word in words {
            let sentence_id = id_text(word.get("SentenceId"));
            let begin = word.get("Start").and_then(Value::as_u64).unwrap_or(0);
            let end = word.get("End").and_then(Value::as_u64).unwrap_or(begin);
            let text = word.get("Text").and_then(Value::as_str).unwrap_or_default();
            match &mut current {
                Some((id, sentence)) if *id == sentence_id => {
                    sentence.text.push_str(text);
                    sentence.end_ms = sentence.end_ms.max(end);
                }
                _ => {
                    if let Some((_, done)) = current.take() {
                        out.push(done);
                    }
                    current = Some((
                        sentence_id,
                        MeetingSentence {
                            speaker: speaker.clone(),
                            begin_ms: begin,
                            end_ms: end,
                            text: text.to_owned(),
                        },
                    ));
                }
            }
        }
        if let Some((_, done)) = current {
            out.push(done);
        }
    }
    out.retain(|s| !s.text.trim().is_empty());
    out
}

/// The audio's length: `Transcription.AudioInfo.Duration` (ms), else the end of the last word.
pub fn duration_ms(transcription: &Value) -> Option<u64> {
    transcription
        .pointer("/Transcription/AudioInfo/Duration")
        .and_then(Value::as_u64)
        .or_else(|| sentences(transcription).iter().map(|s| s.end_ms).max())
}

/// The whole-meeting summary: `Summarization.ParagraphSummary`.
pub fn summary(summarization: &Value) -> Option<String> {
    summarization
        .pointer("/Summarization/ParagraphSummary")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `AutoChapters[]`: headline, summary and span of each chapter.
pub fn chapters(auto_chapters: &Value) -> Vec<MeetingChapter> {
    auto_chapters
        .get("AutoChapters")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|chapter| {
            Some(MeetingChapter {
                title: text_at(chapter, "Headline")?,
                summary: text_at(chapter, "Summary"),
                begin_ms: chapter.get("Start").and_then(Value::as_u64).unwrap_or(0),
                end_ms: chapter.get("End").and_then(Value::as_u64).unwrap_or(0),
            })
        })
        .collect()
}

/// `MeetingAssistance.Actions[]`: the to-dos Tingwu found, with where they were said.
pub fn actions(meeting_assistance: &Value) -> Vec<MeetingAction> {
    meeting_assistance
        .pointer("/MeetingAssistance/Actions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|action| {
            Some(MeetingAction {
                text: text_at(action, "Text")?,
                begin_ms: action.get("Start").and_then(Value::as_u64),
                end_ms: action.get("End").and_then(Value::as_u64),
            })
        })
        .collect()
}

/// `MeetingAssistance.Keywords[]`.
pub fn keywords(meeting_assistance: &Value) -> Vec<String> {
    meeting_assistance
        .pointer("/MeetingAssistance/Keywords")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Client {
    async fn multimodal_call(&self, body: &Value) -> Result<Value> {
        let url = format!("{}{PATH}", self.base_url());
        self.with_retries(
            |_| {},
            || async {
                let response = self.send(self.http().post(&url).json(body), &url).await?;
                let text = self.read_body(response, &url).await?;
                serde_json::from_str(&text)
                    .map_err(|e| Error::Protocol(format!("multimodal body: {e}")))
            },
        )
        .await
    }

    /// Starts an offline meeting analysis of a public audio or video file. A create is not
    /// idempotent (a second one is a second paid meeting), so only a refusal (429) is retried.
    pub async fn tingwu_create(&self, app_id: &str, file_url: &str) -> Result<String> {
        if app_id.trim().is_empty() {
            return Err(Error::InvalidRequest(
                "a Tingwu app id (tw_…) is needed; create one in the console".into(),
            ));
        }
        let body = json!({
            "model": "tingwu-meeting",
            "input": { "task": "createTask", "type": "offline", "appId": app_id, "fileUrl": file_url },
            "parameters": {
                "transcription": { "model": "cn", "diarizationEnabled": true },
                "analysis": { "fullSummaryEnabled": true, "autoChaptersEnabled": true, "actionsEnabled": true, "keyInformationEnabled": true },
            },
        });
        let url = format!("{}{PATH}", self.base_url());
        let refused = |e: &Error| {
            e.api()
                .is_some_and(|api| api.status == 429 && api.is_retryable())
        };
        let value: Value = self
            .with_retries_if(
                |_| {},
                refused,
                || async {
                    let response = self.send(self.http().post(&url).json(&body), &url).await?;
                    let text = self.read_body(response, &url).await?;
                    serde_json::from_str(&text)
                        .map_err(|e| Error::Protocol(format!("createTask body: {e}")))
                },
            )
            .await?;
        created_data_id(&value)
            .ok_or_else(|| Error::Protocol("createTask answered without a dataId".into()))
    }

    /// The meeting's state now (one `getTask`).
    pub async fn tingwu_task(&self, data_id: &str) -> Result<TingwuTask> {
        let body =
            json!({ "model": "tingwu-meeting", "input": { "task": "getTask", "dataId": data_id } });
        let value = self.multimodal_call(&body).await?;
        TingwuTask::from_body(&value)
            .ok_or_else(|| Error::Protocol(format!("getTask answered without a status: {value}")))
    }

    /// Downloads a finished meeting's documents (without the API key).
    pub async fn tingwu_results(&self, data_id: &str, task: &TingwuTask) -> Result<MeetingResult> {
        let mut result = MeetingResult {
            data_id: data_id.to_owned(),
            transcription: None,
            summarization: None,
            auto_chapters: None,
            meeting_assistance: None,
        };
        for (key, path, slot) in [
            (
                "transcriptionPath",
                &task.transcription_path,
                &mut result.transcription,
            ),
            (
                "summarizationPath",
                &task.summarization_path,
                &mut result.summarization,
            ),
            (
                "autoChaptersPath",
                &task.auto_chapters_path,
                &mut result.auto_chapters,
            ),
            (
                "meetingAssistancePath",
                &task.meeting_assistance_path,
                &mut result.meeting_assistance,
            ),
        ] {
            if let Some(url) = path {
                let bytes = self.download(url, MAX_DOCUMENT_BYTES).await?;
                *slot = Some(
                    serde_json::from_slice(&bytes)
                        .map_err(|e| Error::Protocol(format!("{key}: {e}")))?,
                );
            }
        }
        Ok(result)
    }

    /// Polls a meeting until it ends, then fetches its documents (without the API key).
    pub async fn tingwu_wait(&self, data_id: &str, policy: &PollPolicy) -> Result<MeetingResult> {
        self.tingwu_wait_observed(data_id, policy, |_| {}).await
    }

    /// [`Client::tingwu_wait`], calling `on_progress` with each state seen. A failed meeting is an
    /// [`Error::Api`] with Tingwu's code (`TSC.FileError`, …) and HTTP status 200.
    pub async fn tingwu_wait_observed(
        &self,
        data_id: &str,
        policy: &PollPolicy,
        mut on_progress: impl FnMut(&TingwuTask),
    ) -> Result<MeetingResult> {
        let started = Instant::now();
        let mut poll = 0;
        loop {
            let task = self.tingwu_task(data_id).await?;
            on_progress(&task);
            if let Some(failure) = task.failure() {
                return Err(Error::Api(failure));
            }
            if task.status == TingwuStatus::Done {
                return self.tingwu_results(data_id, &task).await;
            }
            if started.elapsed() >= policy.give_up_after {
                return Err(Error::Timeout {
                    url: format!("meeting {data_id}"),
                    seconds: policy.give_up_after.as_secs(),
                });
            }
            tokio::time::sleep(policy.delay(poll)).await;
            poll += 1;
        }
    }

    /// Qwen-TTS over HTTP: the whole text at once, the audio downloaded from its (24-hour) URL.
    pub async fn qwen_tts(&self, model: &str, text: &str, voice: &str) -> Result<SpokenAudio> {
        if text.trim().is_empty() || voice.trim().is_empty() {
            return Err(Error::InvalidRequest(
                "speech needs text and a voice".into(),
            ));
        }
        let value = self
            .multimodal_call(&json!({ "model": model, "input": { "text": text, "voice": voice } }))
            .await?;
        let answer = QwenTtsAudio::from_body(&value)
            .ok_or_else(|| Error::Protocol("Qwen-TTS answered without an audio URL".into()))?;
        Ok(SpokenAudio {
            audio: self.download(&answer.url, 256 * 1024 * 1024).await?,
            characters: answer.characters,
            request_id: answer.request_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_group_into_sentences_by_sentence_id() {
        let doc = json!({ "Transcription": { "AudioInfo": { "Duration": 9000 }, "Paragraphs": [
            { "SpeakerId": "1", "Words": [
                { "SentenceId": 1, "Start": 0, "End": 400, "Text": "你好" },
                { "SentenceId": 1, "Start": 400, "End": 900, "Text": "世界。" },
                { "SentenceId": 2, "Start": 1000, "End": 1500, "Text": "再见。" },
            ] },
            { "SpeakerId": 2, "Words": [ { "Start": 2000, "End": 2600, "Text": "Bye." } ] },
            { "SpeakerId": "3", "Words": [] },
        ] } });
        let found = sentences(&doc);
        let summary: Vec<(Option<&str>, u64, u64, &str)> = found
            .iter()
            .map(|s| (s.speaker.as_deref(), s.begin_ms, s.end_ms, s.text.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (Some("1"), 0, 900, "你好世界。"),
                (Some("1"), 1000, 1500, "再见。"),
                (Some("2"), 2000, 2600, "Bye."),
            ]
        );
        assert_eq!(duration_ms(&doc), Some(9000));
        let without_info =
            json!({ "Transcription": { "Paragraphs": doc["Transcription"]["Paragraphs"] } });
        assert_eq!(duration_ms(&without_info), Some(2600));
        assert!(sentences(&json!({})).is_empty());
    }

    #[test]
    fn statuses_and_failures() {
        let failed = json!({ "output": { "status": 2, "errorCode": "TSC.FileError", "errorMessage": "File cannot be read." }, "request_id": "r" });
        let task = TingwuTask::from_body(&failed).expect("task");
        assert_eq!(task.status, TingwuStatus::Failed);
        let api = task.failure().expect("failure");
        assert_eq!(
            (api.status, api.code.as_str(), api.request_id.as_deref()),
            (200, "TSC.FileError", Some("r"))
        );
        let running = TingwuTask::from_body(&json!({ "output": { "status": 3 } })).expect("task");
        assert!(!running.status.is_terminal() && running.failure().is_none());
        assert!(TingwuTask::from_body(&json!({ "output": {} })).is_none());
        assert_eq!(
            created_data_id(&json!({ "output": { "dataId": "" } })),
            None
        );
    }
}
