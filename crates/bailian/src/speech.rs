//! Speech over DashScope's WebSocket inference protocol (reference §5.2, §5.3): real-time
//! recognition (Paraformer / Fun-ASR) and CosyVoice synthesis. CosyVoice is WebSocket-only, so a
//! reply can be read aloud while it is still streaming: text goes in as `continue-task` messages
//! and audio comes back as binary frames on the same connection.

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::client::Client;
use crate::error::{ApiError, Error, Result};

const INFERENCE_PATH: &str = "/api-ws/v1/inference";
/// CosyVoice's limits, a CJK character counting as two (reference §5.3).
pub const MAX_TTS_CHARS_PER_MESSAGE: usize = 20_000;
pub const MAX_TTS_CHARS_PER_TASK: usize = 200_000;
/// The official SDK's frame size for streaming a file to recognition.
pub const ASR_FRAME_BYTES: usize = 12_800;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Debug, Clone, PartialEq)]
pub struct TtsRequest {
    pub model: String,
    pub voice: String,
    /// `mp3`, `wav` or `pcm`.
    pub format: String,
    /// 0 or `None`: the model's default.
    pub sample_rate: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AsrRequest {
    pub model: String,
    /// `pcm`, `wav`, `mp3`, `opus`, `speex`, `aac` or `amr`.
    pub format: String,
    pub sample_rate: u32,
    pub language_hints: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SpeechEvent {
    /// Synthesised audio, in the requested format.
    Audio(Vec<u8>),
    /// A recognised sentence; `is_final` once the sentence ended (earlier ones are interim).
    Sentence {
        text: String,
        begin_ms: u64,
        end_ms: Option<u64>,
        is_final: bool,
    },
    /// The task ended; `usage` is `{"characters": n}` for synthesis, `{"duration": s}` for recognition.
    Finished { usage: Value },
}

/// CosyVoice counts a CJK character as two.
pub fn billed_characters(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// The writing half of a speech task: text (synthesis) or audio (recognition) goes in here.
pub struct SpeechWriter {
    sink: SplitSink<Socket, Message>,
    task_id: String,
    billed: usize,
}

/// The reading half: events come out here, until `Finished` or an error.
pub struct SpeechReader {
    stream: SplitStream<Socket>,
    task_id: String,
    done: bool,
}

impl std::fmt::Debug for SpeechWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeechWriter")
            .field("task_id", &self.task_id)
            .finish()
    }
}

impl std::fmt::Debug for SpeechReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeechReader")
            .field("task_id", &self.task_id)
            .finish()
    }
}

fn ws_error(url: &str, error: &tungstenite::Error) -> Error {
    match error {
        // The handshake is where a bad key is refused (HTTP 401/403).
        tungstenite::Error::Http(response) => {
            let status = response.status().as_u16();
            let body = response
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            Error::Api(crate::parse::parse_error_body(status, &body, None))
        }
        other => Error::Network {
            url: url.to_owned(),
            reason: other.to_string(),
        },
    }
}

