//! Speech use cases: reading text aloud (CosyVoice, Qwen-TTS) and transcribing a local audio file
//! (real-time recognition fed from the file through [`crate::live`], so no upload to a public URL
//! is needed). Recordings at a URL are durable jobs in [`crate::transcriptions`].

use std::path::Path;

use bailian::speech::ASR_FRAME_BYTES;
use bailian::{AsrRequest, SpeechEvent, TtsRequest};
use serde::Serialize;

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

pub const DEFAULT_TTS_MODEL: &str = "cosyvoice-v2";
pub const DEFAULT_VOICE: &str = "longxiaochun_v2";
pub const DEFAULT_ASR_MODEL: &str = "paraformer-realtime-v2";
/// The voice Qwen-TTS reads with when none is named (CosyVoice's voices are not Qwen-TTS's).
pub const DEFAULT_QWEN_TTS_VOICE: &str = "Cherry";
/// Recorded-file transcription by URL (an asynchronous task).
pub const DEFAULT_FILE_ASR_MODEL: &str = "paraformer-v2";
/// Longest file accepted for transcription; longer recordings belong to the file-transcription
/// task API, and refusing here costs nothing.
pub const MAX_TRANSCRIPTION_SECONDS: u64 = 4 * 60 * 60;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpeechSummary {
    pub model: String,
    pub voice: String,
    pub format: String,
    pub audio_bytes: usize,
    /// Billed characters as DashScope reports them (a CJK character counts twice).
    pub characters: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sentence {
    pub text: String,
    pub begin_ms: u64,
    pub end_ms: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transcript {
    pub model: String,
    pub text: String,
    pub sentences: Vec<Sentence>,
    pub duration_seconds: Option<u64>,
}

/// What the transcription sends: the PCM inside a WAV file, or the file as is.
struct AudioInput {
    format: String,
    sample_rate: u32,
    data: Vec<u8>,
    /// For PCM, the exact length; otherwise unknown until the server says.
    seconds: Option<u64>,
}

fn unsupported(message: String) -> DeskError {
    DeskError::new(ErrorCode::UnsupportedByModel, message)
}

/// Whether `model` is Qwen-TTS (`qwen-tts*`, `qwen3-tts*`), which speaks over HTTP: the whole
/// text in one request, a WAV file back. Every other speech model is CosyVoice's WebSocket.
pub fn is_qwen_tts(model: &str) -> bool {
    let model = model.trim().to_ascii_lowercase();
    model.starts_with("qwen-tts") || model.starts_with("qwen3-tts")
}

/// The audio format a model answers in when the caller names none: Qwen-TTS only writes WAV.
pub fn default_speech_format(model: Option<&str>) -> &'static str {
    if model.is_some_and(is_qwen_tts) {
        "wav"
    } else {
        "mp3"
    }
}

/// The MIME type of a speech format.
pub fn speech_mime(format: &str) -> &'static str {
    match format {
        "wav" => "audio/wav",
        "pcm" => "audio/L16",
        _ => "audio/mpeg",
    }
}

/// Reads a WAV header (RIFF, PCM 16-bit mono) or takes a compressed file by its extension.
fn audio_input(
    path: &Path,
    bytes: Vec<u8>,
    sample_rate_hint: u32,
) -> Result<AudioInput, DeskError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WAVE") {
        let mut offset = 12;
        let (mut channels, mut rate, mut bits, mut data) = (0u16, 0u32, 0u16, None);
        while offset + 8 <= bytes.len() {
            let id = &bytes[offset..offset + 4];
            let size = u32::from_le_bytes([
                bytes[offset + 4],
                bytes[offset + 5],
                bytes[offset + 6],
                bytes[offset + 7],
            ]) as usize;
            let body = offset + 8;
            let end = body.saturating_add(size).min(bytes.len());
            if id == b"fmt " && end >= body + 16 {
                channels = u16::from_le_bytes([bytes[body + 2], bytes[body + 3]]);
                rate = u32::from_le_bytes([
                    bytes[body + 4],
                    bytes[body + 5],
                    bytes[body + 6],
                    bytes[body + 7],
                ]);
                bits = u16::from_le_bytes([bytes[body + 14], bytes[body + 15]]);
            } else if id == b"data" {
                data = Some(bytes[body..end].to_vec());
            }
            offset = body + size + (size % 2);
        }
        let data =
            data.ok_or_else(|| unsupported(format!("{} has no audio data", path.display())))?;
        if channels != 1 || bits != 16 || rate < 8_000 {
            return Err(unsupported(format!(
                "{} is {channels}-channel {bits}-bit {rate} Hz; recognition needs 16-bit mono audio of at least 8 kHz",
                path.display()
            )));
        }
        let seconds = (data.len() as u64).div_ceil(u64::from(rate) * 2);
        return Ok(AudioInput {
            format: "pcm".into(),
            sample_rate: rate,
            data,
            seconds: Some(seconds),
        });
    }
    let format = match extension.as_str() {
        "pcm" | "raw" => "pcm",
        "mp3" => "mp3",
        "opus" | "ogg" => "opus",
        "aac" | "m4a" => "aac",
        "amr" => "amr",
        "spx" | "speex" => "speex",
        other => {
            return Err(unsupported(format!(
                "{} ({other:?}) is not an audio format recognition accepts: wav, pcm, mp3, opus, aac, amr, speex",
                path.display()
            )));
        }
    };
    let seconds =
        (format == "pcm").then(|| (bytes.len() as u64).div_ceil(u64::from(sample_rate_hint) * 2));
    Ok(AudioInput {
        format: format.into(),
        sample_rate: sample_rate_hint,
        data: bytes,
        seconds,
    })
}

