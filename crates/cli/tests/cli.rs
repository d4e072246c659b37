//! The real `bailian-desk` binary against the emulator: stdout, stderr, exit codes, stored data.

mod common;

use std::process::Output;

use bailian_emulator::{DEFAULT_API_KEY, RunningEmulator, reply_text};
use serde_json::Value;

use common::{Env, json, stderr, stdout};

impl Env {
    async fn run(&self, args: &[&str], key: Option<&str>) -> Output {
        Env::output(self.command(args, key), None).await
    }
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

/// A conversation longer than the model's context is sent as its newest messages; the CLI says
/// so on stderr (stdout keeps only the answer) and in `--json`.
#[tokio::test(flavor = "multi_thread")]
async fn a_conversation_longer_than_the_context_says_what_was_left_out() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    // ~6,700 tokens each by the client's estimate: qwen-max's context holds three beside its reply.
    let long = |i: usize| format!("turn {i}: {}", "word ".repeat(4_000));
    let key = Some(DEFAULT_API_KEY);
    let out = env
        .run(&["chat", "--model", "qwen-max", &long(0)], key)
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("not sent"), "{}", stderr(&out));
    let id = list_json(&env).await[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let chat_in = |prompt: String, json: bool| {
        let mut args = vec!["chat", "--conversation", &id, "--model", "qwen-max"];
        args.extend(json.then_some("--json"));
        let command = env.command(&[args, vec![prompt.as_str()]].concat(), key);
        Env::output(command, None)
    };
    for i in 1..5 {
        let out = chat_in(long(i), false).await;
        assert!(out.status.success(), "turn {i}: {}", stderr(&out));
    }
    let out = chat_in(long(5), false).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("oldest messages of this conversation were not sent"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stdout(&out).contains("not sent"),
        "stdout keeps only the answer"
    );

    let reply = json(&chat_in("and the gist?".into(), true).await);
    let left_out = reply["contextLeftOut"].as_u64().expect("contextLeftOut");
    // 13 messages on the path (six turns and the prompt): the oldest of them are left out.
    assert!((1..13).contains(&left_out), "{reply}");
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

async fn list_json(env: &Env) -> Value {
    json(&env.run(&["conversations", "list", "--json"], None).await)
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_records_every_chat_with_tokens_and_a_dated_cost() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    for prompt in ["first", "second"] {
        let out = env.run(&["chat", prompt], Some(DEFAULT_API_KEY)).await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let usage = json(&env.run(&["usage", "--json"], None).await);
    let records = usage["records"].as_array().expect("records");
    assert_eq!(records.len(), 2, "{usage}");
    for record in records {
        assert_eq!(record["kind"], "chat");
        assert_eq!(record["model"], "qwen-plus");
        assert_eq!(record["status"], "ok");
        assert!(record["inputTokens"].as_u64().is_some_and(|n| n > 0));
        assert!(record["outputTokens"].as_u64().is_some_and(|n| n > 0));
        assert!(
            record["costCny"].as_f64().is_some_and(|c| c > 0.0),
            "{record}"
        );
        assert!(record["priceAsOf"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(record["conversationId"].is_string() && record["itemId"].is_string());
        assert!(record["latencyMs"].is_u64());
    }

    let by_model = json(&env.run(&["usage", "--by", "model", "--json"], None).await);
    assert_eq!(by_model["totals"][0]["key"], "qwen-plus");
    assert_eq!(by_model["totals"][0]["calls"], 2);
    let by_day = json(&env.run(&["usage", "--by", "day", "--json"], None).await);
    assert_eq!(by_day["totals"].as_array().map(Vec::len), Some(1));
    let by_conversation = json(
        &env.run(&["usage", "--by", "conversation", "--json"], None)
            .await,
    );
    assert_eq!(by_conversation["totals"].as_array().map(Vec::len), Some(2));

    // A range before today holds nothing; a bad date is refused.
    let old = json(
        &env.run(&["usage", "--json", "--until", "2020-01-01"], None)
            .await,
    );
    assert_eq!(old["records"].as_array().map(Vec::len), Some(0));
    let bad = env.run(&["usage", "--since", "2025-02-30"], None).await;
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("YYYY-MM-DD"), "{}", stderr(&bad));

    let csv = env.home.path().join("usage.csv");
    let out = env
        .run(&["usage", "--csv", csv.to_str().expect("utf-8")], None)
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&csv).expect("csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("id,kind,model,"), "{text}");
    assert!(lines[1].contains(",chat,qwen-plus,"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocking_budget_refuses_before_any_request_and_a_warning_is_shown_at_80_percent() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let out = env.run(&["chat", "spend"], Some(DEFAULT_API_KEY)).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let spent = json(&env.run(&["budget", "show", "--json"], None).await)["spentCny"]
        .as_f64()
        .expect("spent");
    assert!(spent > 0.0);

    // Set the budget so the spending is at 90 %: the next chat goes through with a warning.
    let budget = format!("{}", spent / 0.9);
    let out = env.run(&["budget", "set", &budget, "--warn"], None).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let status = json(&env.run(&["budget", "show", "--json"], None).await);
    assert_eq!(status["level"], "warning", "{status}");
    assert_eq!(status["atLimit"], "warn");
    let out = env.run(&["chat", "still"], Some(DEFAULT_API_KEY)).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning:"), "{}", stderr(&out));

    // Now over 100 % and blocking: refused before anything is stored or sent.
    let out = env.run(&["budget", "set", &budget, "--block"], None).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let conversations_before = json(&env.run(&["conversations", "list", "--json"], None).await);
    emulator.clear_requests();
    let out = env.run(&["chat", "refused"], Some(DEFAULT_API_KEY)).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("budget_exceeded"), "{}", stderr(&out));
    assert_eq!(
        emulator.requests().len(),
        0,
        "no request reached the server"
    );
    let embed = env.run(&["embed", "x"], Some(DEFAULT_API_KEY)).await;
    assert!(
        stderr(&embed).contains("budget_exceeded"),
        "{}",
        stderr(&embed)
    );
    assert_eq!(
        emulator.requests().len(),
        0,
        "no request reached the server"
    );
    assert_eq!(
        json(&env.run(&["conversations", "list", "--json"], None).await),
        conversations_before,
        "nothing stored"
    );
    let usage = json(&env.run(&["usage", "--json"], None).await);
    assert_eq!(usage["records"].as_array().map(Vec::len), Some(2));

    // Warn-only at 100 % lets calls through again.
    let out = env.run(&["budget", "set", &budget, "--warn"], None).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["chat", "again"], Some(DEFAULT_API_KEY)).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("budget reached"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn export_then_import_into_a_fresh_home_reproduces_the_conversations() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    for prompt in ["第一个对话", "second conversation"] {
        let out = env.run(&["chat", prompt], Some(DEFAULT_API_KEY)).await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let file = env.home.path().join("export.json");
    let file_arg = file.to_str().expect("utf-8");
    let out = env
        .run(&["export", "--out", file_arg], Some(DEFAULT_API_KEY))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).expect("export");
    assert!(!text.contains(DEFAULT_API_KEY), "the key is never exported");
    let document: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(document["format"], "bailian-desk-export");
    assert_eq!(document["version"], 1);
    assert!(document["exportedAt"].is_i64());
    assert_eq!(document["conversations"].as_array().map(Vec::len), Some(2));

    let markdown = env.home.path().join("export.md");
    let out = env
        .run(
            &[
                "export",
                "--format",
                "markdown",
                "--out",
                markdown.to_str().expect("utf-8"),
            ],
            None,
        )
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(&markdown).expect("markdown");
    assert!(
        md.contains("# 第一个对话") && md.contains("## Assistant"),
        "{md}"
    );

    let fresh = Env::new(emulator.base_url());
    let report = json(&fresh.run(&["import", file_arg, "--json"], None).await);
    assert_eq!(report["conversationsAdded"], 2, "{report}");
    assert_eq!(report["messagesAdded"], 4, "{report}");
    let original = list_json(&env).await;
    assert_eq!(list_json(&fresh).await, original);
    for conversation in original.as_array().expect("list") {
        let id = conversation["id"].as_str().expect("id");
        let show = ["conversations", "show", id, "--json"];
        assert_eq!(
            json(&fresh.run(&show, None).await),
            json(&env.run(&show, None).await)
        );
    }

    // Importing twice adds nothing.
    let again = json(&fresh.run(&["import", file_arg, "--json"], None).await);
    assert_eq!(again["conversationsAdded"], 0);
    assert_eq!(again["messagesAdded"], 0);
    assert_eq!(again["messagesSkipped"], 4);
    assert_eq!(list_json(&fresh).await, original);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_import_files_fail_clearly_and_store_nothing() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let out = env.run(&["chat", "to export"], Some(DEFAULT_API_KEY)).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let good = env.home.path().join("good.json");
    let out = env
        .run(&["export", "--out", good.to_str().expect("utf-8")], None)
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&good).expect("export");
    let newer = text.replacen("\"version\": 1", "\"version\": 2", 1);
    let other = text.replacen("bailian-desk-export", "chatbox-export", 1);
    let cases = [
        (
            "malformed.json",
            "{ this is not json".to_owned(),
            "not valid JSON",
        ),
        (
            "truncated.json",
            text[..text.len() / 2].to_owned(),
            "truncated",
        ),
        ("newer.json", newer, "newer Bailian Desk"),
        ("other.json", other, "not a \"bailian-desk-export\""),
    ];
    let fresh = Env::new(emulator.base_url());
    for (name, content, expected) in cases {
        let path = fresh.home.path().join(name);
        std::fs::write(&path, content).expect("write");
        let out = fresh
            .run(&["import", path.to_str().expect("utf-8")], None)
            .await;
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = stderr(&out);
        assert!(
            err.contains("invalid_import") && err.contains(expected),
            "{name}: {err}"
        );
    }
    let list = json(&fresh.run(&["conversations", "list", "--json"], None).await);
    assert_eq!(list.as_array().map(Vec::len), Some(0), "nothing stored");
    let missing = fresh.run(&["import", "/nonexistent/file.json"], None).await;
    assert!(!missing.status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn continue_finishes_a_cut_reply() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("cut_after=4", 1).expect("fault");
    let env = Env::new(emulator.base_url());
    let cut = env
        .run(&["chat", "Hello", "there"], Some(DEFAULT_API_KEY))
        .await;
    assert!(!cut.status.success());
    let list: Value = serde_json::from_str(&stdout(
        &env.run(&["conversations", "list", "--json"], None).await,
    ))
    .expect("json");
    let id = list[0]["id"].as_str().expect("id").to_owned();
    let view: Value = serde_json::from_str(&stdout(
        &env.run(&["conversations", "show", &id, "--json"], None)
            .await,
    ))
    .expect("json");
    let reply_id = view["messages"][1]["id"]
        .as_str()
        .expect("reply id")
        .to_owned();
    assert_eq!(view["messages"][1]["status"], "partial");
    let out = env
        .run(&["continue", &reply_id], Some(DEFAULT_API_KEY))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let view: Value = serde_json::from_str(&stdout(
        &env.run(&["conversations", "show", &id, "--json"], None)
            .await,
    ))
    .expect("json");
    assert_eq!(view["messages"][1]["status"], "complete");
    assert_eq!(
        view["messages"][1]["content"],
        reply_text("qwen-plus", 1, "Hello there")
    );
    assert!(
        reply_text("qwen-plus", 1, "Hello there").ends_with(stdout(&out).trim_end()),
        "only the rest was printed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn search_backup_and_a_non_destructive_restore() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    assert!(
        env.run(&["chat", "通义千问的价格是多少"], Some(DEFAULT_API_KEY))
            .await
            .status
            .success()
    );
    let found = env.run(&["search", "通义千问", "--json"], None).await;
    assert!(found.status.success(), "{}", stderr(&found));
    let hits: Value = serde_json::from_str(&stdout(&found)).expect("json");
    assert!(hits.as_array().is_some_and(|h| !h.is_empty()), "{hits}");
    let plain = env.run(&["search", "通义千问"], None).await;
    assert!(
        stdout(&plain).contains("[[通义千问]]"),
        "{}",
        stdout(&plain)
    );

    let backup = env.run(&["backup", "--json"], None).await;
    assert!(backup.status.success(), "{}", stderr(&backup));
    let backup_path = serde_json::from_str::<Value>(&stdout(&backup)).expect("json")["path"]
        .as_str()
        .expect("path")
        .to_owned();
    assert!(
        env.run(&["chat", "a second conversation"], Some(DEFAULT_API_KEY))
            .await
            .status
            .success()
    );

    let restored = env.run(&["restore", &backup_path, "--json"], None).await;
    assert!(restored.status.success(), "{}", stderr(&restored));
    let report: Value = serde_json::from_str(&stdout(&restored)).expect("json");
    let snapshot = report["snapshot"]
        .as_str()
        .expect("a snapshot of the state before")
        .to_owned();
    let list: Value = serde_json::from_str(&stdout(
        &env.run(&["conversations", "list", "--json"], None).await,
    ))
    .expect("json");
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(1),
        "the backup's state is back"
    );

    // Nothing was lost: the snapshot restores the second conversation.
    assert!(
        env.run(&["restore", &snapshot], None)
            .await
            .status
            .success()
    );
    let list: Value = serde_json::from_str(&stdout(
        &env.run(&["conversations", "list", "--json"], None).await,
    ))
    .expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let backups: Value =
        serde_json::from_str(&stdout(&env.run(&["backups", "--json"], None).await)).expect("json");
    assert!(
        backups.as_array().is_some_and(|b| b.len() >= 3),
        "{backups}"
    );
    assert!(
        !env.run(&["restore", "/no/such/backup.sqlite3"], None)
            .await
            .status
            .success()
    );
}

/// Runs the CLI with `input` on stdin (not a terminal, as in a script).
async fn run_with_stdin(env: &Env, args: &[&str], input: &str) -> Output {
    Env::output(
        env.command(args, Some(DEFAULT_API_KEY)),
        Some(input.as_bytes().to_vec()),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn once_a_profile_has_a_password_the_cli_runs_only_as_a_logged_in_profile() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    // First use: no login, exactly as before profiles.
    let out = env
        .run(&["chat", "before profiles"], Some(DEFAULT_API_KEY))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));

    let out = run_with_stdin(&env, &["profile", "create", "Ada"], "short\n").await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("error [invalid_profile]"),
        "{}",
        stderr(&out)
    );

    let out = run_with_stdin(&env, &["profile", "create", "Ada"], "a long password\n").await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["profile", "list", "--json"], None).await;
    let status: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(status["protected"], true);
    assert_eq!(status["profiles"][0]["name"], "Ada");
    assert_eq!(status["profiles"][0]["role"], "admin");

    // A script without a session is refused, with the way out, and nothing is read or written.
    for args in [
        &["chat", "after profiles"][..],
        &["conversations", "list", "--json"][..],
        &["search", "profiles"][..],
    ] {
        let out = run_with_stdin(&env, args, "").await;
        assert!(!out.status.success(), "{args:?} ran without a session");
        assert!(
            stderr(&out).contains("error [session_required]"),
            "{}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("profile login"), "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
    // Creating a second profile needs the admin's session.
    let out = run_with_stdin(&env, &["profile", "create", "Bo"], "another password\n").await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("session_required"),
        "{}",
        stderr(&out)
    );
}