fn task_failed(frame: &Value) -> Error {
    let header = frame.get("header").cloned().unwrap_or(Value::Null);
    let field = |k: &str| {
        header
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Error::Api(ApiError {
        status: 400,
        code: field("error_code"),
        message: field("error_message"),
        request_id: Some(field("task_id")).filter(|s| !s.is_empty()),
        retry_after: None,
    })
}

impl Client {
    async fn open_inference(&self) -> Result<Socket> {
        let ws_base = if let Some(rest) = self.base_url().strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = self.base_url().strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            return Err(Error::Config(format!(
                "cannot derive a WebSocket URL from {}",
                self.base_url()
            )));
        };
        let url = format!("{ws_base}{INFERENCE_PATH}");
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| Error::Config(format!("WebSocket URL {url}: {e}")))?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", self.config().api_key.expose()))
            .map_err(|_| {
                Error::Config("the API key contains characters not allowed in a header".into())
            })?;
        auth.set_sensitive(true);
        request.headers_mut().insert("Authorization", auth);
        if let Some(workspace) = &self.config().workspace {
            let value = HeaderValue::from_str(workspace)
                .map_err(|_| Error::Config(format!("invalid workspace id {workspace:?}")))?;
            request.headers_mut().insert("X-DashScope-WorkSpace", value);
        }
        let connect = tokio_tungstenite::connect_async(request);
        match tokio::time::timeout(self.config().connect_timeout, connect).await {
            Ok(Ok((socket, _))) => Ok(socket),
            Ok(Err(e)) => Err(ws_error(&url, &e)),
            Err(_) => Err(Error::Timeout {
                url,
                seconds: self.config().connect_timeout.as_secs(),
            }),
        }
    }

    /// Opens a task and waits for `task-started`; audio or text may only be sent after it.
    async fn start_task(&self, payload: Value) -> Result<(SpeechWriter, SpeechReader)> {
        let socket = self.open_inference().await?;
        let (mut sink, mut stream) = socket.split();
        let task_id = uuid::Uuid::new_v4().simple().to_string();
        let run = json!({ "header": { "action": "run-task", "task_id": task_id, "streaming": "duplex" }, "payload": payload });
        sink.send(Message::Text(run.to_string().into()))
            .await
            .map_err(|e| ws_error(INFERENCE_PATH, &e))?;
        let mut reader = SpeechReader {
            stream,
            task_id: task_id.clone(),
            done: false,
        };
        loop {
            match reader.next_frame(self.config().idle_timeout).await? {
                Some(Frame::Json(frame)) => {
                    match frame.pointer("/header/event").and_then(Value::as_str) {
                        Some("task-started") => break,
                        Some("task-failed") => return Err(task_failed(&frame)),
                        _ => {}
                    }
                }
                Some(Frame::Binary(_)) => {}
                None => {
                    return Err(Error::Network {
                        url: INFERENCE_PATH.into(),
                        reason: "the connection closed before the task started".into(),
                    });
                }
            }
        }
        stream = reader.stream;
        Ok((
            SpeechWriter {
                sink,
                task_id: task_id.clone(),
                billed: 0,
            },
            SpeechReader {
                stream,
                task_id,
                done: false,
            },
        ))
    }

    /// Starts a CosyVoice synthesis; send text with [`SpeechWriter::send_text`] as it arrives.
    pub async fn start_synthesis(
        &self,
        request: &TtsRequest,
    ) -> Result<(SpeechWriter, SpeechReader)> {
        if request.voice.trim().is_empty() {
            return Err(Error::InvalidRequest(
                "choose a voice for speech synthesis".into(),
            ));
        }
        if !["mp3", "wav", "pcm"].contains(&request.format.as_str()) {
            return Err(Error::InvalidRequest(format!(
                "audio format {:?} is not one of mp3, wav, pcm",
                request.format
            )));
        }
        self.start_task(json!({
            "model": request.model,
            "task_group": "audio",
            "task": "tts",
            "function": "SpeechSynthesizer",
            "input": {},
            "parameters": {
                "voice": request.voice,
                "format": request.format,
                "sample_rate": request.sample_rate.unwrap_or(0),
                "text_type": "PlainText",
            },
        }))
        .await
    }

    /// Starts real-time recognition; send audio with [`SpeechWriter::send_audio`].
    pub async fn start_recognition(
        &self,
        request: &AsrRequest,
    ) -> Result<(SpeechWriter, SpeechReader)> {
        if request.sample_rate < 8_000 {
            return Err(Error::InvalidRequest(format!(
                "sample rate {} Hz is too low for recognition",
                request.sample_rate
            )));
        }
        let mut parameters =
            json!({ "format": request.format, "sample_rate": request.sample_rate });
        if !request.language_hints.is_empty() {
            parameters["language_hints"] = json!(request.language_hints);
        }
        self.start_task(json!({
            "model": request.model,
            "task_group": "audio",
            "task": "asr",
            "function": "recognition",
            "input": {},
            "parameters": parameters,
        }))
        .await
    }
}

enum Frame {
    Json(Value),
    Binary(Vec<u8>),
}

impl SpeechReader {
    async fn next_frame(&mut self, idle: std::time::Duration) -> Result<Option<Frame>> {
        loop {
            let message = match tokio::time::timeout(idle, self.stream.next()).await {
                Err(_) => {
                    return Err(Error::Timeout {
                        url: INFERENCE_PATH.into(),
                        seconds: idle.as_secs(),
                    });
                }
                Ok(None) => return Ok(None),
                Ok(Some(Err(e))) => return Err(ws_error(INFERENCE_PATH, &e)),
                Ok(Some(Ok(message))) => message,
            };
            match message {
                Message::Text(text) => {
                    let value = serde_json::from_str(&text)
                        .map_err(|e| Error::Protocol(format!("speech event: {e}")))?;
                    return Ok(Some(Frame::Json(value)));
                }
                Message::Binary(bytes) => return Ok(Some(Frame::Binary(bytes.to_vec()))),
                Message::Close(_) => return Ok(None),
                _ => {}
            }
        }
    }

