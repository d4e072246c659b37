//! The real `bailian-desk` binary against the emulator for meetings, transcription by URL,
//! Qwen-TTS and reading a reply aloud: stdout (`--json`), progress on stderr, exit codes, what is
//! stored and what the ledger records.

mod common;

use std::process::Output;

use bailian_emulator::{DEFAULT_API_KEY, RunningEmulator, reply_text};
use serde_json::Value;

use common::{Env, json, stderr, stdout};

impl Env {
    async fn run(&self, args: &[&str], tingwu_app: Option<&str>) -> Output {
        let mut command = self.command(args, Some(DEFAULT_API_KEY));
        command.env_remove("BAILIAN_TINGWU_APP_ID");
        if let Some(app) = tingwu_app {
            command.env("BAILIAN_TINGWU_APP_ID", app);
        }
        Env::output(command, None).await
    }
}

fn usage_rows(records: &Value) -> Vec<(String, String, String, Option<u64>)> {
    records["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap_or_default().to_owned(),
                r["model"].as_str().unwrap_or_default().to_owned(),
                r["status"].as_str().unwrap_or_default().to_owned(),
                r["units"].as_u64(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_meeting_from_a_url_is_stored_listed_and_shown() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let url = "https://example.invalid/standup.mp3";

    // Without a Tingwu app the command says what to set, and stores nothing.
    let out = env.run(&["meeting", url], None).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("[bad_request]") && stderr(&out).contains("BAILIAN_TINGWU_APP_ID"),
        "{}",
        stderr(&out)
    );
    assert!(emulator.requests().is_empty());

    let out = env.run(&["meeting", url, "--json"], Some("tw_cli")).await;
    let meetings = json(&out);
    assert!(
        stderr(&out).contains(": running"),
        "progress on stderr: {}",
        stderr(&out)
    );
    let meeting = &meetings[0];
    assert_eq!(meeting["status"], "succeeded");
    assert_eq!(meeting["fileUrl"], url);
    assert_eq!(meeting["sentences"].as_array().map(Vec::len), Some(2));
    assert_eq!(meeting["sentences"][0]["speaker"], "Speaker 1");
    assert_eq!(meeting["chapters"][0]["title"], "Release planning");
    assert_eq!(meeting["actions"][0]["text"], "Write the notes by Friday.");
    let id = meeting["id"].as_str().expect("id").to_owned();

    let list = json(&env.run(&["meetings", "--json"], None).await);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["sentenceCount"], 2);

    let out = env.run(&["meetings", &id], None).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for part in [
        "Summary",
        "Release planning",
        "Action items",
        "Write the notes by Friday.",
        "[00:03] speaker Speaker 2: I will write the notes by Friday.",
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }
    // Nothing is left to resume.
    assert_eq!(
        json(
            &env.run(&["meeting", "--resume", "--json"], Some("tw_cli"))
                .await
        ),
        serde_json::json!([])
    );

    // A meeting Tingwu fails exits non-zero with the doctor's code and Tingwu's.
    emulator
        .push_fault("task_fail=TSC.FileError", 1)
        .expect("fault");
    let out = env.run(&["meeting", url], Some("tw_cli")).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("[bad_request]") && stderr(&out).contains("TSC.FileError"),
        "{}",
        stderr(&out)
    );
    let list = json(&env.run(&["meetings", "--json"], None).await);
    assert_eq!(list[0]["status"], "failed");
    assert_eq!(list[0]["dashscopeCode"], "TSC.FileError");

    let usage = json(&env.run(&["usage", "--json"], None).await);
    assert_eq!(
        usage_rows(&usage),
        vec![
            (
                "speech_recognition".into(),
                "tingwu-meeting".into(),
                "ok".into(),
                Some(6)
            ),
            (
                "speech_recognition".into(),
                "tingwu-meeting".into(),
                "failed".into(),
                None
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn transcribe_by_url_and_speak_with_qwen_tts() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let out = env
        .run(
            &[
                "transcribe",
                "--url",
                "https://example.invalid/call.wav",
                "--language",
                "en",
                "--json",
            ],
            None,
        )
        .await;
    // The stored job, its transcript inside; its id and states on stderr.
    let job = json(&out);
    assert_eq!(job["status"], "succeeded");
    let transcript = &job["transcript"];
    assert_eq!(transcript["model"], "paraformer-v2");
    assert_eq!(transcript["durationSeconds"], 3);
    assert!(
        transcript["text"]
            .as_str()
            .is_some_and(|t| t.ends_with("from the emulator.")),
        "{transcript}"
    );
    let id = job["id"].as_str().expect("id");
    assert!(
        stderr(&out).contains(&format!("transcription {id}: succeeded")),
        "{}",
        stderr(&out)
    );
    // A local path is not a URL: refused, nothing sent.
    emulator.clear_requests();
    let out = env
        .run(&["transcribe", "--url", "/home/me/call.wav"], None)
        .await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("[bad_request]"), "{}", stderr(&out));
    assert!(emulator.requests().is_empty());
    // A file and a URL at once is a usage error.
    let out = env
        .run(
            &[
                "transcribe",
                "a.wav",
                "--url",
                "https://example.invalid/a.wav",
            ],
            None,
        )
        .await;
    assert!(!out.status.success());

    let wav = env.home.path().join("hello.wav");
    let wav_arg = wav.to_str().expect("utf-8 path");
    let out = env
        .run(
            &[
                "speak", "--model", "qwen-tts", "--out", wav_arg, "--json", "hello",
            ],
            None,
        )
        .await;
    let summary = json(&out);
    assert_eq!(summary["model"], "qwen-tts");
    assert_eq!(summary["format"], "wav", "Qwen-TTS's format is the default");
    assert_eq!(summary["characters"], 5);
    let audio = std::fs::read(&wav).expect("audio");
    assert_eq!(&audio[..4], b"RIFF");
    assert_eq!(summary["audioBytes"].as_u64(), Some(audio.len() as u64));
    // Asking Qwen-TTS for MP3 is refused before sending.
    let out = env
        .run(
            &[
                "speak",
                "--model",
                "qwen3-tts-flash",
                "--format",
                "mp3",
                "--out",
                wav_arg,
                "hello",
            ],
            None,
        )
        .await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("[unsupported_by_model]"),
        "{}",
        stderr(&out)
    );

    let usage = json(&env.run(&["usage", "--json"], None).await);
    assert_eq!(
        usage_rows(&usage),
        vec![
            (
                "speech_recognition".into(),
                "paraformer-v2".into(),
                "ok".into(),
                Some(3)
            ),
            (
                "speech_synthesis".into(),
                "qwen-tts".into(),
                "ok".into(),
                Some(5)
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_read_aloud_writes_the_replys_audio() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let mp3 = env.home.path().join("reply.mp3");
    let out = env
        .run(
            &[
                "chat",
                "--read-aloud",
                mp3.to_str().expect("utf-8 path"),
                "Hello",
                "there",
            ],
            None,
        )
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let reply = reply_text("qwen-plus", 1, "Hello there");
    assert_eq!(
        stdout(&out).trim_end(),
        reply,
        "stdout keeps only the answer"
    );
    assert!(
        stderr(&out).contains("bytes of mp3 audio written to"),
        "{}",
        stderr(&out)
    );
    let audio = std::fs::read(&mp3).expect("audio");
    assert!(!audio.is_empty());
    assert_eq!(&audio[..2], &[0xFF, 0xFB], "MPEG audio frames");

    let usage = json(&env.run(&["usage", "--json"], None).await);
    let mut kinds: Vec<(String, String, Option<u64>)> = usage_rows(&usage)
        .into_iter()
        .map(|(kind, _, status, units)| (kind, status, units))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            ("chat".into(), "ok".into(), None),
            (
                "speech_synthesis".into(),
                "ok".into(),
                Some(reply.chars().count() as u64)
            ),
        ]
    );

    // A reading that fails leaves the reply stored and says so, with a failing exit code.
    emulator
        .push_fault("task_fail=Engine.Unavailable", 2)
        .expect("fault");
    let out = env
        .run(
            &[
                "chat",
                "--read-aloud",
                mp3.to_str().expect("utf-8 path"),
                "again",
            ],
            None,
        )
        .await;
    assert!(!out.status.success());
    assert_eq!(stdout(&out).trim_end(), reply_text("qwen-plus", 1, "again"));
    assert!(
        stderr(&out).contains("reading it aloud failed")
            && stderr(&out).contains("Engine.Unavailable"),
        "{}",
        stderr(&out)
    );
    // --voice needs --read-aloud.
    let out = env.run(&["chat", "--voice", "x", "hi"], None).await;
    assert!(!out.status.success());
}
