//! Reading a reply aloud while it is still being written. CosyVoice takes text in pieces on one
//! WebSocket task (`continue-task`) and sends audio back on the same connection while more text
//! is coming, so the first words are heard long before the reply ends.
//!
//! Two ways in: [`Desk::read_aloud`] speaks any stream of text pieces; [`feed`] gives a
//! [`TextFeed`] to push a reply's [`StreamUpdate::Delta`]s into (what a shell does from its own
//! `on_update`) and the [`TextChunks`] stream `read_aloud` reads. [`Desk::send_message_read_aloud`]
//! wires the two around [`Desk::send_message`].

use std::pin::Pin;
use std::task::{Context, Poll};

use bailian::speech::{MAX_TTS_CHARS_PER_TASK, billed_characters};
use bailian::{SpeechEvent, TtsRequest};
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};
use crate::send::{SendOutcome, SendRequest, StreamUpdate};
use crate::speech::{DEFAULT_TTS_MODEL, DEFAULT_VOICE, SpeechSummary};

/// The writing end of a read-aloud: text pushed here is spoken in order. Dropping it (or every
/// clone) ends the text, and the speech finishes with what it got.
#[derive(Debug, Clone)]
pub struct TextFeed {
    sender: mpsc::UnboundedSender<String>,
}

impl TextFeed {
    /// More text to speak. Pushing after the speech has stopped (it failed) does nothing: the
    /// reply it follows must not fail because the reading did.
    pub fn push(&self, text: &str) {
        if !text.is_empty() && self.sender.send(text.to_owned()).is_err() {
            tracing::debug!("read-aloud text dropped: the speech has stopped");
        }
    }

    /// Takes the text of a reply's update: only [`StreamUpdate::Delta`]s are read aloud (not the
    /// thinking, sources or tool calls).
    pub fn observe(&self, update: &StreamUpdate) {
        if let StreamUpdate::Delta { text } = update {
            self.push(text);
        }
    }
}

/// The reading end of a [`TextFeed`]: the pieces in the order they were pushed, ending when every
/// feed is dropped.
#[derive(Debug)]
pub struct TextChunks {
    receiver: mpsc::UnboundedReceiver<String>,
}

impl Stream for TextChunks {
    type Item = String;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<String>> {
        self.receiver.poll_recv(cx)
    }
}

/// A connected feed and stream: push into the first, give the second to [`Desk::read_aloud`].
pub fn feed() -> (TextFeed, TextChunks) {
    // Unbounded: a reply is at most a few hundred kB of text, and the reply's stream must never
    // wait on the speech.
    let (sender, receiver) = mpsc::unbounded_channel();
    (TextFeed { sender }, TextChunks { receiver })
}

/// The sample rate of `pcm` read-aloud audio (16-bit little-endian mono): what the app's player
/// schedules chunks at as they arrive.
pub const READ_ALOUD_PCM_SAMPLE_RATE: u32 = 22_050;

/// A reply and its reading. The reading's failure does not fail the reply.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadAloudOutcome {
    pub reply: SendOutcome,
    pub speech: Option<SpeechSummary>,
    pub speech_error: Option<DeskError>,
}

impl Desk {
    /// Speaks text that is still arriving: each piece of `text_chunks` goes to CosyVoice as soon
    /// as it comes, and `on_audio` gets audio while later pieces are still on their way. The
    /// connection opens with the first words (a stream that ends without any is `empty_prompt`,
    /// and costs nothing). Text past CosyVoice's 200,000-character task limit is not read.
    /// Recorded in the usage ledger (billed characters).
    pub async fn read_aloud(
        &self,
        text_chunks: impl Stream<Item = String> + Send,
        voice: Option<&str>,
        format: &str,
        on_audio: impl FnMut(&[u8]) + Send,
    ) -> Result<SpeechSummary, DeskError> {
        let started = std::time::Instant::now();
        let result = self
            .read_aloud_unrecorded(text_chunks, voice, format, on_audio)
            .await;
        let units = result.as_ref().map(|s| s.characters);
        self.record_call(
            desk_store::UsageKind::SpeechSynthesis,
            DEFAULT_TTS_MODEL,
            "characters",
            started,
            units,
        );
        result
    }

