//! Semantic search through the core against the emulator, on a real database file. The emulator's
//! embeddings are deterministic character-trigram hashes, so texts sharing words are closer and
//! the related message must rank first. Requests are counted in the emulator's log.

mod common;

use bailian_emulator::RecordedRequest;
use desk_core::{Desk, ErrorCode, MessageRole, SendRequest, UsageKind, UsageStatus};

use common::{Fixture, emulator_config, requests_to};

const EMBEDDING_PATH: &str = "/api/v1/services/embeddings/text-embedding/text-embedding";

const TOPICS: &[&str] = &[
    "How do I fix a flat bicycle tire on a mountain bike?",
    "Give me a recipe for a rich chocolate cake",
    "Explain the quarterly revenue growth of our company",
    "What is the weather like in Hangzhou in spring?",
    "Write a haiku about autumn leaves falling",
    "Compare SQLite and PostgreSQL for a desktop app",
];

async fn fixture() -> Fixture {
    Fixture::start(|home, base_url| emulator_config(home, base_url, 2)).await
}

/// Starts one conversation per topic (a prompt and the emulator's reply each).
async fn chat_about(desk: &Desk, topics: &[&str]) -> Vec<String> {
    let mut conversations = Vec::new();
    for topic in topics {
        let outcome = desk
            .send_message(
                SendRequest {
                    prompt: (*topic).to_owned(),
                    ..SendRequest::default()
                },
                |_| {},
            )
            .await
            .expect("send");
        conversations.push(outcome.conversation_id);
    }
    conversations
}

fn texts_sent(request: &RecordedRequest) -> usize {
    request
        .body
        .as_ref()
        .and_then(|b| b.pointer("/input/texts"))
        .and_then(|t| t.as_array())
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn the_related_message_ranks_first_and_indexing_embeds_only_what_is_new() {
    let f = fixture().await;
    // Nothing indexed: no hits, and no paid call to embed the query.
    assert!(
        f.desk
            .semantic_search("bicycle", 5)
            .await
            .expect("empty index")
            .is_empty()
    );
    assert!(requests_to(&f.emulator, EMBEDDING_PATH).is_empty());

    let conversations = chat_about(&f.desk, TOPICS).await;
    let report = f
        .desk
        .index_for_semantic_search(1_000)
        .await
        .expect("index");
    assert_eq!(report.error.map(|e| e.code), None);
    assert_eq!(
        (
            report.embedded,
            report.requests,
            report.indexed,
            report.pending
        ),
        (12, 2, 12, 0),
        "12 messages in batches of at most 10"
    );
    assert_eq!(
        (report.model.as_str(), report.dimension),
        ("text-embedding-v4", 512)
    );
    let calls = requests_to(&f.emulator, EMBEDDING_PATH);
    assert_eq!(
        calls.iter().map(texts_sent).collect::<Vec<_>>(),
        vec![10, 2]
    );
    let body = calls[0].body.as_ref().expect("body");
    assert_eq!(body["parameters"]["dimension"], 512);
    assert_eq!(body["parameters"]["text_type"], "document");

    let hits = f
        .desk
        .semantic_search("repairing a flat tire of my bicycle", 3)
        .await
        .expect("search");
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0].conversation_id, conversations[0], "{hits:?}");
    assert_eq!(hits[0].role, MessageRole::User);
    assert!(hits[0].snippet.contains("bicycle tire"));
    assert!(hits[0].score > hits[2].score);
    let query = requests_to(&f.emulator, EMBEDDING_PATH)
        .pop()
        .expect("the query's call");
    assert_eq!(
        query.body.as_ref().expect("body")["parameters"]["text_type"],
        "query"
    );

    let cake = f
        .desk
        .semantic_search("chocolate cake recipe", 1)
        .await
        .expect("search");
    assert_eq!(cake[0].conversation_id, conversations[1]);

    // Incremental: a new turn is two new messages, embedded in one call; then nothing is left.
    f.emulator.clear_requests();
    f.desk
        .send_message(
            SendRequest {
                conversation_id: Some(conversations[3].clone()),
                prompt: "And is Hangzhou rainy in summer?".into(),
                ..SendRequest::default()
            },
            |_| {},
        )
        .await
        .expect("second turn");
    let report = f
        .desk
        .index_for_semantic_search(1_000)
        .await
        .expect("index");
    assert_eq!(
        (report.embedded, report.requests, report.indexed),
        (2, 1, 14)
    );
    assert_eq!(
        requests_to(&f.emulator, EMBEDDING_PATH)
            .iter()
            .map(texts_sent)
            .collect::<Vec<_>>(),
        vec![2]
    );
    let report = f
        .desk
        .index_for_semantic_search(1_000)
        .await
        .expect("index");
    assert_eq!((report.embedded, report.requests), (0, 0));
    assert_eq!(
        requests_to(&f.emulator, EMBEDDING_PATH).len(),
        1,
        "nothing new: no call"
    );

    // Every call is in the ledger as an embedding.
    let rows = f.desk.usage_records(None, None).expect("ledger");
    let embeddings = rows
        .iter()
        .filter(|r| r.kind == UsageKind::Embedding)
        .count();
    assert_eq!(
        embeddings,
        2 + 2 + 1,
        "two index calls, two queries, one more index call"
    );
}