    /// The next event; `None` after `Finished`. A `task-failed` is an [`Error::Api`] with its code.
    pub async fn next(&mut self) -> Option<Result<SpeechEvent>> {
        if self.done {
            return None;
        }
        loop {
            let frame = match self.next_frame(std::time::Duration::from_secs(300)).await {
                Ok(Some(frame)) => frame,
                Ok(None) => {
                    self.done = true;
                    return Some(Err(Error::StreamInterrupted {
                        events_received: 0,
                        reason: "the speech connection closed before the task finished".into(),
                    }));
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            let frame = match frame {
                Frame::Binary(audio) => return Some(Ok(SpeechEvent::Audio(audio))),
                Frame::Json(frame) => frame,
            };
            match event_from_frame(&frame) {
                None => {}
                Some(result) => {
                    self.done = matches!(result, Err(_) | Ok(SpeechEvent::Finished { .. }));
                    return Some(result);
                }
            }
        }
    }
}

/// What one JSON frame of the inference protocol means for the caller: `None` for frames that
/// carry nothing (task-started, heartbeats, synthesis's empty sentences).
pub fn event_from_frame(frame: &Value) -> Option<Result<SpeechEvent>> {
    match frame.pointer("/header/event").and_then(Value::as_str) {
        Some("task-failed") => Some(Err(task_failed(frame))),
        Some("task-finished") => Some(Ok(SpeechEvent::Finished {
            usage: frame
                .pointer("/payload/usage")
                .cloned()
                .unwrap_or(Value::Null),
        })),
        Some("result-generated") => {
            let sentence = frame.pointer("/payload/output/sentence")?;
            let text = sentence.get("text").and_then(Value::as_str)?;
            if sentence.get("heartbeat").and_then(Value::as_bool) == Some(true) {
                return None;
            }
            let end_ms = sentence.get("end_time").and_then(Value::as_u64);
            // SDK 1.x decides by end_time; the docs by sentence_end. Either means final.
            let is_final = sentence
                .get("sentence_end")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                || end_ms.is_some();
            Some(Ok(SpeechEvent::Sentence {
                text: text.to_owned(),
                begin_ms: sentence
                    .get("begin_time")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
                end_ms,
                is_final,
            }))
        }
        _ => None,
    }
}

impl SpeechWriter {
    /// More text to speak (synthesis). Checked against CosyVoice's limits before sending.
    pub async fn send_text(&mut self, text: &str) -> Result<()> {
        let billed = billed_characters(text);
        if billed > MAX_TTS_CHARS_PER_MESSAGE || self.billed + billed > MAX_TTS_CHARS_PER_TASK {
            return Err(Error::InvalidRequest(format!(
                "speech text too long: at most {MAX_TTS_CHARS_PER_MESSAGE} characters per piece and {MAX_TTS_CHARS_PER_TASK} per task (Chinese characters count twice)"
            )));
        }
        self.billed += billed;
        let message = json!({ "header": { "action": "continue-task", "task_id": self.task_id, "streaming": "duplex" }, "payload": { "input": { "text": text } } });
        self.send(Message::Text(message.to_string().into())).await
    }

    /// More audio to recognise (recognition).
    pub async fn send_audio(&mut self, audio: &[u8]) -> Result<()> {
        self.send(Message::Binary(audio.to_vec().into())).await
    }

    /// No more input: the server finishes and sends `task-finished`.
    pub async fn finish(&mut self) -> Result<()> {
        let message = json!({ "header": { "action": "finish-task", "task_id": self.task_id, "streaming": "duplex" }, "payload": { "input": {} } });
        self.send(Message::Text(message.to_string().into())).await
    }

    async fn send(&mut self, message: Message) -> Result<()> {
        self.sink
            .send(message)
            .await
            .map_err(|e| ws_error(INFERENCE_PATH, &e))
    }
}
