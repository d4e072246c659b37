//! Speech through the core against the emulator, on a real database file: Qwen-TTS over HTTP
//! beside CosyVoice, and reading a reply aloud while it still streams. (Transcription by URL is in
//! `transcriptions.rs`, live recognition in `live_speech.rs`.)
//! Every call leaves its ledger row; refusals leave none and send nothing.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bailian_emulator::{EmulatorConfig, RunningEmulator};
use desk_core::{
    Desk, ErrorCode, MessageStatus, ReplyCommand, SendRequest, StreamUpdate, UsageKind, UsageStatus,
};
use tokio::sync::Notify;

use common::task_config;

/// A ledger row as (kind, model, status, units, unit).
type Row = (UsageKind, String, UsageStatus, Option<u64>, Option<String>);

fn ledger(desk: &Desk) -> Vec<Row> {
    common::ledger(desk, |r| (r.kind, r.model, r.status, r.units, r.unit))
}

#[tokio::test]
async fn qwen_tts_speaks_over_http_and_cosyvoice_still_reads_the_rest() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("open");
    let mut audio = Vec::new();
    let mut calls = 0;
    let summary = desk
        .speak_with_model(
            "你好 world",
            Some("qwen3-tts-flash"),
            None,
            "wav",
            |bytes| {
                calls += 1;
                audio.extend_from_slice(bytes);
            },
        )
        .await
        .expect("qwen-tts");
    assert_eq!(calls, 1, "Qwen-TTS hands over one whole file");
    assert_eq!(&audio[..4], b"RIFF");
    // 8 characters × 60 ms at 24 kHz, 16-bit, after a 44-byte header.
    assert_eq!(audio.len(), 44 + 23_040);
    assert_eq!(
        (
            summary.model.as_str(),
            summary.voice.as_str(),
            summary.format.as_str(),
            summary.audio_bytes,
            summary.characters
        ),
        ("qwen3-tts-flash", "Cherry", "wav", audio.len(), Some(10))
    );
    let sent = emulator
        .requests()
        .into_iter()
        .find(|r| r.model.as_deref() == Some("qwen3-tts-flash"))
        .and_then(|r| r.body)
        .expect("request");
    assert_eq!(sent["input"]["voice"], "Cherry");
    assert_eq!(sent["input"]["text"], "你好 world");

    // What Qwen-TTS cannot do is refused before sending.
    emulator.clear_requests();
    let error = desk
        .speak_with_model("hello", Some("qwen-tts"), None, "mp3", |_| {})
        .await
        .expect_err("mp3");
    assert_eq!(error.code, ErrorCode::UnsupportedByModel);
    let error = desk
        .speak_with_model(
            "hello",
            Some("qwen3-tts-flash-realtime"),
            None,
            "wav",
            |_| {},
        )
        .await
        .expect_err("realtime");
    assert_eq!(error.code, ErrorCode::UnsupportedByModel);
    let error = desk
        .speak_with_model("  ", Some("qwen-tts"), None, "wav", |_| {})
        .await
        .expect_err("empty");
    assert_eq!(error.code, ErrorCode::EmptyPrompt);
    assert!(emulator.requests().is_empty());

    // The app's call: WAV with its MIME type for Qwen-TTS, MP3 from CosyVoice as before.
    let wav = desk
        .speak_to_audio_with_model("hello", Some("Ethan"), Some("qwen-tts"))
        .await
        .expect("wav");
    assert_eq!(wav.mime, "audio/wav");
    let mp3 = desk.speak_to_audio("hello", None).await.expect("mp3");
    assert_eq!(mp3.mime, "audio/mpeg");
    assert!(!mp3.base64.is_empty());
    // A Qwen-TTS failure reported by the server keeps its code.
    emulator
        .push_fault("status=400,code=InvalidParameter", 1)
        .expect("fault");
    let error = desk
        .speak_with_model("hello", Some("qwen-tts"), Some("Nobody"), "wav", |_| {})
        .await
        .expect_err("refused by the server");
    assert_eq!(error.dashscope_code.as_deref(), Some("InvalidParameter"));

    let rows = ledger(&desk);
    let summary: Vec<(&str, UsageStatus, Option<u64>)> = rows
        .iter()
        .map(|(kind, model, status, units, unit)| {
            assert_eq!(*kind, UsageKind::SpeechSynthesis);
            assert_eq!(unit.as_deref(), Some("characters"));
            (model.as_str(), *status, *units)
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("qwen3-tts-flash", UsageStatus::Ok, Some(10)),
            ("qwen-tts", UsageStatus::Ok, Some(5)),
            ("cosyvoice-v2", UsageStatus::Ok, Some(5)),
            ("qwen-tts", UsageStatus::Failed, None),
        ]
    );
}

