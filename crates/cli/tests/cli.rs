//! The real `bailian-desk` binary against the emulator: stdout, stderr, exit codes, stored data.

use std::process::Output;

use bailian_emulator::{DEFAULT_API_KEY, RunningEmulator, reply_text};
use serde_json::Value;

struct Env {
    home: tempfile::TempDir,
    base_url: String,
}

impl Env {
    fn new(base_url: String) -> Self {
        Self {
            home: tempfile::tempdir().expect("tempdir"),
            base_url,
        }
    }

    async fn run(&self, args: &[&str], key: Option<&str>) -> Output {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bailian-desk"));
        command
            .args(args)
            .env("BAILIAN_DESK_HOME", self.home.path())
            .env("BAILIAN_BASE_URL", &self.base_url)
            .env_remove("DASHSCOPE_API_KEY")
            .env_remove("RUST_LOG");
        if let Some(key) = key {
            command.env("DASHSCOPE_API_KEY", key);
        }
        tokio::task::spawn_blocking(move || command.output().expect("run bailian-desk"))
            .await
            .expect("join")
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_then_list_and_show() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let out = env
        .run(&["chat", "Hello", "there"], Some(DEFAULT_API_KEY))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim_end(),
        reply_text("qwen-plus", 1, "Hello there")
    );

    let out = env.run(&["conversations", "list", "--json"], None).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let id = list[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(list.as_array().map(Vec::len), Some(1));

    let out = env
        .run(
            &[
                "chat",
                "--conversation",
                &id,
                "--model",
                "qwen-max",
                "again",
            ],
            Some(DEFAULT_API_KEY),
        )
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim_end(), reply_text("qwen-max", 2, "again"));

