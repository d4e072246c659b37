//! Speech over the WebSocket inference protocol against the emulator.

use bailian::speech::{ASR_FRAME_BYTES, MAX_TTS_CHARS_PER_MESSAGE};
use bailian::{
    ApiKey, AsrRequest, Client, ClientConfig, Error, SpeechEvent, SpeechReader, TtsRequest,
};
use bailian_emulator::{DEFAULT_API_KEY, RunningEmulator};

fn client(emulator: &RunningEmulator, key: &str) -> Client {
    Client::new(ClientConfig::new(
        emulator.base_url(),
        ApiKey::new(key).expect("key"),
    ))
    .expect("client")
}

fn tts(format: &str) -> TtsRequest {
    TtsRequest {
        model: "cosyvoice-v2".into(),
        voice: "longxiaochun_v2".into(),
        format: format.into(),
        sample_rate: Some(16_000),
    }
}

fn asr() -> AsrRequest {
    AsrRequest {
        model: "paraformer-realtime-v2".into(),
        format: "pcm".into(),
        sample_rate: 16_000,
        language_hints: vec!["zh".into(), "en".into()],
    }
}

/// Reads until `Finished`: all audio bytes, final sentences, the usage.
async fn drain(reader: &mut SpeechReader) -> (Vec<u8>, Vec<String>, usize, serde_json::Value) {
    let (mut audio, mut finals, mut interims) = (Vec::new(), Vec::new(), 0);
    while let Some(event) = reader.next().await {
        match event.expect("event") {
            SpeechEvent::Audio(bytes) => audio.extend(bytes),
            SpeechEvent::Sentence {
                text,
                is_final: true,
                ..
            } => finals.push(text),
            SpeechEvent::Sentence { .. } => interims += 1,
            SpeechEvent::Finished { usage } => return (audio, finals, interims, usage),
        }
    }
    panic!("no Finished event");
}

#[tokio::test]
async fn synthesis_speaks_while_text_still_arrives() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let (mut writer, mut reader) = client(&emulator, DEFAULT_API_KEY)
        .start_synthesis(&tts("pcm"))
        .await
        .expect("start");
    writer.send_text("Hello world").await.expect("text");
    // Audio for the first piece arrives before the rest of the reply is even sent.
    let first = loop {
        match reader.next().await.expect("event").expect("ok") {
            SpeechEvent::Audio(bytes) => break bytes,
            _ => continue,
        }
    };
    assert!(!first.is_empty());
    writer.send_text("你好").await.expect("text");
    writer.finish().await.expect("finish");
    let (rest, _, _, usage) = drain(&mut reader).await;
    // 60 ms per character at 16 kHz, 16-bit mono: 1,920 bytes a character; 13 characters.
    assert_eq!(first.len() + rest.len(), 13 * 1_920);
    assert_eq!(
        usage["characters"], 15,
        "Chinese characters are billed as two"
    );
}

#[tokio::test]
async fn mp3_audio_is_mp3() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let (mut writer, mut reader) = client(&emulator, DEFAULT_API_KEY)
        .start_synthesis(&tts("mp3"))
        .await
        .expect("start");
    writer.send_text("Read this aloud.").await.expect("text");
    writer.finish().await.expect("finish");
    let (audio, _, _, _) = drain(&mut reader).await;
    assert_eq!(&audio[..2], &[0xFF, 0xFB], "an MPEG audio frame header");
}

#[tokio::test]
async fn recognition_of_a_stream_of_audio_frames() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let (mut writer, mut reader) = client(&emulator, DEFAULT_API_KEY)
        .start_recognition(&asr())
        .await
        .expect("start");
    // 2.5 s of 16 kHz 16-bit audio, in the SDK's frame size.
    let audio = vec![0u8; 80_000];
    for frame in audio.chunks(ASR_FRAME_BYTES) {
        writer.send_audio(frame).await.expect("audio");
    }
    writer.finish().await.expect("finish");
    let (_, finals, interims, usage) = drain(&mut reader).await;
    assert_eq!(
        finals,
        vec![
            "Sentence 1 from the emulator.",
            "Sentence 2 from the emulator.",
            "Sentence 3 from the emulator."
        ]
    );
    assert!(interims >= 2, "interim results arrive before final ones");
    assert_eq!(usage["duration"], 3);
}

#[tokio::test]
async fn a_bad_key_fails_the_handshake() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let error = client(&emulator, "sk-wrong")
        .start_recognition(&asr())
        .await
        .expect_err("refused");
    let api = error.api().expect("api error");
    assert_eq!((api.status, api.code.as_str()), (401, "InvalidApiKey"));
}

