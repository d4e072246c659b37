//! Tingwu meeting transcription and analysis through Bailian (reference §5.6), and Qwen-TTS over
//! HTTP (§5.4): both on the multimodal-generation endpoint, told apart by the model.

use std::time::Instant;

use serde::Serialize;
use serde_json::{Value, json};

use crate::client::Client;
use crate::error::{ApiError, Error, Result};
use crate::tasks::PollPolicy;

const PATH: &str = "/api/v1/services/aigc/multimodal-generation/generation";

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

    /// Starts an offline meeting analysis of a public audio or video file.
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
        let value = self.multimodal_call(&body).await?;
        value
            .pointer("/output/dataId")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::Protocol("createTask answered without a dataId".into()))
    }

    /// Polls a meeting until it ends, then fetches its documents (without the API key).
    pub async fn tingwu_wait(&self, data_id: &str, policy: &PollPolicy) -> Result<MeetingResult> {
        let body =
            json!({ "model": "tingwu-meeting", "input": { "task": "getTask", "dataId": data_id } });
        let started = Instant::now();
        let mut poll = 0;
        loop {
            let value = self.multimodal_call(&body).await?;
            let output = value.get("output").cloned().unwrap_or(Value::Null);
            match output.get("status").and_then(Value::as_i64) {
                Some(0) => {
                    let fetch =
                        |key: &str| output.get(key).and_then(Value::as_str).map(str::to_owned);
                    let mut result = MeetingResult {
                        data_id: data_id.to_owned(),
                        transcription: None,
                        summarization: None,
                        auto_chapters: None,
                        meeting_assistance: None,
                    };
                    for (key, slot) in [
                        ("transcriptionPath", &mut result.transcription),
                        ("summarizationPath", &mut result.summarization),
                        ("autoChaptersPath", &mut result.auto_chapters),
                        ("meetingAssistancePath", &mut result.meeting_assistance),
                    ] {
                        if let Some(url) = fetch(key) {
                            let bytes = self.download(&url, 64 * 1024 * 1024).await?;
                            *slot = Some(
                                serde_json::from_slice(&bytes)
                                    .map_err(|e| Error::Protocol(format!("{key}: {e}")))?,
                            );
                        }
                    }
                    return Ok(result);
                }
                Some(2) => {
                    return Err(Error::Api(ApiError {
                        status: 200,
                        code: output
                            .get("errorCode")
                            .and_then(Value::as_str)
                            .unwrap_or("TingwuFailed")
                            .to_owned(),
                        message: output
                            .get("errorMessage")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        request_id: value
                            .get("request_id")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        retry_after: None,
                    }));
                }
                _ => {}
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
        let url = value
            .pointer("/output/audio/url")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Protocol("Qwen-TTS answered without an audio URL".into()))?;
        Ok(SpokenAudio {
            audio: self.download(url, 256 * 1024 * 1024).await?,
            characters: value
                .pointer("/usage/characters")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            request_id: value
                .get("request_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }
}
