//! The real `bailian-desk` binary against the emulator: `index` and `search --semantic`,
//! `assistants list|add|remove` with `chat --app`, and `image --input` with an editing model.

mod common;

use std::process::Output;

use bailian_emulator::{DEFAULT_API_KEY, RunningEmulator};
use serde_json::Value;

use common::{Env, json, stderr, stdout};

impl Env {
    async fn run(&self, args: &[&str]) -> Output {
        Env::output(self.command(args, Some(DEFAULT_API_KEY)), None).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn index_then_search_by_meaning() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let out = env.run(&["search", "--semantic", "bicycle"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("bailian-desk index"),
        "{}",
        stderr(&out)
    );
    for prompt in [
        "How do I fix a flat bicycle tire?",
        "A recipe for chocolate cake",
        "Quarterly revenue growth explained",
    ] {
        let out = env.run(&["chat", prompt]).await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let report = json(&env.run(&["index", "--json"]).await);
    assert_eq!(report["embedded"], 6);
    assert_eq!(report["requests"], 1);
    assert_eq!(report["pending"], 0);
    assert_eq!(report["dimension"], 512);
    assert!(report["error"].is_null());

    let hits = json(
        &env.run(&[
            "search",
            "--semantic",
            "--json",
            "--limit",
            "2",
            "fixing my bicycle tire",
        ])
        .await,
    );
    let hits = hits.as_array().expect("hits");
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0]["role"], "user");
    assert!(
        hits[0]["snippet"]
            .as_str()
            .expect("snippet")
            .contains("bicycle")
    );
    assert!(hits[0]["score"].as_f64().expect("score") > hits[1]["score"].as_f64().expect("score"));
    let out = env.run(&["search", "--semantic", "chocolate cake"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let first = stdout(&out).lines().next().unwrap_or_default().to_owned();
    assert!(first.contains("chocolate"), "{}", stdout(&out));

    // Nothing new: a second run makes no call. A failing run exits non-zero and keeps nothing
    // half-way (here nothing was pending at the new dimension's first batch).
    let before = emulator.requests().len();
    let report = json(&env.run(&["index", "--json"]).await);
    assert_eq!(
        (report["embedded"].as_u64(), report["requests"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(emulator.requests().len(), before);
    emulator.push_fault("status=401", 1).expect("fault");
    let out = env.run(&["index", "--dimension", "256"]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("invalid_api_key"), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("0 indexed, 6 pending"),
        "{}",
        stdout(&out)
    );
    let out = env.run(&["index", "--dimension", "100"]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad_request"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn assistants_are_managed_and_chatted_with() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let added = json(
        &env.run(&[
            "assistants",
            "add",
            "app-emulator",
            "Emulator",
            "app",
            "--json",
        ])
        .await,
    );
    assert_eq!(added["model"], "app:app-emulator");
    assert_eq!(added["name"], "Emulator app");
    let list = json(&env.run(&["assistants", "list", "--json"]).await);
    assert_eq!(list.as_array().map(Vec::len), Some(1));

    let out = env
        .run(&["chat", "--app", "app-emulator", "what is the emulator"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("answers (turn 1)"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("thinking: Looking up"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("Emulator handbook"),
        "{}",
        stderr(&out)
    );
    let conversation = stderr(&out)
        .lines()
        .find_map(|l| l.strip_prefix("conversation "))
        .expect("conversation id")
        .trim()
        .to_owned();
    let out = env
        .run(&["chat", "--conversation", &conversation, "and then?"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("answers (turn 2)"),
        "{}",
        stdout(&out)
    );
    let sessions: Vec<Option<Value>> = emulator
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/apps/app-emulator/completion")
        .map(|r| {
            r.body
                .as_ref()
                .and_then(|b| b.pointer("/input/session_id"))
                .cloned()
        })
        .collect();
    assert_eq!(sessions.len(), 2);
    assert!(
        sessions[0].is_none() && sessions[1].is_some(),
        "{sessions:?}"
    );

    let out = env
        .run(&["chat", "--app", "app-emulator", "--model", "qwen-plus", "x"])
        .await;
    assert!(!out.status.success(), "--app and --model conflict");
    let out = env.run(&["assistants", "remove", "app-emulator"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["assistants", "remove", "app-emulator"]).await;
    assert!(!out.status.success(), "already removed");
    let out = env.run(&["assistants", "add", "bad/id", "x"]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad_request"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_image_file_is_edited_with_qwen_image_edit() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let input = env.home.path().join("photo.png");
    std::fs::write(
        &input,
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13],
    )
    .expect("write");
    let out_dir = env.home.path().join("out");
    let views = json(
        &env.run(&[
            "image",
            "--model",
            "qwen-image-edit",
            "--input",
            input.to_str().expect("path"),
            "--out",
            out_dir.to_str().expect("path"),
            "--json",
            "make",
            "it",
            "red",
        ])
        .await,
    );
    let view = &views[0];
    assert_eq!(view["task"]["status"], "succeeded");
    assert_eq!(view["task"]["prompt"], "make it red");
    assert_eq!(view["inputs"][0]["mime"], "image/png");
    assert_eq!(view["inputs"][0]["bytes"], 12);
    assert_eq!(std::fs::read_dir(&out_dir).expect("out").count(), 1);

    let not_image = env.home.path().join("notes.txt");
    std::fs::write(&not_image, "hello").expect("write");
    let out = env
        .run(&[
            "image",
            "--model",
            "qwen-image-edit",
            "--input",
            not_image.to_str().expect("path"),
            "x",
        ])
        .await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad_request"), "{}", stderr(&out));
    let out = env
        .run(&[
            "image",
            "--model",
            "qwen-image-edit",
            "--input",
            "/no/such/file.png",
            "x",
        ])
        .await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("/no/such/file.png"),
        "{}",
        stderr(&out)
    );
}
