//! Keys set with `bailian-desk key …`, and the secret scan: a planted key used for chat (success,
//! 401, 429), images and an export must appear in no log file, database file or export.

mod common;

use std::path::Path;
use std::process::Output;

use bailian_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::Value;

use common::{Env, text};

const PLANTED: &str = "sk-planted-0123456789abcdef";
const PASSWORD: &str = "test password";

impl Env {
    /// Runs with the encrypted key file as the vault (`BAILIAN_DESK_VAULT=file` is test-only
    /// configuration; users pass `--key-file`), `RUST_LOG=debug` so the logs hold as much as they can.
    async fn run(&self, args: &[&str], stdin: &str, env_key: Option<&str>) -> Output {
        let mut command = self.command(args, env_key);
        command
            .env("BAILIAN_DESK_VAULT", "file")
            .env("BAILIAN_DESK_KEY_FILE_PASSWORD", PASSWORD)
            .env("RUST_LOG", "debug")
            .env_remove("BAILIAN_REGION")
            .env_remove("BAILIAN_WORKSPACE");
        Env::output(command, Some(stdin.as_bytes().to_vec())).await
    }
}

async fn emulator() -> RunningEmulator {
    RunningEmulator::start(
        EmulatorConfig {
            api_keys: vec![PLANTED.to_owned()],
            ..EmulatorConfig::default()
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .expect("emulator")
}

#[tokio::test(flavor = "multi_thread")]
async fn key_set_status_remove_from_stdin_with_stray_whitespace() {
    let emulator = emulator().await;
    let env = Env::new(emulator.base_url());

    let out = env.run(&["key", "status", "--json"], "", None).await;
    assert!(out.status.success(), "{}", text(&out));
    let status: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status["configured"], false);
    assert_eq!(status["slot"], "cn-beijing");
    let out = env.run(&["chat", "hi"], "", None).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("missing_api_key"), "{}", text(&out));

    // A pasted key with a trailing newline and spaces is trimmed.
    let out = env
        .run(&["key", "set"], &format!("  {PLANTED} \n\n"), None)
        .await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("sk-…cdef"), "{}", text(&out));

    let out = env.run(&["key", "status", "--json"], "", None).await;
    let status: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status["configured"], true);
    assert_eq!(status["source"], "vault");
    assert_eq!(status["store"], "file");
    assert_eq!(status["label"], "sk-…cdef");
    let out = env.run(&["key", "status"], "", None).await;
    assert!(
        text(&out).contains("cn-beijing: configured sk-…cdef"),
        "{}",
        text(&out)
    );

    // The stored key is used: the emulator only accepts the planted key.
    let out = env.run(&["chat", "hello"], "", None).await;
    assert!(out.status.success(), "{}", text(&out));

    // Another slot is separate.
    let out = env
        .run(
            &["key", "status", "--json", "--workspace", "ws-9"],
            "",
            None,
        )
        .await;
    let status: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (status["slot"].as_str(), status["configured"].as_bool()),
        (Some("ws:ws-9"), Some(false))
    );

    // An empty key is refused and leaves the stored one alone.
    let out = env.run(&["key", "set"], " \n\t\n", None).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("bad_request"), "{}", text(&out));

    // A wrong key-file password fails clearly.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bailian-desk"))
        .args(["key", "status"])
        .env("BAILIAN_DESK_HOME", env.home.path())
        .env("BAILIAN_DESK_VAULT", "file")
        .env("BAILIAN_DESK_KEY_FILE_PASSWORD", "not it")
        .env_remove("DASHSCOPE_API_KEY")
        .output()
        .expect("run");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("key_file_locked") || text(&out).contains("wrong password"),
        "{}",
        text(&out)
    );

    let out = env.run(&["key", "remove"], "", None).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("removed the key for cn-beijing"),
        "{}",
        text(&out)
    );
    let out = env.run(&["key", "status", "--json"], "", None).await;
    let status: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status["configured"], false);
    scan(env.home.path());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_planted_key_is_in_no_log_database_or_export() {
    let emulator = emulator().await;
    let env = Env::new(emulator.base_url());
    let mut outputs = Vec::new();

    outputs.push(env.run(&["key", "set"], PLANTED, None).await);
    outputs.push(env.run(&["chat", "a", "reply"], "", None).await);
    assert!(outputs[1].status.success(), "{}", text(&outputs[1]));

    emulator.push_fault("status=401", 1).expect("fault");
    let out = env.run(&["chat", "rejected"], "", None).await;
    assert!(!out.status.success(), "{}", text(&out));
    outputs.push(out);

    emulator
        .push_fault("status=429,retry_after=0", 20)
        .expect("fault");
    let out = env.run(&["chat", "throttled"], "", None).await;
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("rate_limited"), "{}", text(&out));
    outputs.push(out);

    // The environment's key takes the same path through the logs.
    let out = env
        .run(&["image", "--n", "1", "a", "cat"], "", Some(PLANTED))
        .await;
    outputs.push(out);

    let export = env.home.path().join("export.json");
    let out = env
        .run(
            &["export", "--out", export.to_str().expect("utf-8")],
            "",
            None,
        )
        .await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(export.exists());
    outputs.push(out);

    for out in &outputs {
        assert!(!text(out).contains(PLANTED), "printed: {}", text(out));
    }
    let logs: Vec<_> = std::fs::read_dir(env.home.path().join("logs"))
        .expect("log folder")
        .collect();
    assert!(!logs.is_empty(), "no log file was written");
    let scanned = scan(env.home.path());
    assert!(
        scanned.iter().any(|p| p.ends_with("desk.sqlite3")),
        "{scanned:?}"
    );
    assert!(
        scanned.iter().any(|p| p.ends_with("keys.json")),
        "{scanned:?}"
    );
}

#[test]
fn debug_of_the_config_and_the_desk_hides_the_key() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut config = desk_core::DeskConfig::at(home.path());
    config.api_key = bailian::ApiKey::new(PLANTED);
    let shown = format!("{config:?}");
    assert!(!shown.contains("0123456789abcdef"), "{shown}");
    let desk = desk_core::Desk::open(config).expect("open");
    let shown = format!("{desk:?} {:?}", desk.api_key_status());
    assert!(!shown.contains("0123456789abcdef"), "{shown}");
    assert!(shown.contains("sk-…cdef"), "{shown}");
}

/// Every file under `dir` (logs, the database and its `-wal`, the key file, exports): none may
/// hold the key's bytes. Returns the files scanned.
fn scan(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut scanned = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).expect("read");
            assert!(
                !bytes
                    .windows(PLANTED.len())
                    .any(|w| w == PLANTED.as_bytes()),
                "the key is in {}",
                path.display()
            );
            scanned.push(path);
        }
    }
    scanned
}
