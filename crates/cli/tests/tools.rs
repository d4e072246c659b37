//! `chat --tools` and `tool-result` through the real binary against the emulator: the calls are
//! printed (by humans' and scripts' rules), answered from the command line and a file, and the
//! next reply streams; output flags update an existing conversation; invalid values fail with
//! their exit code and store nothing.

mod common;

use std::process::Output;

use bailian_emulator::{DEFAULT_API_KEY, RunningEmulator, reply_text};
use serde_json::{Value, json};

use common::{Env, stderr, stdout};

impl Env {
    async fn run(&self, args: &[&str]) -> Output {
        Env::output(self.command(args, Some(DEFAULT_API_KEY)), None).await
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.home.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    }

    async fn conversations(&self) -> Value {
        let out = self.run(&["conversations", "list", "--json"]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str(&stdout(&out)).expect("json")
    }
}

const TOOLS: &str = r#"[
    {"name": "weather", "description": "The weather", "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}},
    {"type": "function", "function": {"name": "time", "description": "The time", "parameters": {"type": "object"}}}
]"#;

#[tokio::test(flavor = "multi_thread")]
async fn tools_then_tool_results_round_trip() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let tools = env.file("tools.json", TOOLS);

    // Human form: the calls on stdout, how to answer on stderr, exit 0.
    let out = env
        .run(&["chat", "--tools", &tools, "--seed", "7", "杭州", "weather"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains("tool call call_emulator_0: weather(")
            && printed.contains("tool call call_emulator_1: time("),
        "{printed}"
    );
    assert!(
        stderr(&out).contains("bailian-desk tool-result --message"),
        "{}",
        stderr(&out)
    );

    // JSON form: ids a script can answer with.
    let out = env
        .run(&["chat", "--json", "--tools", &tools, "again"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let reply: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(reply["status"], json!("complete"));
    assert_eq!(reply["finishReason"], json!("tool_calls"));
    let calls = reply["toolCalls"].as_array().expect("calls");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["id"], json!("call_emulator_0"));
    assert_eq!(calls[1]["name"], json!("time"));
    let message = reply["messageId"].as_str().expect("message id").to_owned();
    let conversation = reply["conversationId"].as_str().expect("id").to_owned();

    // One result inline, one from a file; the next reply streams as chat does.
    let result_file = env.file("time.txt", "12:00 CST");
    let out = env
        .run(&[
            "tool-result",
            "--message",
            &message,
            "--result",
            "call_emulator_0=晴 21°C",
            "--result",
            &format!("call_emulator_1=@{result_file}"),
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim_end(), reply_text("qwen-plus", 1, "again"));
    let sent = emulator
        .requests()
        .into_iter()
        .rev()
        .find_map(|r| r.body)
        .expect("body");
    let turns = sent["input"]["messages"].as_array().expect("turns").clone();
    let tool_turns: Vec<(&str, &str)> = turns
        .iter()
        .filter(|t| t["role"] == "tool")
        .map(|t| {
            (
                t["tool_call_id"].as_str().unwrap_or_default(),
                t["content"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        tool_turns,
        [
            ("call_emulator_0", "晴 21°C"),
            ("call_emulator_1", "12:00 CST")
        ]
    );

    // `--json` on tool-result too, naming the stored tool messages.
    let out = env
        .run(&[
            "tool-result",
            "--json",
            "--message",
            &message,
            "--result",
            "call_emulator_0=雨",
            "--result",
            "call_emulator_1=13:00",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let reply: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(reply["conversationId"], json!(conversation));
    assert_eq!(reply["finishReason"], json!("stop"));
    assert_eq!(reply["toolMessageIds"].as_array().map(Vec::len), Some(2));
    assert_eq!(reply["content"], json!(reply_text("qwen-plus", 1, "again")));

    // On an existing conversation the flags update its parameters.
    let out = env
        .run(&[
            "chat",
            "--conversation",
            &conversation,
            "--tools",
            &env.file("none.json", "[]"),
            "--max-tokens",
            "2",
            "--stop",
            "END",
            "short",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let list = env.conversations().await;
    let params = list
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["id"] == json!(conversation))
        .map(|c| c["params"].clone())
        .expect("conversation");
    assert_eq!(params["tools"], json!([]));
    assert_eq!(params["maxTokens"], json!(2));
    assert_eq!(params["stop"], json!(["END"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_values_fail_with_their_exit_code_and_store_nothing() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let env = Env::new(emulator.base_url());
    let bad_name = env.file(
        "bad.json",
        r#"[{"name": "get weather", "parameters": {"type": "object"}}]"#,
    );
    // Refused by the core's checks: exit 1 with the error code.
    for args in [
        vec!["chat", "--tools", bad_name.as_str(), "hi"],
        vec!["chat", "--seed", "-1", "hi"],
        vec!["chat", "--max-tokens", "0", "hi"],
        vec!["chat", "--json-object", "no such word here"],
    ] {
        let out = env.run(&args).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("error [bad_request]"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // Malformed on the command line: exit 2, as for clap's usage errors.
    let not_json = env.file("broken.json", "[{");
    for args in [
        vec!["chat", "--tools", not_json.as_str(), "hi"],
        vec![
            "tool-result",
            "--message",
            "m",
            "--result",
            "no-equals-sign",
        ],
    ] {
        let out = env.run(&args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(env.conversations().await, json!([]), "nothing stored");
    assert!(emulator.requests().is_empty(), "nothing sent");

    // Results that do not match the calls: refused, nothing added.
    let tools = env.file("tools.json", TOOLS);
    let out = env.run(&["chat", "--json", "--tools", &tools, "x"]).await;
    let reply: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let message = reply["messageId"].as_str().expect("id");
    let out = env
        .run(&[
            "tool-result",
            "--message",
            message,
            "--result",
            "call_emulator_0=only one",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("call_emulator_1"), "{}", stderr(&out));
    let list = env.conversations().await;
    assert_eq!(list[0]["messageCount"], json!(2));
}