#[tokio::test]
async fn task_failures_carry_their_code() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = client(&emulator, DEFAULT_API_KEY);
    let unknown = TtsRequest {
        model: "no-such-voice-model".into(),
        ..tts("mp3")
    };
    let error = client
        .start_synthesis(&unknown)
        .await
        .expect_err("unknown model");
    assert_eq!(
        error.api().map(|a| (a.code.as_str(), a.message.as_str())),
        Some(("InvalidParameter", "Model not exist."))
    );
    emulator
        .push_fault("task_fail=InvalidParameter", 1)
        .expect("fault");
    let error = client
        .start_recognition(&asr())
        .await
        .expect_err("told to fail");
    assert_eq!(
        error.api().map(|a| a.code.as_str()),
        Some("InvalidParameter")
    );
}

#[tokio::test]
async fn too_much_text_is_refused_before_sending() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = client(&emulator, DEFAULT_API_KEY);
    let (mut writer, _reader) = client.start_synthesis(&tts("mp3")).await.expect("start");
    let long = "字".repeat(MAX_TTS_CHARS_PER_MESSAGE / 2 + 1);
    assert!(matches!(
        writer.send_text(&long).await,
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        client
            .start_synthesis(&TtsRequest {
                voice: " ".into(),
                ..tts("mp3")
            })
            .await,
        Err(Error::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn file_transcription_as_a_task() {
    use bailian::{PollPolicy, TaskResult, TaskStatus};
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = client(&emulator, DEFAULT_API_KEY);
    let files = vec![
        "https://example.invalid/a.wav".to_owned(),
        "https://example.invalid/b.mp3".to_owned(),
    ];
    emulator.push_fault("partial_fail=1", 1).expect("fault");
    let task = client
        .submit_transcription("paraformer-v2", &files, &["zh".into()])
        .await
        .expect("submit");
    let policy = PollPolicy {
        initial: std::time::Duration::from_millis(1),
        max: std::time::Duration::from_millis(2),
        give_up_after: std::time::Duration::from_secs(5),
    };
    let done = client
        .wait_task(&task.task_id, &policy, |_| {})
        .await
        .expect("wait");
    assert_eq!(done.status, TaskStatus::Succeeded);
    let TaskResult::Transcription {
        file_url,
        transcription_url,
    } = &done.results[0]
    else {
        panic!("{:?}", done.results)
    };
    assert_eq!(file_url.as_deref(), Some("https://example.invalid/a.wav"));
    let transcript = client
        .fetch_transcript(transcription_url)
        .await
        .expect("transcript");
    assert!(
        transcript.text.starts_with("Transcript of file"),
        "{}",
        transcript.text
    );
    assert_eq!(transcript.sentences.len(), 1);
    assert!(
        matches!(&done.results[1], TaskResult::Failed { code, .. } if code == "InvalidFile.DownloadFailed"),
        "the second file failed, the first is kept"
    );
    emulator.clear_requests();
    let local = client
        .submit_transcription("paraformer-v2", &["/home/me/a.wav".into()], &[])
        .await;
    assert!(
        matches!(local, Err(Error::InvalidRequest(_))),
        "local paths are refused before sending"
    );
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn a_tingwu_meeting_is_analysed() {
    use bailian::PollPolicy;
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = client(&emulator, DEFAULT_API_KEY);
    let data_id = client
        .tingwu_create("tw_emulator", "https://example.invalid/meeting.mp3")
        .await
        .expect("create");
    let policy = PollPolicy {
        initial: std::time::Duration::from_millis(1),
        max: std::time::Duration::from_millis(2),
        give_up_after: std::time::Duration::from_secs(5),
    };
    let meeting = client
        .tingwu_wait(&data_id, &policy)
        .await
        .expect("meeting");
    assert_eq!(
        meeting
            .auto_chapters
            .as_ref()
            .and_then(|c| c["AutoChapters"][0]["Headline"].as_str()),
        Some("Release planning")
    );
    assert_eq!(
        meeting
            .meeting_assistance
            .as_ref()
            .and_then(|a| a["MeetingAssistance"]["Actions"][0]["Text"].as_str()),
        Some("Write the notes by Friday.")
    );
    assert!(meeting.summarization.is_some() && meeting.transcription.is_some());
    emulator
        .push_fault("task_fail=TSC.FileError", 1)
        .expect("fault");
    let failing = client
        .tingwu_create("tw_emulator", "https://example.invalid/broken.mp3")
        .await
        .expect("create");
    let error = client
        .tingwu_wait(&failing, &policy)
        .await
        .expect_err("failed");
    assert_eq!(error.api().map(|a| a.code.as_str()), Some("TSC.FileError"));
}

#[tokio::test]
async fn qwen_tts_over_http() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let spoken = client(&emulator, DEFAULT_API_KEY)
        .qwen_tts("qwen3-tts-flash", "你好 world", "Cherry")
        .await
        .expect("tts");
    assert_eq!(&spoken.audio[..4], b"RIFF");
    // 8 characters × 60 ms at 24 kHz, 16-bit: 23,040 bytes of samples after the 44-byte header.
    assert_eq!(spoken.audio.len(), 44 + 23_040);
    assert_eq!(spoken.characters, 10, "Chinese characters count twice");
}
