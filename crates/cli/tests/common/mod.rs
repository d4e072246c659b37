//! Helpers shared by the CLI's integration tests: the real `bailian-desk` binary run in a home of
//! its own against the emulator, and what it printed.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// A home of its own and the emulator to talk to.
pub struct Env {
    pub home: tempfile::TempDir,
    pub base_url: String,
}

impl Env {
    pub fn new(base_url: String) -> Self {
        Self {
            home: tempfile::tempdir().expect("tempdir"),
            base_url,
        }
    }

    /// `bailian-desk args` in this home against the emulator, with `key` as `DASHSCOPE_API_KEY`
    /// and nothing taken from the developer's environment (key, log filter).
    pub fn command(&self, args: &[&str], key: Option<&str>) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bailian-desk"));
        command
            .args(args)
            .env("BAILIAN_DESK_HOME", self.home.path())
            .env("BAILIAN_BASE_URL", &self.base_url)
            // Never a key the developer keeps in the OS credential store.
            .env("BAILIAN_DESK_VAULT", "none")
            .env_remove("DASHSCOPE_API_KEY")
            .env_remove("RUST_LOG");
        if let Some(key) = key {
            command.env("DASHSCOPE_API_KEY", key);
        }
        command
    }

    /// Runs `command` to its end. `stdin` is piped in and then closed (as `arecord`'s pipe is);
    /// without it stdin is empty.
    pub async fn output(mut command: Command, stdin: Option<Vec<u8>>) -> Output {
        command
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().expect("run bailian-desk");
            if let Some(bytes) = stdin {
                let mut pipe = child.stdin.take().expect("stdin");
                // Written in odd-sized pieces: a pipe does not keep 16-bit samples whole.
                for chunk in bytes.chunks(3_333) {
                    pipe.write_all(chunk).expect("write stdin");
                }
            }
            child.wait_with_output().expect("output")
        })
        .await
        .expect("join")
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// stdout then stderr, for looking for a text wherever the command printed it.
pub fn text(output: &Output) -> String {
    format!("{}{}", stdout(output), stderr(output))
}

/// A successful run's stdout as JSON.
pub fn json(output: &Output) -> Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}