    async fn read_aloud_unrecorded(
        &self,
        text_chunks: impl Stream<Item = String> + Send,
        voice: Option<&str>,
        format: &str,
        mut on_audio: impl FnMut(&[u8]) + Send,
    ) -> Result<SpeechSummary, DeskError> {
        // Refusals first, before waiting on any text.
        let connection = self.connection()?;
        self.check_budget(connection.demo)?;
        let request = TtsRequest {
            model: DEFAULT_TTS_MODEL.into(),
            voice: voice
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .unwrap_or(DEFAULT_VOICE)
                .into(),
            format: format.into(),
            // Raw PCM carries no header: the player must know its rate, so it is fixed here.
            sample_rate: (format == "pcm").then_some(READ_ALOUD_PCM_SAMPLE_RATE),
        };
        let mut chunks = std::pin::pin!(text_chunks);
        // Leading whitespace is kept with the first words; nothing is opened for it alone.
        let mut first = String::new();
        while first.trim().is_empty() {
            match chunks.next().await {
                Some(piece) => first.push_str(&piece),
                None => {
                    return Err(DeskError::new(
                        ErrorCode::EmptyPrompt,
                        "there is no text to read aloud",
                    ));
                }
            }
        }
        let (mut writer, mut reader) = connection.client.start_synthesis(&request).await?;
        let send = async {
            let mut billed = 0;
            let mut next = Some(first);
            while let Some(piece) = next {
                billed += billed_characters(&piece);
                if billed > MAX_TTS_CHARS_PER_TASK {
                    tracing::warn!(
                        "the text to read aloud passed CosyVoice's task limit; the rest is not read"
                    );
                    break;
                }
                writer.send_text(&piece).await?;
                next = chunks.next().await;
            }
            writer.finish().await
        };
        let receive = async {
            let mut audio_bytes = 0;
            while let Some(event) = reader.next().await {
                match event? {
                    SpeechEvent::Audio(bytes) => {
                        audio_bytes += bytes.len();
                        on_audio(&bytes);
                    }
                    SpeechEvent::Finished { usage } => {
                        return Ok((
                            audio_bytes,
                            usage.get("characters").and_then(serde_json::Value::as_u64),
                        ));
                    }
                    SpeechEvent::Sentence { .. } => {}
                }
            }
            Err(bailian::Error::StreamInterrupted {
                events_received: 0,
                reason: "the speech stream ended early".into(),
            })
        };
        // The first failure on either side ends both: a failed task stops taking text.
        let ((), (audio_bytes, characters)) = tokio::try_join!(send, receive)?;
        Ok(SpeechSummary {
            model: request.model,
            voice: request.voice,
            format: request.format,
            audio_bytes,
            characters,
        })
    }

    /// Sends a prompt and reads the reply aloud while it streams: every text delta also goes to
    /// CosyVoice, and `on_audio` gets audio before the reply has finished. `on_update` hears the
    /// reply exactly as with [`Desk::send_message`]. A failed reading is reported in the outcome
    /// (`speech_error`) and never fails the reply; a failed reply is the error, after what it said
    /// has been read.
    pub async fn send_message_read_aloud(
        &self,
        request: SendRequest,
        voice: Option<&str>,
        format: &str,
        on_update: impl FnMut(StreamUpdate) + Send,
        on_audio: impl FnMut(&[u8]) + Send,
    ) -> Result<ReadAloudOutcome, DeskError> {
        self.reply_read_aloud(
            ReplyCommand::Send(Box::new(request)),
            voice,
            format,
            on_update,
            on_audio,
        )
        .await
    }

    /// Any reply read aloud while it streams, as [`Desk::send_message_read_aloud`] does for a new
    /// prompt: a regenerated reply or a continued one is heard the same way.
    pub async fn reply_read_aloud(
        &self,
        command: ReplyCommand,
        voice: Option<&str>,
        format: &str,
        mut on_update: impl FnMut(StreamUpdate) + Send,
        on_audio: impl FnMut(&[u8]) + Send,
    ) -> Result<ReadAloudOutcome, DeskError> {
        let (text, chunks) = feed();
        let reply = async move {
            let on_update = |update: StreamUpdate| {
                text.observe(&update);
                on_update(update);
            };
            let outcome = match command {
                ReplyCommand::Send(request) => self.send_message(*request, on_update).await,
                ReplyCommand::Regenerate {
                    assistant_message_id,
                } => {
                    self.regenerate_reply(&assistant_message_id, on_update)
                        .await
                }
                ReplyCommand::Continue {
                    assistant_message_id,
                } => self.continue_reply(&assistant_message_id, on_update).await,
            };
            // The reply is over: so is the text to read (`text` went into `on_update`, dropped
            // with the call).
            outcome
        };
        let speech = self.read_aloud(chunks, voice, format, on_audio);
        let (reply, speech) = tokio::join!(reply, speech);
        let reply = reply?;
        if let Err(error) = &speech {
            tracing::warn!(code = error.code.as_str(), %error, "reading the reply aloud failed");
        }
        let (speech, speech_error) = match speech {
            Ok(summary) => (Some(summary), None),
            Err(error) => (None, Some(error)),
        };
        Ok(ReadAloudOutcome {
            reply,
            speech,
            speech_error,
        })
    }
}

/// Which reply [`Desk::reply_read_aloud`] streams.
#[derive(Debug, Clone)]
pub enum ReplyCommand {
    /// A new prompt ([`Desk::send_message`]).
    Send(Box<SendRequest>),
    /// Another reply to the same prompt, a sibling of this one ([`Desk::regenerate_reply`]).
    Regenerate { assistant_message_id: String },
    /// The rest of a partial or length-cut reply ([`Desk::continue_reply`]).
    Continue { assistant_message_id: String },
}
