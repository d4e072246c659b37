//! A writer process is SIGKILLed at random points while it streams replies, over and over. After
//! every kill the store must open, pass `integrity_check`, hold every message the writer reported
//! committed (with that text or a later one), and show no reply still `streaming`.
//!
//! The test binary re-runs itself as the writer (`CRASH_WRITER_DB` set), which reports each
//! commit on stdout only after it returned.

mod common;

use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use desk_store::{MessageStatus, Store};

const WRITER_ENV: &str = "CRASH_WRITER_DB";
const ITERATIONS: usize = 120;

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// How many chunks a reply gets, and its text after `step` chunks: a pure function of its id, so
/// the checker knows every state the writer could have committed.
fn total_steps(reply_id: &str) -> usize {
    5 + (fnv(reply_id) % 26) as usize
}

fn reply_text(reply_id: &str, step: usize) -> String {
    (1..=step)
        .map(|i| format!("第{i}段 chunk {i} of {} ", &reply_id[..8]))
        .collect()
}

/// The writer: conversations, prompts, replies streamed chunk by chunk, until it is killed.
#[test]
fn crash_writer() {
    let Some(path) = std::env::var_os(WRITER_ENV) else {
        return; // Only a process started by the crash loop writes.
    };
    let mut store = Store::open(Path::new(&path)).expect("writer open");
    let mut out = std::io::stdout().lock();
    // libtest has printed `test crash_writer ... ` without a newline; start the report on a line
    // of its own.
    writeln!(out).expect("report");
    let mut conversation = String::new();
    for turn in 0usize.. {
        if turn % 3 == 0 {
            conversation = store
                .create_conversation(&format!("crash {turn}"), "qwen-plus")
                .expect("create")
                .id;
        }
        let prompt = format!("问题 {turn}: what happens when the power goes?");
        let inserted = store
            .insert_messages(&conversation, &common::prompt_and_placeholder(&prompt))
            .expect("insert");
        let (user, reply) = (&inserted[0].id, &inserted[1].id);
        writeln!(out, "I {user} {} {reply}", fnv(&prompt)).expect("report");
        out.flush().expect("flush");
        let steps = total_steps(reply);
        for step in 1..=steps {
            let text = reply_text(reply, step);
            store.save_streaming_text(reply, &text).expect("save");
            writeln!(out, "S {reply} {step} {}", fnv(&text)).expect("report");
            out.flush().expect("flush");
            std::thread::sleep(Duration::from_micros(fastrand::u64(0..1500)));
        }
        let text = reply_text(reply, steps);
        store
            .finish_message(reply, &text, MessageStatus::Complete, None, None, None)
            .expect("finish");
        writeln!(out, "F {reply} {steps} {}", fnv(&text)).expect("report");
        out.flush().expect("flush");
    }
}

#[derive(Debug, Default)]
struct Expected {
    /// User messages: id → content hash.
    prompts: HashMap<String, u64>,
    /// Replies: id → (last step reported saved, finished reported).
    replies: HashMap<String, (usize, bool)>,
}

