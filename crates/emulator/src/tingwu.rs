//! Tingwu meeting transcription and analysis through Bailian (reference §5.6): the
//! multimodal-generation endpoint with `model: "tingwu-meeting"`, `input.task` `createTask` or
//! `getTask` (polled by `dataId`; `status` 1 while running, 0 when done, 2 when failed), and Qwen-TTS
//! over HTTP on the same endpoint (§5.4).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::{Value, json};

use crate::audio::{tone, wav_header};
use crate::fault::Fault;
use crate::wire::{json_response, native_error};

#[derive(Debug, Default)]
pub(crate) struct Meetings {
    by_data_id: Mutex<HashMap<String, Meeting>>,
}

#[derive(Debug)]
struct Meeting {
    owner: String,
    polls: u32,
    fail: Option<String>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn handle(
    meetings: &Meetings,
    owner: &str,
    base: &str,
    body: &Value,
    fault: &Fault,
    rid: &str,
) -> Response {
    let input = body.get("input").cloned().unwrap_or(Value::Null);
    match input.get("task").and_then(Value::as_str) {
        Some("createTask") => {
            let app_id = input
                .get("appId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if app_id.is_empty() {
                return native_error(400, "InvalidParameter", "appId is required.", rid, None);
            }
            let has_source = ["fileUrl", "text", "dataId"].iter().any(|k| {
                input
                    .get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| !v.is_empty())
            });
            if !has_source {
                return native_error(
                    400,
                    "InvalidParameter",
                    "Agent Input text format error.",
                    rid,
                    None,
                );
            }
            let data_id = uuid::Uuid::new_v4().simple().to_string();
            lock(&meetings.by_data_id).insert(
                data_id.clone(),
                Meeting {
                    owner: owner.to_owned(),
                    polls: 0,
                    fail: fault.task_fail.clone(),
                },
            );
            json_response(
                200,
                &json!({ "output": { "dataId": data_id }, "usage": {}, "request_id": rid }),
                rid,
                None,
            )
        }
        Some("getTask") => {
            let data_id = input
                .get("dataId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let mut all = lock(&meetings.by_data_id);
            let Some(meeting) = all.get_mut(data_id).filter(|m| m.owner == owner) else {
                return native_error(400, "InvalidParameter", "dataId not found.", rid, None);
            };
            meeting.polls += 1;
            let output = match (meeting.polls, &meeting.fail) {
                (1, _) => json!({ "status": 1 }),
                (_, Some(code)) => {
                    json!({ "status": 2, "errorCode": code, "errorMessage": "File cannot be read." })
                }
                _ => {
                    let path =
                        |kind: &str| format!("{base}/emulator/files/tingwu-{data_id}-{kind}.json");
                    json!({
                        "status": 0,
                        "transcriptionPath": path("transcription"),
                        "summarizationPath": path("summarization"),
                        "autoChaptersPath": path("autoChapters"),
                        "meetingAssistancePath": path("meetingAssistance"),
                        "playbackUrl": null,
                    })
                }
            };
            json_response(
                200,
                &json!({ "output": output, "usage": {}, "request_id": rid }),
                rid,
                None,
            )
        }
        _ => native_error(
            400,
            "InvalidParameter",
            "input.task must be createTask or getTask.",
            rid,
            None,
        ),
    }
}

/// The JSON documents a finished meeting's paths point to.
pub(crate) fn document(data_id: &str, kind: &str) -> Option<Value> {
    let lines = [
        ("Speaker 1", "Let us plan the release."),
        ("Speaker 2", "I will write the notes by Friday."),
    ];
    Some(match kind {
        "transcription" => {
            json!({ "Transcription": { "Paragraphs": lines.iter().enumerate().map(|(i, (speaker, text))| json!({
            "ParagraphId": i + 1, "SpeakerId": speaker, "Words": [{ "Start": i * 3000, "End": i * 3000 + 2500, "Text": text }],
        })).collect::<Vec<_>>() } })
        }
        "summarization" => {
            json!({ "Summarization": { "ParagraphSummary": format!("Meeting {data_id}: the team planned the release."), "ConversationalSummary": [] } })
        }
        "autoChapters" => {
            json!({ "AutoChapters": [{ "Id": 1, "Start": 0, "End": 5500, "Headline": "Release planning", "Summary": "Who does what before the release." }] })
        }
        "meetingAssistance" => {
            json!({ "MeetingAssistance": { "Keywords": ["release", "notes"], "Actions": [{ "Id": 1, "Start": 3000, "End": 5500, "Text": "Write the notes by Friday." }] } })
        }
        _ => return None,
    })
}

/// Qwen-TTS over HTTP: the audio is a WAV file served by the emulator; its name carries the
/// character count so the file can be rebuilt without state.
pub(crate) fn qwen_tts(base: &str, body: &Value, rid: &str) -> Response {
    let text = body
        .pointer("/input/text")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let voice = body
        .pointer("/input/voice")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if text.trim().is_empty() || voice.is_empty() {
        return native_error(
            400,
            "InvalidParameter",
            "input.text and input.voice are required.",
            rid,
            None,
        );
    }
    let characters: usize = text
        .chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum();
    let id = format!("audio_{rid}");
    json_response(
        200,
        &json!({
            "output": {
                "audio": { "data": "", "expires_at": 4_102_444_800u64, "id": id, "url": format!("{base}/emulator/files/tts-{rid}-{}.wav", text.chars().count()) },
                "finish_reason": "stop",
            },
            "usage": { "characters": characters },
            "request_id": rid,
        }),
        rid,
        None,
    )
}

/// A WAV file of `characters` × 60 ms of tone, 24 kHz 16-bit mono.
pub(crate) fn tts_file(characters: u64) -> Response {
    const RATE: u32 = 24_000;
    let pcm = tone(RATE, characters * 60);
    let wav = [
        wav_header(RATE, u32::try_from(pcm.len()).ok()).as_slice(),
        &pcm,
    ]
    .concat();
    let mut response = Response::new(Body::from(wav));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    response
}
