//! The WebSocket inference protocol (reference §5.2, §5.3): real-time recognition (Paraformer,
//! Fun-ASR) and CosyVoice synthesis on `/api-ws/v1/inference`.
//!
//! Deterministic behaviour, so tests can assert it: recognition turns every full second of audio
//! into the sentence "Sentence N from the emulator." (an interim result first, then the final one,
//! which carries the task's billed seconds so far as `payload.usage.duration`); synthesis answers
//! each piece of text with audio whose length is proportional to it.

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use crate::audio::{tone, wav_header};
use crate::fault::Fault;
use crate::{Admission, Shared, Surface};

/// CosyVoice's documented limits: per continue-task and per task, CJK characters counting twice.
const MAX_TEXT_PER_MESSAGE: usize = 20_000;
const MAX_TEXT_PER_TASK: usize = 200_000;
const DEFAULT_TTS_SAMPLE_RATE: u32 = 22_050;
/// Audio the emulator "speaks" per character.
const SPOKEN_MS_PER_CHAR: u64 = 60;
/// A silent MPEG-1 Layer III frame (128 kbit/s, 44.1 kHz): a valid stream a player accepts.
const MP3_FRAME_BYTES: usize = 417;
const MP3_FRAME_MS: u64 = 26;

/// `GET /api-ws/v1/inference`: authentication and faults apply to the handshake.
pub(crate) async fn inference(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let rid = crate::wire::request_id();
    match shared
        .admit(Surface::Native, uri.path(), &headers, &[], false, &rid)
        .await
    {
        Admission::Answered(response) => response,
        Admission::Proceed { fault, .. } => {
            upgrade.on_upgrade(move |socket| session(socket, fault))
        }
    }
}

/// What the running task of a connection is doing.
enum Running {
    Recognition {
        task_id: String,
        sample_rate: u32,
        bytes: u64,
        sentences: u64,
        emitted_interim: bool,
        /// `format: wav`: the stream opens with a RIFF header, which is not audio to hear.
        wav_header_pending: bool,
    },
    Synthesis {
        task_id: String,
        format: String,
        sample_rate: u32,
        characters: usize,
        /// `format: wav`: the task's audio is one WAV stream, so its header goes out once.
        wav_header_sent: bool,
    },
}

fn header(task_id: &str, event: &str) -> Value {
    json!({ "task_id": task_id, "event": event, "attributes": {} })
}

fn failed(task_id: &str, code: &str, message: &str) -> Message {
    text(json!({
        "header": { "task_id": task_id, "event": "task-failed", "error_code": code, "error_message": message, "attributes": {} },
        "payload": {},
    }))
}

fn text(value: Value) -> Message {
    Message::Text(value.to_string().into())
}