#[tokio::test]
async fn a_reply_is_heard_before_its_last_delta_arrives() {
    // A visible pace between tokens, as a real reply has.
    let emulator = RunningEmulator::start(
        EmulatorConfig {
            token_delay: Duration::from_millis(25),
            ..EmulatorConfig::default()
        },
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("open");
    let deltas: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
    let audio: Arc<Mutex<Vec<(Instant, usize)>>> = Arc::default();
    let (deltas_in, audio_in) = (Arc::clone(&deltas), Arc::clone(&audio));
    let outcome = desk
        .send_message_read_aloud(
            SendRequest {
                prompt: "Read this answer aloud while you write it".into(),
                ..SendRequest::default()
            },
            None,
            "mp3",
            move |update| {
                if let StreamUpdate::Delta { text } = update {
                    deltas_in.lock().expect("lock").push((Instant::now(), text));
                }
            },
            move |bytes| {
                audio_in
                    .lock()
                    .expect("lock")
                    .push((Instant::now(), bytes.len()))
            },
        )
        .await
        .expect("reply");
    assert_eq!(outcome.reply.status, MessageStatus::Complete);
    assert!(outcome.speech_error.is_none(), "{:?}", outcome.speech_error);
    let deltas = deltas.lock().expect("lock").clone();
    let audio = audio.lock().expect("lock").clone();
    assert!(
        deltas.len() > 10,
        "a reply of many deltas: {}",
        deltas.len()
    );
    let first_audio = audio.first().expect("audio").0;
    let last_delta = deltas.last().expect("deltas").0;
    assert!(
        first_audio < last_delta,
        "the first audio came {:?} after the last delta",
        first_audio.duration_since(last_delta)
    );
    let heard_before = deltas.iter().filter(|(t, _)| *t > first_audio).count();
    assert!(
        heard_before > 5,
        "only {heard_before} deltas came after the first audio"
    );
    // Every word was read, not only those before the first audio.
    let text: String = deltas.iter().map(|(_, t)| t.as_str()).collect();
    let speech = outcome.speech.expect("speech");
    assert_eq!(speech.characters, Some(text.chars().count() as u64));
    assert_eq!(
        speech.audio_bytes,
        audio.iter().map(|(_, n)| n).sum::<usize>()
    );
    // The stored reply is the text that was read.
    let view = desk
        .conversation(&outcome.reply.conversation_id)
        .expect("conversation");
    assert_eq!(view.messages[1].content, text);
    let kinds: Vec<(UsageKind, UsageStatus)> = ledger(&desk)
        .into_iter()
        .map(|(kind, _, status, _, _)| (kind, status))
        .collect();
    assert!(
        kinds.contains(&(UsageKind::Chat, UsageStatus::Ok)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(UsageKind::SpeechSynthesis, UsageStatus::Ok)),
        "{kinds:?}"
    );
}

/// Regenerate and continue go through the same reading as a new prompt: the new reply's words are
/// all read, and the reply it replaces is not.
#[tokio::test]
async fn a_regenerated_and_a_continued_reply_are_read_aloud_too() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("open");
    let first = desk
        .send_message(
            SendRequest {
                prompt: "Tell me about tea".into(),
                ..SendRequest::default()
            },
            |_| {},
        )
        .await
        .expect("first reply");

    let read = |command: ReplyCommand| {
        let desk = &desk;
        async move {
            let mut text = String::new();
            let mut audio = 0usize;
            let outcome = desk
                .reply_read_aloud(
                    command,
                    None,
                    "pcm",
                    |update| {
                        if let StreamUpdate::Delta { text: delta } = update {
                            text.push_str(&delta);
                        }
                    },
                    |bytes| audio += bytes.len(),
                )
                .await
                .expect("reply");
            (outcome, text, audio)
        }
    };
    let (outcome, text, audio) = read(ReplyCommand::Regenerate {
        assistant_message_id: first.assistant_message_id.clone(),
    })
    .await;
    assert_eq!(outcome.reply.status, MessageStatus::Complete);
    assert_ne!(
        outcome.reply.assistant_message_id,
        first.assistant_message_id
    );
    assert!(outcome.speech_error.is_none(), "{:?}", outcome.speech_error);
    let speech = outcome.speech.expect("speech");
    assert!(
        audio > 0 && speech.audio_bytes == audio,
        "{audio} bytes heard"
    );
    assert_eq!(speech.characters, Some(text.chars().count() as u64));
    // What was read is the new reply, stored beside the first one.
    let view = desk.conversation(&first.conversation_id).expect("view");
    let stored = view
        .messages
        .iter()
        .find(|m| m.id == outcome.reply.assistant_message_id)
        .expect("the regenerated reply");
    assert_eq!(stored.content, text);
    assert_eq!(
        view.messages.len(),
        3,
        "prompt, first reply, regenerated reply"
    );

    // Continue accepts only a reply that can go on: a complete one is refused, and nothing is read.
    let refused = desk
        .reply_read_aloud(
            ReplyCommand::Continue {
                assistant_message_id: outcome.reply.assistant_message_id.clone(),
            },
            None,
            "pcm",
            |_| {},
            |_| panic!("nothing is read for a refused reply"),
        )
        .await;
    assert!(refused.is_err(), "a complete reply is not continued");
    let speeches = ledger(&desk)
        .into_iter()
        .filter(|(kind, _, status, _, _)| {
            *kind == UsageKind::SpeechSynthesis && *status == UsageStatus::Ok
        })
        .count();
    assert_eq!(speeches, 1, "one reading, for the regenerated reply");
}

