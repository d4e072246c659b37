//! Semantic search benchmark: a store of N messages (~1,000 conversations), each with a random
//! unit vector of D dimensions, then brute-force top-k queries timed one by one.
//!
//! ```text
//! cargo run --release -p desk-store --example semantic_bench -- --messages 100000 --dimension 512
//! ```
//! Options: `--messages N` (default 100000), `--dimension D` (512), `--queries N` (100), `--limit N`
//! (hits per query, 20), `--seed N`.
//!
//! Random vectors cost the scan exactly what real ones do: every vector is read and scored.

use std::time::{Duration, Instant};

use desk_store::{MessageRole, MessageStatus, NewMessage, Store};

const MODEL: &str = "text-embedding-v4";

struct Args {
    messages: usize,
    dimension: u32,
    queries: usize,
    limit: usize,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        messages: 100_000,
        dimension: 512,
        queries: 100,
        limit: 20,
        seed: 7,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number: u64 = value
            .parse()
            .map_err(|_| format!("{flag}: {value:?} is not a number"))?;
        match flag.as_str() {
            "--messages" => args.messages = number as usize,
            "--dimension" => args.dimension = u32::try_from(number).map_err(|e| e.to_string())?,
            "--queries" => args.queries = (number as usize).max(1),
            "--limit" => args.limit = number as usize,
            "--seed" => args.seed = number,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(args)
}

fn random_vector(rng: &mut fastrand::Rng, dimension: u32) -> Vec<f32> {
    (0..dimension).map(|_| rng.f32() * 2.0 - 1.0).collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("desk.sqlite3");
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let started = Instant::now();
    let mut store = Store::open(&path)?;
    let conversations: Vec<String> = (0..1_000)
        .map(|i| {
            store
                .create_conversation(&format!("conversation {i}"), "qwen-plus")
                .map(|c| c.id)
        })
        .collect::<Result<_, _>>()?;
    let mut written = 0;
    let mut batch_index = 0;
    while written < args.messages {
        let count = 100.min(args.messages - written);
        let batch: Vec<NewMessage> = (0..count)
            .map(|i| NewMessage {
                role: if i % 2 == 0 {
                    MessageRole::User
                } else {
                    MessageRole::Assistant
                },
                content: format!("message {} of the benchmark", written + i),
                status: MessageStatus::Complete,
                model: None,
                demo: false,
                attachments: Vec::new(),
                tool_call_id: None,
            })
            .collect();
        store.insert_messages(&conversations[batch_index % conversations.len()], &batch)?;
        written += count;
        batch_index += 1;
    }
    println!(
        "{} messages written in {:.0} s",
        args.messages,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    loop {
        let pending = store.messages_to_embed(MODEL, args.dimension, 2_000)?;
        if pending.is_empty() {
            break;
        }
        let vectors: Vec<(String, Vec<f32>)> = pending
            .into_iter()
            .map(|p| (p.message_id, random_vector(&mut rng, args.dimension)))
            .collect();
        store.save_message_vectors(MODEL, args.dimension, &vectors)?;
    }
    let counts = store.vector_counts(MODEL, args.dimension)?;
    println!(
        "{} vectors of {} dimensions stored in {:.0} s; database {} MB",
        counts.indexed,
        args.dimension,
        started.elapsed().as_secs_f64(),
        std::fs::metadata(&path)?.len() / (1024 * 1024)
    );
    // The first search after a change reads every vector from the file into memory; the next
    // ones scan memory only, until the vectors change again.
    let started = Instant::now();
    store.semantic_search(&random_vector(&mut rng, args.dimension), MODEL, args.limit)?;
    println!(
        "first search (loads the vectors): {}",
        ms(started.elapsed())
    );
    let mut times = Vec::with_capacity(args.queries);
    for _ in 0..args.queries {
        let query = random_vector(&mut rng, args.dimension);
        let started = Instant::now();
        let hits = store.semantic_search(&query, MODEL, args.limit)?;
        times.push(started.elapsed());
        assert_eq!(hits.len(), args.limit.min(args.messages));
    }
    times.sort_unstable();
    println!(
        "{} queries, top {}: p50 {}, p95 {}, max {}",
        args.queries,
        args.limit,
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 1.0))
    );
    Ok(())
}