    let out = env
        .run(&["conversations", "show", &id, "--json"], None)
        .await;
    let view: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let messages = view["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["status"], "complete");
    assert!(
        messages[1]["usage"]["outputTokens"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    assert_eq!(messages[3]["model"], "qwen-max");
}

#[tokio::test(flavor = "multi_thread")]
async fn dashscope_errors_exit_non_zero_with_code_and_message() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let out = env.run(&["chat", "hi"], Some("sk-not-accepted")).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("InvalidApiKey") && err.contains("Invalid API-key provided."),
        "{err}"
    );
    assert!(err.contains("request id"), "{err}");
    assert!(
        !err.contains("sk-not-accepted"),
        "the key never appears in output"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_exits_non_zero_and_keeps_the_store() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    assert!(
        env.run(&["chat", "keep"], Some(DEFAULT_API_KEY))
            .await
            .status
            .success()
    );

    let empty = env.run(&["chat", "   "], Some(DEFAULT_API_KEY)).await;
    assert!(!empty.status.success());
    assert!(
        stderr(&empty).contains("empty_prompt"),
        "{}",
        stderr(&empty)
    );

    let unknown = env
        .run(
            &["chat", "--conversation", "nope", "hi"],
            Some(DEFAULT_API_KEY),
        )
        .await;
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("conversation_not_found"),
        "{}",
        stderr(&unknown)
    );

    let no_key = env.run(&["chat", "hi"], None).await;
    assert!(!no_key.status.success());
    assert!(
        stderr(&no_key).contains("DASHSCOPE_API_KEY"),
        "{}",
        stderr(&no_key)
    );

    let missing = env.run(&["conversations", "show", "nope"], None).await;
    assert!(!missing.status.success());

    let list: Value = serde_json::from_str(&stdout(
        &env.run(&["conversations", "list", "--json"], None).await,
    ))
    .expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["messageCount"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_host_fails_with_a_network_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let env = Env::new(format!("http://127.0.0.1:{port}"));
    let out = env.run(&["chat", "hello?"], Some("sk-x")).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("[network]"), "{err}");
    assert!(err.contains("retrying"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_demo_needs_no_key_and_says_so() {
    let env = Env::new("http://127.0.0.1:9".into());
    let out = env.run(&["--demo", "chat", "hi"], None).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("offline demo"));
    assert_eq!(stdout(&out).trim_end(), reply_text("qwen-plus", 1, "hi"));
    let show: Value = {
        let list: Value = serde_json::from_str(&stdout(
            &env.run(&["conversations", "list", "--json"], None).await,
        ))
        .expect("json");
        let id = list[0]["id"].as_str().expect("id").to_owned();
        serde_json::from_str(&stdout(
            &env.run(&["conversations", "show", &id, "--json"], None)
                .await,
        ))
        .expect("json")
    };
    assert_eq!(show["messages"][1]["demo"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn models_merge_the_listing_with_the_registry() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let out = env.run(&["models", "--json"], Some(DEFAULT_API_KEY)).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let models: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let qwq = models
        .as_array()
        .expect("list")
        .iter()
        .find(|m| m["id"] == "qwq-plus")
        .expect("qwq-plus listed");
    assert_eq!(qwq["stream_only"], true);
    assert_eq!(qwq["thinking"]["mode"], "required");
    let plus = models
        .as_array()
        .expect("list")
        .iter()
        .find(|m| m["id"] == "qwen-plus")
        .expect("qwen-plus listed");
    assert_eq!(plus["price"]["price"]["unit"], "per_thousand_tokens");
    assert!(
        plus["price"]["as_of"].is_string(),
        "prices carry their date"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn speak_writes_audio_and_transcribe_reads_it_back() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let wav = env.home.path().join("spoken.wav");
    let out = env
        .run(
            &[
                "speak",
                "--format",
                "wav",
                "--out",
                wav.to_str().expect("utf-8"),
                "--json",
                "Hello",
                "there",
            ],
            Some(DEFAULT_API_KEY),
        )
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(summary["characters"], 11);
    let audio = std::fs::read(&wav).expect("audio file");
    assert_eq!(&audio[..4], b"RIFF");
    assert_eq!(summary["audioBytes"].as_u64(), Some(audio.len() as u64));

    // The emulator speaks 60 ms per character: 11 characters make 660 ms, one sentence.
    let out = env
        .run(
            &["transcribe", wav.to_str().expect("utf-8"), "--json"],
            Some(DEFAULT_API_KEY),
        )
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let transcript: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(transcript["text"], "Sentence 1 from the emulator.");
    assert_eq!(transcript["durationSeconds"], 1);
    assert!(stderr(&out).contains("transcribing"), "progress on stderr");

    let text_file = env.home.path().join("notes.txt");
    std::fs::write(&text_file, "not audio").expect("write");
    let out = env
        .run(
            &["transcribe", text_file.to_str().expect("utf-8")],
            Some(DEFAULT_API_KEY),
        )
        .await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unsupported_by_model"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn image_generates_stores_and_writes_files() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let out_dir = env.home.path().join("out");
    let out = env
        .run(
            &[
                "image",
                "--n",
                "2",
                "--size",
                "1024*1024",
                "--out",
                out_dir.to_str().expect("utf-8"),
                "--json",
                "a",
                "paper",
                "boat",
            ],
            Some(DEFAULT_API_KEY),
        )
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let views: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(views[0]["task"]["status"], "succeeded");
    assert_eq!(views[0]["task"]["prompt"], "a paper boat");
    assert_eq!(views[0]["images"].as_array().map(Vec::len), Some(2));
    assert!(stderr(&out).contains("image task"), "progress on stderr");
    let files: Vec<_> = std::fs::read_dir(&out_dir).expect("out dir").collect();
    assert_eq!(files.len(), 2);
    let bad = env
        .run(&["image", "--n", "7", "x"], Some(DEFAULT_API_KEY))
        .await;
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("unsupported_by_model"),
        "{}",
        stderr(&bad)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn embed_prints_one_vector_per_text() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let out = env
        .run(
            &[
                "embed",
                "--dimension",
                "128",
                "--json",
                "first text",
                "第二段文字",
            ],
            Some(DEFAULT_API_KEY),
        )
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let value: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let vectors = value["vectors"].as_array().expect("vectors");
    assert_eq!(vectors.len(), 2);
    assert!(
        vectors
            .iter()
            .all(|v| v.as_array().map(Vec::len) == Some(128))
    );
    let bad = env
        .run(&["embed", "--dimension", "100", "x"], Some(DEFAULT_API_KEY))
        .await;
    assert!(!bad.status.success());
}