#[tokio::test]
async fn deleted_purged_and_trashed_messages_leave_the_results() {
    let f = fixture().await;
    let conversations = chat_about(&f.desk, TOPICS).await;
    f.desk
        .index_for_semantic_search(1_000)
        .await
        .expect("index");
    let bicycle = "fix a flat bicycle tire";
    let hits = f.desk.semantic_search(bicycle, 1).await.expect("search");
    let prompt_id = hits[0].message_id.clone();

    // Deleting the prompt deletes its branch (the reply too) and both vectors.
    f.desk.delete_message(&prompt_id).expect("delete");
    let status = f.desk.semantic_index_status().expect("status");
    assert_eq!((status.indexed, status.pending), (10, 0));
    let hits = f.desk.semantic_search(bicycle, 20).await.expect("search");
    assert_eq!(hits.len(), 10);
    assert!(hits.iter().all(|h| h.conversation_id != conversations[0]));

    // The trash hides a conversation; restoring it brings its hits back without re-embedding.
    f.desk.trash_conversation(&conversations[1]).expect("trash");
    let hits = f
        .desk
        .semantic_search("chocolate cake", 20)
        .await
        .expect("search");
    assert!(hits.iter().all(|h| h.conversation_id != conversations[1]));
    f.desk
        .restore_conversation(&conversations[1])
        .expect("restore");
    let hits = f
        .desk
        .semantic_search("chocolate cake", 1)
        .await
        .expect("search");
    assert_eq!(hits[0].conversation_id, conversations[1]);

    // Purging takes the vectors for good.
    f.desk.trash_conversation(&conversations[1]).expect("trash");
    f.desk.purge_conversation(&conversations[1]).expect("purge");
    assert_eq!(f.desk.semantic_index_status().expect("status").indexed, 8);
}

#[tokio::test]
async fn a_429_is_retried_and_a_failure_keeps_what_was_indexed() {
    let f = fixture().await;
    chat_about(&f.desk, TOPICS).await;

    // One 429: the client waits and tries again; everything is indexed.
    f.emulator.clear_requests();
    f.emulator.push_fault("status=429", 1).expect("fault");
    let report = f.desk.index_for_semantic_search(10).await.expect("index");
    assert_eq!(report.error.map(|e| e.code), None);
    assert_eq!(
        (report.embedded, report.requests, report.pending),
        (10, 1, 2)
    );
    let attempts: Vec<Option<String>> = requests_to(&f.emulator, EMBEDDING_PATH)
        .into_iter()
        .map(|r| r.fault)
        .collect();
    assert_eq!(attempts, vec![Some("status=429".to_owned()), None]);

    // Still throttled after every retry: the run stops with the reason and keeps the first
    // batch; the next run embeds only the rest.
    f.desk.set_semantic_dimension(256).expect("dimension");
    f.emulator.clear_requests();
    // The first call passes (a fault that changes nothing), the second batch's two attempts fail.
    f.emulator
        .push_fault("first_byte_delay_ms=0", 1)
        .expect("pass");
    f.emulator.push_fault("status=429", 2).expect("fault");
    let report = f
        .desk
        .index_for_semantic_search(1_000)
        .await
        .expect("report");
    let error = report.error.as_ref().expect("stopped");
    assert_eq!(error.code, ErrorCode::RateLimited);
    assert_eq!(
        error.dashscope_code.as_deref(),
        Some("Throttling.RateQuota")
    );
    assert_eq!(
        (
            report.dimension,
            report.embedded,
            report.requests,
            report.indexed,
            report.pending
        ),
        (256, 10, 2, 10, 2)
    );
    assert_eq!(requests_to(&f.emulator, EMBEDDING_PATH).len(), 3);
    let failed = f
        .desk
        .usage_records(None, None)
        .expect("ledger")
        .into_iter()
        .filter(|r| r.kind == UsageKind::Embedding && r.status == UsageStatus::Failed)
        .count();
    assert_eq!(failed, 1, "the failed call is in the ledger");
    let hits = f
        .desk
        .semantic_search("chocolate cake", 20)
        .await
        .expect("search");
    assert_eq!(hits.len(), 10, "what was indexed is searchable");

    f.emulator.clear_requests();
    let report = f
        .desk
        .index_for_semantic_search(1_000)
        .await
        .expect("resume");
    assert_eq!(report.error.map(|e| e.code), None);
    assert_eq!(
        (report.embedded, report.indexed, report.pending),
        (2, 12, 0)
    );
    assert_eq!(
        requests_to(&f.emulator, EMBEDDING_PATH)
            .iter()
            .map(texts_sent)
            .collect::<Vec<_>>(),
        vec![2]
    );
}

#[tokio::test]
async fn refusals_come_before_any_call() {
    let f = fixture().await;
    let bad = f
        .desk
        .set_semantic_dimension(100)
        .expect_err("not a v4 dimension");
    assert_eq!(bad.code, ErrorCode::BadRequest);
    assert_eq!(f.desk.semantic_config().expect("config").dimension, 512);
    assert!(
        f.desk
            .semantic_search("   ", 5)
            .await
            .expect("blank")
            .is_empty()
    );

    let home = tempfile::tempdir().expect("tempdir");
    let mut no_key = emulator_config(home.path(), f.emulator.base_url(), 2);
    no_key.api_key = None;
    let desk = Desk::open(no_key).expect("open");
    let error = desk
        .index_for_semantic_search(10)
        .await
        .expect_err("no key");
    assert_eq!(error.code, ErrorCode::MissingApiKey);
    assert!(requests_to(&f.emulator, EMBEDDING_PATH).is_empty());
}
