//! The real `bailian-desk` binary against the emulator for stored transcriptions by URL
//! (`transcriptions`, `resume`, `delete`, a failed job's exit code) and live recognition from a
//! pipe or a WAV file (`transcribe --live`): sentences on stdout as they settle, partials on
//! stderr, `--json` for the whole transcript, bad audio refused with the doctor's code.

mod common;

use std::process::Output;

use bailian_emulator::{DEFAULT_API_KEY, RunningEmulator};
use serde_json::Value;

use common::{Env, json, stderr, stdout};

impl Env {
    /// Runs the CLI with `stdin` piped in (closed at its end, as `arecord`'s pipe is).
    async fn run(&self, args: &[&str], stdin: Option<Vec<u8>>) -> Output {
        Env::output(self.command(args, Some(DEFAULT_API_KEY)), stdin).await
    }
}

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

#[tokio::test(flavor = "multi_thread")]
async fn transcriptions_are_listed_resumed_and_deleted() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let out = env
        .run(
            &["transcribe", "--url", "https://example.invalid/one.wav"],
            None,
        )
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).trim_end().ends_with("from the emulator."),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains(": pending (task "),
        "{}",
        stderr(&out)
    );
    // A failed task: the job is printed, the error reported with the doctor's code, exit 1.
    emulator
        .push_fault("task_fail=InvalidFile.DecodeFailed", 1)
        .expect("fault");
    let out = env
        .run(
            &[
                "transcribe",
                "--url",
                "https://example.invalid/broken.wav",
                "--json",
            ],
            None,
        )
        .await;
    assert!(!out.status.success());
    let failed: Value = serde_json::from_str(&stdout(&out)).expect("the job as JSON");
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["dashscopeCode"], "InvalidFile.DecodeFailed");
    assert!(stderr(&out).contains("[bad_request]"), "{}", stderr(&out));

    let list = json(&env.run(&["transcriptions", "--json"], None).await);
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], failed["id"], "newest first");
    assert_eq!(list[1]["status"], "succeeded");
    let out = env.run(&["transcriptions"], None).await;
    assert!(out.status.success());
    assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));
    assert!(stdout(&out).contains("[bad_request]"), "{}", stdout(&out));

    let resumed = json(&env.run(&["transcriptions", "resume", "--json"], None).await);
    assert_eq!(
        resumed,
        Value::Array(Vec::new()),
        "nothing was left unfinished"
    );

    let id = list[1]["id"].as_str().expect("id");
    let out = env.run(&["transcriptions", "delete", id], None).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let list = json(&env.run(&["transcriptions", "--json"], None).await);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn live_recognition_reads_a_pipe_and_a_wav_file() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    // 2.5 s of raw 16 kHz PCM on stdin, as `arecord -f S16_LE -r 16000 -c 1 -t raw` writes it.
    let out = env
        .run(&["transcribe", "--live", "-"], Some(vec![0; 80_000]))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        [
            "Sentence 1 from the emulator.",
            "Sentence 2 from the emulator.",
            "Sentence 3 from the emulator."
        ],
        "one settled sentence a line"
    );
    assert!(stderr(&out).contains("  … Sentence 1"), "{}", stderr(&out));

    // A WAV file at 8 kHz: its own rate, whatever --sample-rate says; --json at the end.
    let file = env.home.path().join("call.wav");
    std::fs::write(&file, wav(8_000, &[0; 24_000])).expect("write");
    let file = file.to_str().expect("utf-8 path");
    let transcript = json(
        &env.run(&["transcribe", "--live", "--json", file], None)
            .await,
    );
    assert_eq!(transcript["model"], "paraformer-realtime-v2");
    assert_eq!(transcript["sentences"].as_array().map(Vec::len), Some(2));
    assert_eq!(transcript["sentences"][1]["endMs"], 1_500);
    assert_eq!(transcript["durationSeconds"], 2);

    // Raw audio at a rate live recognition does not take: refused, nothing sent.
    emulator.clear_requests();
    let out = env
        .run(
            &["transcribe", "--live", "--sample-rate", "44100", "-"],
            Some(vec![0; 4]),
        )
        .await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("[unsupported_by_model]"),
        "{}",
        stderr(&out)
    );
    assert!(emulator.requests().is_empty());
    // --live and --url together are a usage error.
    let out = env
        .run(
            &[
                "transcribe",
                "--live",
                "--url",
                "https://example.invalid/a.wav",
            ],
            None,
        )
        .await;
    assert!(!out.status.success());

    // Each finished session is one ledger row, in seconds of audio.
    let usage = json(&env.run(&["usage", "--json"], None).await);
    let rows: Vec<(&str, u64)> = usage["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            (
                r["model"].as_str().unwrap_or_default(),
                r["units"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("paraformer-realtime-v2", 3), ("paraformer-realtime-v2", 2)]
    );
}