/// The 16-bit mono PCM inside a WAV file and its sample rate: what live recognition of a recorded
/// file pushes.
pub fn wav_pcm(path: &Path, bytes: Vec<u8>) -> Result<(u32, Vec<u8>), DeskError> {
    if !(bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WAVE")) {
        return Err(unsupported(format!("{} is not a WAV file", path.display())));
    }
    let input = audio_input(path, bytes, 16_000)?;
    Ok((input.sample_rate, input.data))
}

impl Desk {
    /// Reads `text` aloud, handing audio to `on_audio` as it arrives. Recorded in the usage
    /// ledger (billed characters).
    pub async fn speak(
        &self,
        text: &str,
        voice: Option<&str>,
        format: &str,
        on_audio: impl FnMut(&[u8]) + Send,
    ) -> Result<SpeechSummary, DeskError> {
        self.speak_with_model(text, None, voice, format, on_audio)
            .await
    }

    /// [`Desk::speak`] with a model: Qwen-TTS (`qwen-tts*`, `qwen3-tts*`) over HTTP, which
    /// answers WAV only and hands the whole file to `on_audio` at once; CosyVoice otherwise
    /// (default `cosyvoice-v2`), audio arriving in pieces. Recorded in the usage ledger under the
    /// model used (billed characters).
    pub async fn speak_with_model(
        &self,
        text: &str,
        model: Option<&str>,
        voice: Option<&str>,
        format: &str,
        on_audio: impl FnMut(&[u8]) + Send,
    ) -> Result<SpeechSummary, DeskError> {
        let model = model
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(DEFAULT_TTS_MODEL);
        let started = std::time::Instant::now();
        let result = if is_qwen_tts(model) {
            self.speak_qwen_tts(text, model, voice, format, on_audio)
                .await
        } else {
            self.speak_unrecorded(text, model, voice, format, on_audio)
                .await
        };
        let units = result.as_ref().map(|s| s.characters);
        self.record_call(
            desk_store::UsageKind::SpeechSynthesis,
            model,
            "characters",
            started,
            units,
        );
        result
    }

    async fn speak_qwen_tts(
        &self,
        text: &str,
        model: &str,
        voice: Option<&str>,
        format: &str,
        mut on_audio: impl FnMut(&[u8]) + Send,
    ) -> Result<SpeechSummary, DeskError> {
        if text.trim().is_empty() {
            return Err(DeskError::new(
                ErrorCode::EmptyPrompt,
                "there is no text to read aloud",
            ));
        }
        // The realtime variants speak another protocol (`/api-ws/v1/realtime`).
        if model.to_ascii_lowercase().contains("realtime") {
            return Err(unsupported(format!(
                "{model} is a realtime Qwen-TTS model, which Bailian Desk does not speak; use qwen-tts or qwen3-tts-flash"
            )));
        }
        if format != "wav" {
            return Err(unsupported(format!(
                "{model} answers WAV audio only, not {format:?}; ask for wav or use a CosyVoice model"
            )));
        }
        let connection = self.connection()?;
        self.check_budget(connection.demo)?;
        let voice = voice
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or(DEFAULT_QWEN_TTS_VOICE);
        let spoken = connection.client.qwen_tts(model, text, voice).await?;
        on_audio(&spoken.audio);
        Ok(SpeechSummary {
            model: model.to_owned(),
            voice: voice.to_owned(),
            format: "wav".to_owned(),
            audio_bytes: spoken.audio.len(),
            characters: Some(spoken.characters),
        })
    }