impl Expected {
    fn read_report(&mut self, output: &str) -> usize {
        let mut lines = 0;
        // A line cut by the kill has no newline and is ignored; whole lines were flushed after
        // their commit returned.
        let complete = match output.rfind('\n') {
            Some(end) => &output[..=end],
            None => "",
        };
        for line in complete.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            match fields.as_slice() {
                ["I", user, hash, reply] => {
                    self.prompts
                        .insert((*user).to_owned(), hash.parse().expect("hash"));
                    self.replies
                        .entry((*reply).to_owned())
                        .or_insert((0, false));
                }
                ["S", reply, step, hash] => {
                    let step: usize = step.parse().expect("step");
                    assert_eq!(
                        fnv(&reply_text(reply, step)),
                        hash.parse::<u64>().expect("hash")
                    );
                    let entry = self.replies.entry((*reply).to_owned()).or_default();
                    entry.0 = entry.0.max(step);
                }
                ["F", reply, step, _] => {
                    let entry = self.replies.entry((*reply).to_owned()).or_default();
                    *entry = (step.parse().expect("step"), true);
                }
                _ => continue, // libtest's own lines
            }
            lines += 1;
        }
        lines
    }

    fn check(&self, store: &Store, iteration: usize) {
        for (id, hash) in &self.prompts {
            let message = store
                .message(id)
                .unwrap_or_else(|e| panic!("iteration {iteration}: prompt {id} lost: {e}"));
            assert_eq!(
                fnv(&message.content),
                *hash,
                "iteration {iteration}: prompt {id}"
            );
            assert_eq!(message.status, MessageStatus::Complete);
        }
        for (id, (step, finished)) in &self.replies {
            let message = store
                .message(id)
                .unwrap_or_else(|e| panic!("iteration {iteration}: reply {id} lost: {e}"));
            let total = total_steps(id);
            let stored = fnv(&message.content);
            if *finished {
                assert_eq!(
                    message.status,
                    MessageStatus::Complete,
                    "iteration {iteration}: {id}"
                );
                assert_eq!(
                    stored,
                    fnv(&reply_text(id, total)),
                    "iteration {iteration}: {id}"
                );
                continue;
            }
            // The reported state or a later one the writer committed before it could say so.
            let possible = (*step..=total).any(|k| fnv(&reply_text(id, k)) == stored);
            assert!(
                possible,
                "iteration {iteration}: reply {id} has {:?}, expected step {step} or later",
                message.content
            );
            match message.status {
                MessageStatus::Partial => assert_eq!(
                    message.error.as_ref().map(|e| e.code.as_str()),
                    Some("stream_interrupted"),
                    "iteration {iteration}: {id}"
                ),
                MessageStatus::Complete => {
                    assert_eq!(
                        stored,
                        fnv(&reply_text(id, total)),
                        "iteration {iteration}: {id}"
                    );
                }
                other => panic!("iteration {iteration}: reply {id} is {other:?} after recovery"),
            }
        }
        for conversation in store.list_conversations().expect("list") {
            for message in store.messages(&conversation.id).expect("messages") {
                assert_ne!(
                    message.status,
                    MessageStatus::Streaming,
                    "iteration {iteration}: {} left streaming",
                    message.id
                );
            }
        }
    }
}

#[test]
fn killing_the_writer_at_random_points_never_loses_committed_text() {
    if std::env::var_os(WRITER_ENV).is_some() {
        return;
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("desk.sqlite3");
    let exe = std::env::current_exe().expect("test binary");
    let mut expected = Expected::default();
    let mut reported_lines = 0;
    for iteration in 0..ITERATIONS {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_writer", "--nocapture", "--test-threads=1"])
            .env(WRITER_ENV, &path)
            .env("RUST_BACKTRACE", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn writer");
        let mut stdout = child.stdout.take().expect("stdout");
        // Read while the writer runs, so a full pipe never stalls it.
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(&mut stdout).read_to_string(&mut text);
            text
        });
        std::thread::sleep(Duration::from_millis(fastrand::u64(5..120)));
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("reap");
        assert!(
            !status.success(),
            "the writer must die by the signal: {status:?}"
        );
        let output = reader.join().expect("reader");
        reported_lines += expected.read_report(&output);

        let store = Store::open(&path)
            .unwrap_or_else(|e| panic!("iteration {iteration}: reopen failed: {e}"));
        assert_eq!(store.integrity_check(), Ok(()), "iteration {iteration}");
        expected.check(&store, iteration);
        if iteration % 20 == 19 || iteration + 1 == ITERATIONS {
            let ops = store.ops_since(store.device_id(), 0).expect("ops");
            assert!(
                ops.iter().enumerate().all(|(i, op)| op.seq == i as u64 + 1),
                "iteration {iteration}: the op log has a gap"
            );
        }
    }
    let finished = expected.replies.values().filter(|(_, done)| *done).count();
    eprintln!(
        "{ITERATIONS} kills, {} prompts, {} replies ({finished} finished), {reported_lines} reported commits, {:?}",
        expected.prompts.len(),
        expected.replies.len(),
        started.elapsed()
    );
    assert!(
        expected.prompts.len() >= ITERATIONS / 2,
        "the writer got to write"
    );
    assert_eq!(
        expected.prompts.len(),
        expected.replies.len(),
        "every reply was reported with its prompt"
    );
}