#[tokio::test]
async fn a_text_feed_is_read_while_it_is_still_open() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("open");
    let (feed, chunks) = desk_core::read_aloud::feed();
    let first_audio = Arc::new(Notify::new());
    let signal = Arc::clone(&first_audio);
    let mut bytes = 0;
    let speak = desk.read_aloud(chunks, None, "pcm", |audio| {
        bytes += audio.len();
        signal.notify_one();
    });
    let write = async move {
        feed.push("Hello there. ");
        // The rest is written only once the first words were heard: a reading that waited for
        // the whole text would never get it.
        first_audio.notified().await;
        feed.observe(&StreamUpdate::Reasoning {
            text: "thinking is not read".into(),
        });
        feed.observe(&StreamUpdate::Delta {
            text: "And the rest.".into(),
        });
        drop(feed);
    };
    let (summary, ()) = tokio::time::timeout(Duration::from_secs(10), async {
        tokio::join!(speak, write)
    })
    .await
    .expect("audio came while the feed was open");
    let summary = summary.expect("speech");
    assert_eq!(
        summary.characters,
        Some(26),
        "\"Hello there. And the rest.\""
    );
    // 26 characters × 60 ms at 22.05 kHz, 16-bit PCM.
    assert_eq!(summary.audio_bytes, bytes);
    assert_eq!(bytes, 26 * 2_646);
}

#[tokio::test]
async fn reading_aloud_fails_apart_from_the_reply() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(task_config(home.path(), emulator.base_url())).expect("open");

    // Nothing to read: no connection, no row.
    let error = desk
        .read_aloud(
            futures_util::stream::iter(vec![String::new(), "  ".to_owned()]),
            None,
            "mp3",
            |_| {},
        )
        .await
        .expect_err("empty");
    assert_eq!(error.code, ErrorCode::EmptyPrompt);
    assert!(emulator.requests().is_empty());
    assert!(ledger(&desk).is_empty());

    // The speech task fails (the fault reaches the WebSocket, the second request): the reply is
    // still complete and stored, the reading's error keeps CosyVoice's code.
    emulator
        .push_fault("task_fail=Engine.Unavailable", 2)
        .expect("fault");
    let outcome = desk
        .send_message_read_aloud(
            SendRequest {
                prompt: "hello".into(),
                ..SendRequest::default()
            },
            None,
            "mp3",
            |_| {},
            |_| panic!("no audio from a failed task"),
        )
        .await
        .expect("the reply itself succeeded");
    assert_eq!(outcome.reply.status, MessageStatus::Complete);
    assert!(outcome.speech.is_none());
    let error = outcome.speech_error.expect("speech error");
    assert_eq!(error.dashscope_code.as_deref(), Some("Engine.Unavailable"));
    let rows = desk.usage_records(None, None).expect("ledger");
    // The two rows end in either order.
    let mut kinds: Vec<(&str, UsageStatus)> =
        rows.iter().map(|r| (r.kind.as_str(), r.status)).collect();
    kinds.sort_by_key(|(kind, _)| *kind);
    assert_eq!(
        kinds,
        vec![
            ("chat", UsageStatus::Ok),
            ("speech_synthesis", UsageStatus::Failed)
        ]
    );

    // A reply that fails before saying anything is the error; nothing was read.
    emulator
        .push_fault("status=400,code=InvalidParameter", 1)
        .expect("fault");
    let error = desk
        .send_message_read_aloud(
            SendRequest {
                prompt: "hello again".into(),
                ..SendRequest::default()
            },
            None,
            "mp3",
            |_| {},
            |_| panic!("nothing to hear"),
        )
        .await
        .expect_err("the reply failed");
    assert_eq!(error.dashscope_code.as_deref(), Some("InvalidParameter"));
    assert_eq!(desk.usage_records(None, None).expect("ledger").len(), 3);
}