/// CosyVoice bills and limits a CJK character as two.
fn billed_characters(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

async fn session(mut socket: WebSocket, fault: Fault) {
    let mut running: Option<Running> = None;
    // `error_after=N`: the task fails (task-failed, `code`/`message` of the fault) once N results
    // went out, while audio is still streaming, as a quota or engine failure mid-task does.
    let mut results_sent = 0u32;
    while let Some(Ok(message)) = socket.recv().await {
        let replies = match message {
            Message::Text(body) => match serde_json::from_str::<Value>(&body) {
                Ok(frame) => handle_text(&frame, &mut running, &fault),
                Err(_) => vec![failed(
                    "",
                    "InvalidParameter",
                    "The message is not valid JSON.",
                )],
            },
            Message::Binary(audio) => match &mut running {
                Some(Running::Recognition {
                    task_id,
                    sample_rate,
                    bytes,
                    sentences,
                    emitted_interim,
                    wav_header_pending,
                }) => {
                    let heard = if std::mem::take(wav_header_pending) {
                        wav_payload(&audio)
                    } else {
                        &audio[..]
                    };
                    *bytes += heard.len() as u64;
                    recognition_progress(
                        task_id,
                        *sample_rate,
                        *bytes,
                        sentences,
                        emitted_interim,
                        false,
                    )
                }
                _ => vec![failed(
                    "",
                    "InvalidParameter",
                    "Binary audio arrived with no recognition task running.",
                )],
            },
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) => Vec::new(),
        };
        for reply in replies {
            let ends = matches!(&reply, Message::Text(t) if t.contains("\"task-failed\""));
            let result = matches!(&reply, Message::Text(t) if t.contains("\"result-generated\""));
            if socket.send(reply).await.is_err() {
                return;
            }
            if result {
                results_sent += 1;
                if fault.error_after.is_some_and(|n| results_sent >= n) {
                    let task_id = match &running {
                        Some(
                            Running::Recognition { task_id, .. }
                            | Running::Synthesis { task_id, .. },
                        ) => task_id.clone(),
                        None => String::new(),
                    };
                    let code = fault.code.as_deref().unwrap_or("InternalError");
                    let message = fault
                        .message
                        .as_deref()
                        .unwrap_or("The emulator was told to fail this task.");
                    let _ = socket.send(failed(&task_id, code, message)).await;
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
            }
            // After task-failed the connection cannot be reused (reference §5.2).
            if ends {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
        }
    }
}

fn handle_text(frame: &Value, running: &mut Option<Running>, fault: &Fault) -> Vec<Message> {
    let action = frame
        .pointer("/header/action")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let task_id = frame
        .pointer("/header/task_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let payload = frame.get("payload").cloned().unwrap_or(Value::Null);
    match action {
        "run-task" => run_task(&task_id, &payload, running, fault),
        "continue-task" => match running {
            Some(Running::Synthesis {
                task_id: current,
                format,
                sample_rate,
                characters,
                wav_header_sent,
            }) if *current == task_id => {
                let piece = payload
                    .pointer("/input/text")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let billed = billed_characters(piece);
                if billed > MAX_TEXT_PER_MESSAGE || *characters + billed > MAX_TEXT_PER_TASK {
                    return vec![failed(
                        &task_id,
                        "InvalidParameter",
                        "Text too long: at most 20000 characters per message and 200000 per task.",
                    )];
                }
                *characters += billed;
                let mut out = vec![text(
                    json!({ "header": header(&task_id, "result-generated"), "payload": { "output": { "sentence": { "words": [] } } } }),
                )];
                out.extend(audio_frames(
                    format,
                    *sample_rate,
                    piece.chars().count() as u64,
                    wav_header_sent,
                ));
                out
            }
            _ => vec![failed(
                &task_id,
                "InvalidParameter",
                "continue-task for a task that is not running.",
            )],
        },
        "finish-task" => match running.take() {
            Some(Running::Synthesis {
                task_id: current,
                characters,
                ..
            }) if current == task_id => vec![text(json!({
                "header": header(&task_id, "task-finished"),
                "payload": { "output": { "sentence": { "words": [] } }, "usage": { "characters": characters } },
            }))],
            Some(Running::Recognition {
                task_id: current,
                sample_rate,
                bytes,
                mut sentences,
                mut emitted_interim,
                ..
            }) if current == task_id => {
                let mut out = recognition_progress(
                    &task_id,
                    sample_rate,
                    bytes,
                    &mut sentences,
                    &mut emitted_interim,
                    true,
                );
                let seconds = bytes.div_ceil(u64::from(sample_rate) * 2);
                out.push(text(json!({ "header": header(&task_id, "task-finished"), "payload": { "output": {}, "usage": { "duration": seconds } } })));
                out
            }
            other => {
                *running = other;
                vec![failed(
                    &task_id,
                    "InvalidParameter",
                    "finish-task for a task that is not running.",
                )]
            }
        },
        _ => vec![failed(
            &task_id,
            "InvalidParameter",
            &format!("Unknown action {action:?}."),
        )],
    }
}

fn run_task(
    task_id: &str,
    payload: &Value,
    running: &mut Option<Running>,
    fault: &Fault,
) -> Vec<Message> {
    if task_id.is_empty() {
        return vec![failed(
            task_id,
            "InvalidParameter",
            "header.task_id is required.",
        )];
    }
    if running.is_some() {
        return vec![failed(
            task_id,
            "InvalidParameter",
            "Another task is running on this connection.",
        )];
    }
    if let Some(code) = &fault.task_fail {
        return vec![failed(
            task_id,
            code,
            "The emulator was told to fail this task.",
        )];
    }
    let field = |name: &str| {
        payload
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let model = field("model");
    let parameters = payload.get("parameters").cloned().unwrap_or(Value::Null);
    let sample_rate = parameters
        .get("sample_rate")
        .and_then(Value::as_u64)
        .and_then(|r| u32::try_from(r).ok());
    match (field("task_group"), field("task")) {
        ("audio", "asr") => {
            if !(model.starts_with("paraformer") || model.starts_with("fun-asr")) {
                return vec![failed(task_id, "InvalidParameter", "Model not exist.")];
            }
            let format = parameters
                .get("format")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !["pcm", "wav", "mp3", "opus", "speex", "aac", "amr"].contains(&format) {
                return vec![failed(task_id, "InvalidParameter", "format is invalid.")];
            }
            let Some(sample_rate) = sample_rate.filter(|r| *r >= 8_000) else {
                return vec![failed(
                    task_id,
                    "InvalidParameter",
                    "sample_rate is required.",
                )];
            };
            *running = Some(Running::Recognition {
                task_id: task_id.to_owned(),
                sample_rate,
                bytes: 0,
                sentences: 0,
                emitted_interim: false,
                wav_header_pending: format == "wav",
            });
        }
        ("audio", "tts") => {
            if !(model.starts_with("cosyvoice") || model.starts_with("sambert")) {
                return vec![failed(task_id, "InvalidParameter", "Model not exist.")];
            }
            if parameters
                .get("voice")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return vec![failed(
                    task_id,
                    "InvalidParameter",
                    "[tts:]Engine return error code: 418",
                )];
            }
            // The 1.x SDK's `AudioFormat.DEFAULT` sends `"format": "Default"` (tts_v2
            // `speech_synthesizer.py`), and its default call works against the real service: MP3.
            let format = match parameters.get("format").and_then(Value::as_str) {
                None => "mp3",
                Some(f) if f.eq_ignore_ascii_case("default") => "mp3",
                Some(f) => f,
            };
            if !["mp3", "wav", "pcm"].contains(&format) {
                return vec![failed(task_id, "InvalidParameter", "format is invalid.")];
            }
            let sample_rate = sample_rate
                .filter(|r| *r > 0)
                .unwrap_or(DEFAULT_TTS_SAMPLE_RATE);
            *running = Some(Running::Synthesis {
                task_id: task_id.to_owned(),
                format: format.to_owned(),
                sample_rate,
                characters: 0,
                wav_header_sent: false,
            });
        }
        _ => {
            return vec![failed(
                task_id,
                "InvalidParameter",
                "Unsupported task_group/task.",
            )];
        }
    }
    vec![text(
        json!({ "header": header(task_id, "task-started"), "payload": {} }),
    )]
}

/// One interim and one final result for every full second of 16-bit audio heard so far; at the
/// end, a final result for the remainder.
fn recognition_progress(
    task_id: &str,
    sample_rate: u32,
    bytes: u64,
    sentences: &mut u64,
    emitted_interim: &mut bool,
    finishing: bool,
) -> Vec<Message> {
    let bytes_per_second = u64::from(sample_rate) * 2;
    let mut out = Vec::new();
    let complete = bytes / bytes_per_second;
    // A final sentence carries the task's billed seconds so far; an interim one `usage: null`
    // (paraformer-server-events). SDK 1.x reads the usage only from here, never from task-finished.
    let sentence = |n: u64, end: Option<u64>, sentence_end: bool, words: &str| {
        text(json!({
            "header": header(task_id, "result-generated"),
            "payload": {
                "output": { "sentence": {
                    "begin_time": (n - 1) * 1000,
                    "end_time": end,
                    "text": words,
                    "heartbeat": false,
                    "sentence_end": sentence_end,
                    "words": [],
                } },
                "usage": if sentence_end { json!({ "duration": n }) } else { Value::Null },
            },
        }))
    };
    while *sentences < complete {
        *sentences += 1;
        let n = *sentences;
        if !*emitted_interim {
            out.push(sentence(n, None, false, &format!("Sentence {n}")));
        }
        out.push(sentence(
            n,
            Some(n * 1000),
            true,
            &format!("Sentence {n} from the emulator."),
        ));
        *emitted_interim = false;
    }
    let remainder = bytes % bytes_per_second;
    if remainder > 0 && !finishing && !*emitted_interim {
        out.push(sentence(
            *sentences + 1,
            None,
            false,
            &format!("Sentence {}", *sentences + 1),
        ));
        *emitted_interim = true;
    }
    if finishing && remainder > 0 {
        *sentences += 1;
        let n = *sentences;
        out.push(sentence(
            n,
            Some((n - 1) * 1000 + remainder * 1000 / bytes_per_second),
            true,
            &format!("Sentence {n} from the emulator."),
        ));
    }
    out
}

/// The audio in the first binary frame of a `wav` recognition: what follows the `data` chunk
/// header, or the whole frame when it does not open with a RIFF/WAVE header.
fn wav_payload(frame: &[u8]) -> &[u8] {
    if frame.len() < 12 || &frame[..4] != b"RIFF" || &frame[8..12] != b"WAVE" {
        return frame;
    }
    let mut offset = 12;
    while offset + 8 <= frame.len() {
        let size = u32::from_le_bytes([
            frame[offset + 4],
            frame[offset + 5],
            frame[offset + 6],
            frame[offset + 7],
        ]) as usize;
        if &frame[offset..offset + 4] == b"data" {
            return &frame[offset + 8..];
        }
        offset = offset
            .saturating_add(8)
            .saturating_add(size)
            .saturating_add(size % 2);
    }
    &[]
}

/// Audio for `characters` spoken characters: 16-bit mono PCM (a quiet tone; for `wav`, the task's
/// first audio opens with a WAV header), or silent MP3 frames.
fn audio_frames(
    format: &str,
    sample_rate: u32,
    characters: u64,
    wav_header_sent: &mut bool,
) -> Vec<Message> {
    let ms = characters * SPOKEN_MS_PER_CHAR;
    let bytes = match format {
        "mp3" => {
            let frames = ms.div_ceil(MP3_FRAME_MS) as usize;
            let mut frame = vec![0u8; MP3_FRAME_BYTES];
            frame[..4].copy_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
            frame.repeat(frames)
        }
        _ => {
            let pcm = tone(sample_rate, ms);
            if format == "wav" && !pcm.is_empty() && !std::mem::replace(wav_header_sent, true) {
                [wav_header(sample_rate, None).as_slice(), &pcm].concat()
            } else {
                pcm
            }
        }
    };
    // DashScope sends audio in many binary frames; split the same way.
    bytes
        .chunks(8_192)
        .map(|chunk| Message::Binary(chunk.to_vec().into()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary_bytes(messages: &[Message]) -> Vec<u8> {
        messages
            .iter()
            .flat_map(|m| match m {
                Message::Binary(b) => b.to_vec(),
                _ => Vec::new(),
            })
            .collect()
    }

    fn payload(message: &Message) -> Value {
        let Message::Text(t) = message else {
            panic!("not text")
        };
        serde_json::from_str::<Value>(t).expect("json")["payload"].clone()
    }

    #[test]
    fn a_wav_header_is_not_heard() {
        let mut file = wav_header(16_000, None);
        file.extend_from_slice(&[1, 2, 3, 4]);
        assert_eq!(wav_payload(&file), &[1, 2, 3, 4]);
        // A LIST chunk before `data` is skipped too; raw PCM passes through.
        let mut listed = file[..36].to_vec();
        listed.extend_from_slice(b"LIST\x03\x00\x00\x00abc\x00data\x02\x00\x00\x00\x09\x09");
        assert_eq!(wav_payload(&listed), &[9, 9]);
        assert_eq!(wav_payload(&[7; 20]), &[7; 20]);
    }

    #[test]
    fn streamed_wav_has_one_header() {
        let mut sent = false;
        let first = binary_bytes(&audio_frames("wav", 16_000, 2, &mut sent));
        let second = binary_bytes(&audio_frames("wav", 16_000, 3, &mut sent));
        assert_eq!(&first[..4], b"RIFF");
        assert_eq!(first.len(), 44 + 2 * 1_920);
        assert_eq!(second.len(), 3 * 1_920, "no second header");
        assert_eq!(
            &first[40..44],
            &u32::MAX.to_le_bytes(),
            "streaming placeholder size"
        );
        let mut unused = false;
        assert_eq!(
            binary_bytes(&audio_frames("pcm", 16_000, 1, &mut unused)).len(),
            1_920
        );
        assert!(!unused);
    }

    #[test]
    fn final_sentences_carry_the_billed_seconds() {
        let (mut sentences, mut interim) = (0, false);
        let out = recognition_progress("t", 16_000, 48_000, &mut sentences, &mut interim, false);
        let usages: Vec<Value> = out.iter().map(|m| payload(m)["usage"].clone()).collect();
        assert_eq!(
            usages,
            vec![Value::Null, json!({ "duration": 1 }), Value::Null]
        );
        let out = recognition_progress("t", 16_000, 48_000, &mut sentences, &mut interim, true);
        let last = payload(out.last().expect("final"));
        assert_eq!(last["usage"], json!({ "duration": 2 }));
        assert_eq!(last["output"]["sentence"]["end_time"], 1_500);
    }
}
