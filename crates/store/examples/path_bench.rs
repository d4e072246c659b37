//! How long a send's store work takes in a long thread: `path_to` the newest message (the
//! request's history) and inserting a turn after it. Run:
//! `cargo run --release -p desk-store --example path_bench -- 10000`.

use std::time::Instant;

use desk_store::{MessageRole, MessageStatus, NewMessage, Store};

fn message(i: usize) -> NewMessage {
    NewMessage {
        role: if i.is_multiple_of(2) {
            MessageRole::User
        } else {
            MessageRole::Assistant
        },
        content: format!(
            "Message {i}: how do I paginate results from the DashScope API without missing items?"
        ),
        status: MessageStatus::Complete,
        model: None,
        demo: false,
        attachments: Vec::new(),
        tool_call_id: None,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args().nth(1).map_or(Ok(10_000), |n| n.parse())?;
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("bench.sqlite"))?;
    let conversation = store.create_conversation("long", "qwen-plus")?;
    for start in (0..count).step_by(500) {
        let batch: Vec<NewMessage> = (start..(start + 500).min(count)).map(message).collect();
        store.insert_messages(&conversation.id, &batch)?;
    }
    for run in 0..5 {
        let began = Instant::now();
        let newest = store.newest_message(&conversation.id)?.expect("a message");
        let newest_ms = began.elapsed().as_secs_f64() * 1e3;
        let began = Instant::now();
        let inserted = store.insert_messages(
            &conversation.id,
            &[message(count + run * 2), message(count + run * 2 + 1)],
        )?;
        let insert_ms = began.elapsed().as_secs_f64() * 1e3;
        let began = Instant::now();
        let path = store.path_to(&inserted[0].id)?;
        let path_ms = began.elapsed().as_secs_f64() * 1e3;
        let began = Instant::now();
        let all = store.messages(&conversation.id)?;
        let all_ms = began.elapsed().as_secs_f64() * 1e3;
        println!(
            "run {run}: newest {newest_ms:.1} ms ({newest}), insert a turn {insert_ms:.1} ms, path_to {path_ms:.1} ms ({} messages); \
             every message of the conversation {all_ms:.1} ms ({})",
            path.len(),
            all.len()
        );
    }
    Ok(())
}
