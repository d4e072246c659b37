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
