//! Live recognition (the microphone's path) through the core against the emulator, on a real
//! database file: events arrive while audio is still being pushed, `finish` returns every
//! sentence and records the seconds heard, a cancelled or abandoned session records nothing, bad
//! audio is refused before anything is sent, a task the server fails mid-stream is a `failed`
//! event with the doctor's code, and a session is reachable only from its own profile.
//!
//! The emulator hears one sentence per full second of 16-bit audio: an interim result as soon as
//! part of a second arrived, the final one once the second is complete.

mod common;

use std::time::Duration;

use bailian_emulator::RunningEmulator;
use base64::Engine as _;
use desk_core::{
    Desk, DeskConfig, Device, ErrorCode, LiveTranscriptEvent, PasswordPolicy, UsageKind,
    UsageStatus,
};
use tokio::sync::mpsc;

use common::{keyed_config, short_retry};

/// 16-bit mono PCM at 16 kHz: bytes per second.
const SECOND: usize = 32_000;
/// What a microphone sends at a time: 100 ms.
const PIECE: usize = SECOND / 10;
/// Waiting longer than this for an event means it is not coming (not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(20);

/// Short retries and the default polling (a live session polls nothing).
fn config(home: &std::path::Path, base_url: String) -> DeskConfig {
    let mut config = keyed_config(home, base_url);
    config.retry = short_retry();
    config
}

type Events = mpsc::UnboundedReceiver<LiveTranscriptEvent>;

fn events() -> (impl FnMut(LiveTranscriptEvent) + Send + 'static, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    (move |event| drop(tx.send(event)), rx)
}

/// The events up to and including the first one `until` accepts.
async fn collect_until(
    events: &mut Events,
    until: impl Fn(&LiveTranscriptEvent) -> bool,
) -> Vec<LiveTranscriptEvent> {
    let mut seen = Vec::new();
    loop {
        let event = tokio::time::timeout(PATIENCE, events.recv())
            .await
            .unwrap_or_else(|_| panic!("no such event came; saw {seen:?}"))
            .unwrap_or_else(|| panic!("the session ended first; saw {seen:?}"));
        let done = until(&event);
        seen.push(event);
        if done {
            return seen;
        }
    }
}

/// Everything the session still reports until its task is gone.
async fn drain(events: &mut Events) -> Vec<LiveTranscriptEvent> {
    let mut seen = Vec::new();
    while let Some(event) = tokio::time::timeout(PATIENCE, events.recv())
        .await
        .expect("the session's task ended")
    {
        seen.push(event);
    }
    seen
}

fn is_sentence(event: &LiveTranscriptEvent) -> bool {
    matches!(event, LiveTranscriptEvent::Sentence { .. })
}

fn sentence_texts(events: &[LiveTranscriptEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            LiveTranscriptEvent::Sentence { sentence } => Some(sentence.text.clone()),
            _ => None,
        })
        .collect()
}

/// A ledger row as (kind, model, status, units, error code).
type Row = (UsageKind, String, UsageStatus, Option<u64>, Option<String>);

fn ledger(desk: &Desk) -> Vec<Row> {
    common::ledger(desk, |r| (r.kind, r.model, r.status, r.units, r.error_code))
}

#[tokio::test]
async fn sentences_arrive_while_audio_is_pushed_and_finish_returns_them_all() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
    let (on_event, mut heard) = events();
    let session = desk
        .start_live_transcription(16_000, vec!["en".into()], on_event)
        .await
        .expect("started");
    // 1.5 s in microphone-sized pieces, then wait for the first settled sentence without
    // finishing: it must come while the session is still open.
    for _ in 0..15 {
        session.push(&[0; PIECE]).expect("push");
    }
    let first = collect_until(&mut heard, is_sentence).await;
    assert!(
        matches!(first.first(), Some(LiveTranscriptEvent::Partial { text, begin_ms: 0 }) if text == "Sentence 1"),
        "a partial comes before its sentence settles: {first:?}"
    );
    assert_eq!(sentence_texts(&first), ["Sentence 1 from the emulator."]);
    // The next second's partial, revised from the audio of the second half-second.
    let partial = collect_until(&mut heard, |e| {
        matches!(e, LiveTranscriptEvent::Partial { .. })
    })
    .await;
    assert!(
        matches!(partial.last(), Some(LiveTranscriptEvent::Partial { text, begin_ms: 1_000 }) if text == "Sentence 2"),
        "{partial:?}"
    );
    assert!(ledger(&desk).is_empty(), "nothing recorded while open");
    // 1.5 s more, pushed at the network's pace, then the end of the audio.
    for _ in 0..15 {
        session.push_wait(&[0; PIECE]).await.expect("push");
    }
    let transcript = session.finish().await.expect("transcript");
    let rest = drain(&mut heard).await;
    assert_eq!(
        sentence_texts(&rest),
        [
            "Sentence 2 from the emulator.",
            "Sentence 3 from the emulator."
        ]
    );
    assert!(
        !rest
            .iter()
            .any(|e| matches!(e, LiveTranscriptEvent::Failed { .. })),
        "{rest:?}"
    );
    assert_eq!(transcript.model, "paraformer-realtime-v2");
    let texts: Vec<&str> = transcript
        .sentences
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "Sentence 1 from the emulator.",
            "Sentence 2 from the emulator.",
            "Sentence 3 from the emulator."
        ]
    );
    assert_eq!(
        transcript.sentences[2].end_ms,
        Some(3_000),
        "the last second settled at the end"
    );
    assert_eq!(transcript.text, texts.join(" "));
    assert_eq!(transcript.duration_seconds, Some(3));
    // One ledger row, written before `finish` returned.
    assert_eq!(
        ledger(&desk),
        vec![(
            UsageKind::SpeechRecognition,
            "paraformer-realtime-v2".to_owned(),
            UsageStatus::Ok,
            Some(3),
            None
        )]
    );
}