    /// Transcribes a local audio file, reporting each final sentence as it is recognised: the
    /// file is pushed into a live recognition session ([`crate::live`]) at the network's pace.
    /// Recorded in the usage ledger (seconds of audio).
    pub async fn transcribe_file(
        &self,
        path: &Path,
        language_hints: Vec<String>,
        mut on_sentence: impl FnMut(&Sentence) + Send,
    ) -> Result<Transcript, DeskError> {
        let bytes = tokio::fs::read(path).await.map_err(|e| {
            DeskError::new(
                ErrorCode::BadRequest,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        let input = audio_input(path, bytes, 16_000)?;
        if input.data.is_empty() {
            return Err(unsupported(format!("{} contains no audio", path.display())));
        }
        if input.seconds.is_some_and(|s| s > MAX_TRANSCRIPTION_SECONDS) {
            return Err(unsupported(format!(
                "{} is longer than {} hours; split it first",
                path.display(),
                MAX_TRANSCRIPTION_SECONDS / 3600
            )));
        }
        let request = AsrRequest {
            model: DEFAULT_ASR_MODEL.into(),
            format: input.format.clone(),
            sample_rate: input.sample_rate,
            language_hints,
        };
        // The session's task reports through a channel drained here, so `on_sentence` may borrow.
        let (events, mut heard) = tokio::sync::mpsc::unbounded_channel();
        let session = self
            .open_recognition(
                request,
                Box::new(move |event| drop(events.send(event))),
                None,
            )
            .await?;
        let feed = async move {
            for frame in input.data.chunks(ASR_FRAME_BYTES) {
                // A refused piece means the session ended; `finish` says why.
                if session.push_wait(frame).await.is_err() {
                    break;
                }
            }
            session.finish().await
        };
        let drain = async {
            while let Some(event) = heard.recv().await {
                if let crate::live::LiveTranscriptEvent::Sentence { sentence } = event {
                    on_sentence(&sentence);
                }
            }
        };
        let (transcript, ()) = tokio::join!(feed, drain);
        transcript
    }

    async fn speak_unrecorded(
        &self,
        text: &str,
        model: &str,
        voice: Option<&str>,
        format: &str,
        mut on_audio: impl FnMut(&[u8]) + Send,
    ) -> Result<SpeechSummary, DeskError> {
        if text.trim().is_empty() {
            return Err(DeskError::new(
                ErrorCode::EmptyPrompt,
                "there is no text to read aloud",
            ));
        }
        let connection = self.connection()?;
        self.check_budget(connection.demo)?;
        let request = TtsRequest {
            model: model.into(),
            voice: voice.unwrap_or(DEFAULT_VOICE).into(),
            format: format.into(),
            sample_rate: None,
        };
        let (mut writer, mut reader) = connection.client.start_synthesis(&request).await?;
        writer.send_text(text).await?;
        writer.finish().await?;
        let mut audio_bytes = 0;
        while let Some(event) = reader.next().await {
            match event? {
                SpeechEvent::Audio(bytes) => {
                    audio_bytes += bytes.len();
                    on_audio(&bytes);
                }
                SpeechEvent::Finished { usage } => {
                    return Ok(SpeechSummary {
                        model: request.model,
                        voice: request.voice,
                        format: request.format,
                        audio_bytes,
                        characters: usage.get("characters").and_then(serde_json::Value::as_u64),
                    });
                }
                SpeechEvent::Sentence { .. } => {}
            }
        }
        Err(DeskError::new(
            ErrorCode::StreamInterrupted,
            "the speech stream ended early",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
        let mut out = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&channels.to_le_bytes());
        out.extend_from_slice(&rate.to_le_bytes());
        out.extend_from_slice(&(rate * u32::from(channels) * u32::from(bits) / 8).to_le_bytes());
        out.extend_from_slice(&(channels * bits / 8).to_le_bytes());
        out.extend_from_slice(&bits.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn wav_headers_are_read_and_checked() {
        let input =
            audio_input(Path::new("a.wav"), wav(1, 16_000, 16, &[0; 64_000]), 8_000).expect("ok");
        assert_eq!(
            (
                input.format.as_str(),
                input.sample_rate,
                input.data.len(),
                input.seconds
            ),
            ("pcm", 16_000, 64_000, Some(2))
        );
        assert!(
            audio_input(Path::new("a.wav"), wav(2, 16_000, 16, &[0; 8]), 16_000).is_err(),
            "stereo"
        );
        assert!(
            audio_input(Path::new("a.wav"), wav(1, 16_000, 8, &[0; 8]), 16_000).is_err(),
            "8-bit"
        );
        assert!(
            audio_input(Path::new("a.txt"), b"hello".to_vec(), 16_000).is_err(),
            "not audio"
        );
        assert_eq!(
            audio_input(Path::new("a.MP3"), vec![1, 2], 16_000)
                .expect("ok")
                .format,
            "mp3"
        );
    }
}