#[tokio::test]
async fn the_apps_sessions_are_kept_by_id_and_take_base64() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
    let (on_event, mut heard) = events();
    let id = desk
        .open_live_transcription(8_000, Vec::new(), on_event)
        .await
        .expect("started");
    assert_eq!(desk.live_transcriptions(), 1);
    // 8 kHz: 16,000 bytes a second; 2.5 s in quarter seconds.
    let piece = base64::engine::general_purpose::STANDARD.encode([0u8; 4_000]);
    for _ in 0..10 {
        desk.push_live_audio_base64(&id, &piece).expect("push");
    }
    let error = desk
        .push_live_audio_base64(&id, "not base64!")
        .expect_err("bad base64");
    assert_eq!(error.code, ErrorCode::BadRequest);
    let transcript = desk.finish_live_transcription(&id).await.expect("finish");
    assert_eq!(transcript.sentences.len(), 3, "two full seconds and a half");
    assert_eq!(transcript.sentences[2].end_ms, Some(2_500));
    assert_eq!(transcript.duration_seconds, Some(3));
    assert_eq!(sentence_texts(&drain(&mut heard).await).len(), 3);
    // The id is gone: pushing or finishing again is refused, cancelling is not an error.
    assert_eq!(desk.live_transcriptions(), 0);
    let error = desk.push_live_audio(&id, &[0; 2]).expect_err("finished");
    assert_eq!(error.code, ErrorCode::BadRequest);
    let error = desk
        .finish_live_transcription(&id)
        .await
        .expect_err("finished");
    assert_eq!(error.code, ErrorCode::BadRequest);
    desk.cancel_live_transcription(&id);
    desk.cancel_live_transcription("never-opened");
    assert_eq!(ledger(&desk).len(), 1);
}

#[tokio::test]
async fn a_cancelled_session_records_nothing() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
    let (on_event, mut heard) = events();
    let id = desk
        .open_live_transcription(16_000, Vec::new(), on_event)
        .await
        .expect("started");
    for _ in 0..12 {
        desk.push_live_audio(&id, &[0; PIECE]).expect("push");
    }
    // The server has heard a whole second before the cancel.
    collect_until(&mut heard, is_sentence).await;
    desk.cancel_live_transcription(&id);
    assert_eq!(desk.live_transcriptions(), 0);
    // The task is gone once its events end; it reported no failure and recorded nothing.
    let after = drain(&mut heard).await;
    assert!(
        !after
            .iter()
            .any(|e| matches!(e, LiveTranscriptEvent::Failed { .. })),
        "{after:?}"
    );
    assert!(ledger(&desk).is_empty());
    let error = desk.push_live_audio(&id, &[0; 2]).expect_err("cancelled");
    assert_eq!(error.code, ErrorCode::BadRequest);

    // Dropping a handle cancels too.
    let (on_event, mut heard) = events();
    let session = desk
        .start_live_transcription(16_000, Vec::new(), on_event)
        .await
        .expect("started");
    session.push(&[0; SECOND]).expect("push");
    drop(session);
    drain(&mut heard).await;
    assert!(ledger(&desk).is_empty());
}

#[tokio::test]
async fn bad_audio_is_refused_before_anything_is_sent() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
    for rate in [0, 22_050, 44_100, 48_000] {
        let (on_event, _heard) = events();
        let error = desk
            .open_live_transcription(rate, Vec::new(), on_event)
            .await
            .expect_err("refused");
        assert_eq!(error.code, ErrorCode::UnsupportedByModel, "{rate} Hz");
    }
    let (on_event, _heard) = events();
    let error = desk
        .open_live_transcription(16_000, vec!["en\"; x".into()], on_event)
        .await
        .expect_err("refused");
    assert_eq!(error.code, ErrorCode::BadRequest);
    assert!(emulator.requests().is_empty(), "nothing was sent");
    assert_eq!(desk.live_transcriptions(), 0);

    // Half a sample is refused; the session goes on.
    let (on_event, _heard) = events();
    let id = desk
        .open_live_transcription(16_000, Vec::new(), on_event)
        .await
        .expect("started");
    let error = desk
        .push_live_audio(&id, &[0; PIECE + 1])
        .expect_err("odd byte count");
    assert_eq!(error.code, ErrorCode::BadRequest);
    let error = desk
        .push_live_audio(&id, &vec![0; 31 * SECOND])
        .expect_err("more than the queue holds");
    assert_eq!(error.code, ErrorCode::BadRequest);
    desk.push_live_audio(&id, &[0; SECOND]).expect("even");
    let transcript = desk.finish_live_transcription(&id).await.expect("finish");
    assert_eq!(transcript.sentences.len(), 1);
    assert_eq!(ledger(&desk).len(), 1);
}

#[tokio::test]
async fn a_task_the_server_fails_midway_is_a_failed_event_with_the_doctors_code() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
    // The WebSocket handshake takes the fault: the task fails after its second result.
    emulator
        .push_fault(
            "error_after=2,code=Arrearage,message=Access denied for arrears.",
            1,
        )
        .expect("fault");
    let (on_event, mut heard) = events();
    let id = desk
        .open_live_transcription(16_000, Vec::new(), on_event)
        .await
        .expect("started");
    for _ in 0..12 {
        desk.push_live_audio(&id, &[0; PIECE]).expect("push");
    }
    let seen = collect_until(&mut heard, |e| {
        matches!(e, LiveTranscriptEvent::Failed { .. })
    })
    .await;
    assert_eq!(
        sentence_texts(&seen),
        ["Sentence 1 from the emulator."],
        "what was settled before the failure was delivered: {seen:?}"
    );
    let Some(LiveTranscriptEvent::Failed { error }) = seen.last() else {
        unreachable!()
    };
    assert_eq!(error.code, ErrorCode::Arrears);
    assert_eq!(error.dashscope_code.as_deref(), Some("Arrearage"));
    assert!(
        drain(&mut heard).await.is_empty(),
        "failed is the last event"
    );
    // The session is over: pushes and finish answer with the same error.
    let pushed = desk.push_live_audio(&id, &[0; PIECE]).expect_err("over");
    assert_eq!(pushed.code, ErrorCode::Arrears);
    let finished = desk
        .finish_live_transcription(&id)
        .await
        .expect_err("failed");
    assert_eq!(finished.dashscope_code.as_deref(), Some("Arrearage"));
    // A failed call is a ledger row with its code, as for a file.
    assert_eq!(
        ledger(&desk),
        vec![(
            UsageKind::SpeechRecognition,
            "paraformer-realtime-v2".to_owned(),
            UsageStatus::Failed,
            None,
            Some("arrears".to_owned())
        )]
    );

    // A task refused at its start is the call's error.
    emulator
        .push_fault("task_fail=Throttling.AllocationQuota", 1)
        .expect("fault");
    let (on_event, _heard) = events();
    let error = desk
        .open_live_transcription(16_000, Vec::new(), on_event)
        .await
        .expect_err("refused at run-task");
    assert_eq!(
        error.dashscope_code.as_deref(),
        Some("Throttling.AllocationQuota")
    );
    assert_eq!(desk.live_transcriptions(), 0);
}

#[tokio::test]
async fn a_session_without_audio_is_closed() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let mut config = config(home.path(), emulator.base_url());
    config.live_idle_timeout = Duration::from_millis(50);
    let desk = Desk::open(config).expect("open");
    let (on_event, mut heard) = events();
    let id = desk
        .open_live_transcription(16_000, Vec::new(), on_event)
        .await
        .expect("started");
    let seen = collect_until(&mut heard, |e| {
        matches!(e, LiveTranscriptEvent::Failed { .. })
    })
    .await;
    let Some(LiveTranscriptEvent::Failed { error }) = seen.last() else {
        unreachable!()
    };
    assert_eq!(error.code, ErrorCode::Cancelled);
    assert_eq!(desk.live_transcriptions(), 0, "dropped from the registry");
    let error = desk.push_live_audio(&id, &[0; 2]).expect_err("closed");
    assert_eq!(error.code, ErrorCode::BadRequest);
    assert!(ledger(&desk).is_empty());
}

#[tokio::test]
async fn another_profile_cannot_reach_a_session() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let device = Device::open_with_policy(
        config(home.path(), emulator.base_url()),
        PasswordPolicy {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        },
    )
    .expect("device");
    let first = device.status().expect("status").profiles[0].id.clone();
    device
        .create_profile(None, "Ada", "ada-password")
        .expect("claim");
    let ada = device
        .login(&first, Some("ada-password"))
        .expect("login")
        .token;
    let bo_profile = device
        .create_profile(Some(&ada), "Bo", "bo-password")
        .expect("Bo");
    let bo = device
        .login(&bo_profile.id, Some("bo-password"))
        .expect("login")
        .token;
    let ada_desk = device.desk(&ada).expect("Ada's desk");
    let bo_desk = device.desk(&bo).expect("Bo's desk");
    let (on_event, mut heard) = events();
    let id = ada_desk
        .open_live_transcription(16_000, Vec::new(), on_event)
        .await
        .expect("started");
    ada_desk
        .push_live_audio(&id, &[0; SECOND / 2])
        .expect("push");
    // Bo's token reaches Bo's desk, which does not know the id: no push, no finish, and his
    // cancel (not an error: unknown ids never are) leaves Ada's session running.
    let error = bo_desk
        .push_live_audio(&id, &[0; SECOND / 2])
        .expect_err("not Bo's");
    assert_eq!(error.code, ErrorCode::BadRequest);
    let error = bo_desk
        .finish_live_transcription(&id)
        .await
        .expect_err("not Bo's");
    assert_eq!(error.code, ErrorCode::BadRequest);
    bo_desk.cancel_live_transcription(&id);
    assert_eq!(bo_desk.live_transcriptions(), 0);
    assert_eq!(ada_desk.live_transcriptions(), 1);
    ada_desk
        .push_live_audio(&id, &[0; SECOND / 2])
        .expect("still Ada's");
    let transcript = ada_desk
        .finish_live_transcription(&id)
        .await
        .expect("finish");
    assert_eq!(
        transcript.sentences.len(),
        1,
        "one second: only Ada's two halves"
    );
    assert_eq!(sentence_texts(&drain(&mut heard).await).len(), 1);
    assert!(
        bo_desk
            .usage_records(None, None)
            .expect("ledger")
            .is_empty()
    );
    assert_eq!(ada_desk.usage_records(None, None).expect("ledger").len(), 1);
}

/// 16-bit mono PCM in a WAV file.
fn wav(rate: u32, data: &[u8]) -> Vec<u8> {
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    out
}

#[tokio::test]
async fn a_file_is_audio_pushed_through_the_same_session() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), emulator.base_url())).expect("open");
    let path = home.path().join("call.wav");
    std::fs::write(&path, wav(16_000, &vec![0; 5 * SECOND / 2])).expect("write");
    let mut heard = Vec::new();
    let transcript = desk
        .transcribe_file(&path, Vec::new(), |sentence| heard.push(sentence.clone()))
        .await
        .expect("transcript");
    assert_eq!(
        heard, transcript.sentences,
        "each sentence reported as it came"
    );
    assert_eq!(heard.len(), 3);
    assert_eq!(transcript.sentences[2].end_ms, Some(2_500));
    assert_eq!(transcript.duration_seconds, Some(3));
    // A task that fails midway is the call's error, recorded with its code.
    emulator
        .push_fault("error_after=1,code=Arrearage", 1)
        .expect("fault");
    let error = desk
        .transcribe_file(&path, Vec::new(), |_| {})
        .await
        .expect_err("failed");
    assert_eq!(error.code, ErrorCode::Arrears);
    let rows: Vec<(UsageStatus, Option<u64>)> = ledger(&desk)
        .into_iter()
        .map(|(_, _, status, units, _)| (status, units))
        .collect();
    assert_eq!(
        rows,
        [(UsageStatus::Ok, Some(3)), (UsageStatus::Failed, None)]
    );
    // A file that is not audio is refused before anything is sent.
    emulator.clear_requests();
    let text = home.path().join("notes.txt");
    std::fs::write(&text, "hello").expect("write");
    let error = desk
        .transcribe_file(&text, Vec::new(), |_| {})
        .await
        .expect_err("not audio");
    assert_eq!(error.code, ErrorCode::UnsupportedByModel);
    assert!(emulator.requests().is_empty());
    assert_eq!(ledger(&desk).len(), 2);
}
