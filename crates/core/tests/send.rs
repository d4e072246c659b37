//! The chat use case end to end against the emulator, on a real database file: what is stored on
//! every path, and what the caller hears.

mod common;

use std::time::Duration;

use bailian_emulator::{RunningEmulator, pieces, reply_text};
use desk_core::{
    AppMode, Desk, DeskConfig, ErrorCode, MessageRole, MessageStatus, SendRequest, StreamUpdate,
};

use common::{emulator_config, retry};

/// Without a URL, the app's default server (for the tests that never reach it).
fn config(home: &std::path::Path, base_url: Option<String>) -> DeskConfig {
    match base_url {
        Some(base_url) => emulator_config(home, base_url, 3),
        None => {
            let mut config = DeskConfig::at(home);
            config.retry = retry(3);
            config
        }
    }
}

fn ask(prompt: &str, conversation_id: Option<&str>) -> SendRequest {
    SendRequest {
        conversation_id: conversation_id.map(str::to_owned),
        prompt: prompt.to_owned(),
        model: None,
        ..SendRequest::default()
    }
}

async fn send(
    desk: &Desk,
    request: SendRequest,
) -> (
    Result<desk_core::SendOutcome, desk_core::DeskError>,
    Vec<StreamUpdate>,
) {
    let mut updates = Vec::new();
    let outcome = desk.send_message(request, |u| updates.push(u)).await;
    (outcome, updates)
}

fn deltas(updates: &[StreamUpdate]) -> String {
    updates
        .iter()
        .filter_map(|u| match u {
            StreamUpdate::Delta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_reply_streams_is_stored_and_survives_reopen() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let conversation_id = {
        let desk = Desk::open(config(home.path(), Some(emulator.base_url()))).expect("open");
        assert_eq!(desk.status().mode, AppMode::Live);
        let (outcome, updates) = send(&desk, ask("Hello there", None)).await;
        let outcome = outcome.expect("sent");
        assert_eq!(outcome.status, MessageStatus::Complete);
        assert!(matches!(
            updates.first(),
            Some(StreamUpdate::Started { .. })
        ));
        assert!(matches!(
            updates.last(),
            Some(StreamUpdate::Finished {
                status: MessageStatus::Complete,
                usage: Some(_),
                error: None,
                ..
            })
        ));
        let expected = reply_text("qwen-plus", 1, "Hello there");
        assert_eq!(deltas(&updates), expected);
        assert_eq!(
            updates
                .iter()
                .filter(|u| matches!(u, StreamUpdate::Delta { .. }))
                .count(),
            pieces(&expected).len()
        );
        outcome.conversation_id
    };
    let desk = Desk::open(config(home.path(), Some(emulator.base_url()))).expect("reopen");
    let list = desk.list_conversations().expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].title, "Hello there");
    let view = desk.conversation(&conversation_id).expect("view");
    assert_eq!(view.messages.len(), 2);
    assert_eq!(
        (view.messages[0].role, view.messages[0].content.as_str()),
        (MessageRole::User, "Hello there")
    );
    let reply = &view.messages[1];
    assert_eq!(reply.status, MessageStatus::Complete);
    assert_eq!(reply.content, reply_text("qwen-plus", 1, "Hello there"));
    assert!(!reply.demo);
    let usage = reply.usage.expect("usage recorded");
    assert_eq!(usage.output_tokens, pieces(&reply.content).len() as u64);
    assert!(reply.request_id.is_some());
}

#[tokio::test]
async fn the_second_prompt_carries_the_history() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), Some(emulator.base_url()))).expect("open");
    let (first, _) = send(&desk, ask("first", None)).await;
    let id = first.expect("first").conversation_id;
    let (_, updates) = send(&desk, ask("second", Some(&id))).await;
    assert_eq!(deltas(&updates), reply_text("qwen-plus", 2, "second"));
    assert_eq!(desk.conversation(&id).expect("view").messages.len(), 4);
}

#[tokio::test]
async fn a_cut_stream_keeps_the_partial_reply_across_reopen() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("cut_after=6", 1).expect("fault");
    let home = tempfile::tempdir().expect("tempdir");
    let conversation_id = {
        let desk = Desk::open(config(home.path(), Some(emulator.base_url()))).expect("open");
        let (outcome, updates) = send(&desk, ask("Hello there", None)).await;
        let error = outcome.expect_err("the stream broke");
        assert_eq!(error.code, ErrorCode::StreamInterrupted);
        assert!(matches!(
            updates.last(),
            Some(StreamUpdate::Finished {
                status: MessageStatus::Partial,
                error: Some(_),
                ..
            })
        ));
        desk.list_conversations().expect("list")[0].id.clone()
    };
    let desk = Desk::open(config(home.path(), Some(emulator.base_url()))).expect("reopen");
    let view = desk.conversation(&conversation_id).expect("view");
    let reply = &view.messages[1];
    let expected: String = pieces(&reply_text("qwen-plus", 1, "Hello there"))[..6].concat();
    assert_eq!(
        (reply.status, reply.content.as_str()),
        (MessageStatus::Partial, expected.as_str())
    );
    assert_eq!(
        reply.error.as_ref().map(|e| e.code.as_str()),
        Some("stream_interrupted")
    );
    assert_eq!(emulator.requests().len(), 1, "no retry after text arrived");
}

#[tokio::test]
async fn an_error_event_mid_stream_is_stored_with_the_doctor_code() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("error_after=2,code=DataInspectionFailed,message=Output data may contain inappropriate content.", 1).expect("fault");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), Some(emulator.base_url()))).expect("open");
    let (outcome, _) = send(&desk, ask("Hello there", None)).await;
    let error = outcome.expect_err("blocked");
    assert_eq!(
        (error.code, error.dashscope_code.as_deref()),
        (ErrorCode::ContentBlocked, Some("DataInspectionFailed"))
    );
    assert!(error.request_id.is_some());
    let id = desk.list_conversations().expect("list")[0].id.clone();
    let reply = desk.conversation(&id).expect("view").messages[1].clone();
    assert_eq!(reply.status, MessageStatus::Partial);
    assert_eq!(
        reply.error.map(|e| e.code),
        Some("content_blocked".to_owned())
    );
}

#[tokio::test]
async fn a_rejected_key_keeps_the_prompt_and_marks_the_reply_failed() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("status=401", 1).expect("fault");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), Some(emulator.base_url()))).expect("open");
    let (outcome, updates) = send(&desk, ask("Keep me", None)).await;
    assert_eq!(outcome.expect_err("refused").code, ErrorCode::InvalidApiKey);
    assert!(matches!(
        updates.last(),
        Some(StreamUpdate::Finished {
            status: MessageStatus::Failed,
            ..
        })
    ));
    let id = desk.list_conversations().expect("list")[0].id.clone();
    let messages = desk.conversation(&id).expect("view").messages;
    assert_eq!(messages[0].content, "Keep me", "the prompt is never lost");
    assert_eq!(
        (messages[1].status, messages[1].content.as_str()),
        (MessageStatus::Failed, "")
    );
    assert_eq!(emulator.requests().len(), 1);
}

#[tokio::test]
async fn retries_are_reported_to_the_caller() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("status=503", 1).expect("fault");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), Some(emulator.base_url()))).expect("open");
    let (outcome, updates) = send(&desk, ask("Hello there", None)).await;
    assert_eq!(outcome.expect("recovers").status, MessageStatus::Complete);
    assert!(
        updates
            .iter()
            .any(|u| matches!(u, StreamUpdate::Retrying { attempt: 2, .. }))
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_stored() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), Some(emulator.base_url()))).expect("open");
    let (kept, _) = send(&desk, ask("Existing", None)).await;
    let kept = kept.expect("sent").conversation_id;

    let (empty, updates) = send(&desk, ask("  \n\t ", Some(&kept))).await;
    assert_eq!(empty.expect_err("empty").code, ErrorCode::EmptyPrompt);
    assert!(updates.is_empty());
    let (unknown, _) = send(
        &desk,
        ask("Hello", Some("0190aaaa-0000-7000-8000-000000000000")),
    )
    .await;
    assert_eq!(
        unknown.expect_err("unknown").code,
        ErrorCode::ConversationNotFound
    );

    assert_eq!(desk.list_conversations().expect("list").len(), 1);
    assert_eq!(
        desk.conversation(&kept).expect("view").messages.len(),
        2,
        "nothing added, nothing lost"
    );
    assert_eq!(emulator.requests().len(), 1);
}

#[tokio::test]
async fn no_key_means_setup_is_needed_and_nothing_is_stored() {
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), None)).expect("open");
    assert_eq!(desk.status().mode, AppMode::NeedsSetup);
    let (outcome, _) = send(&desk, ask("Hello", None)).await;
    assert_eq!(outcome.expect_err("no key").code, ErrorCode::MissingApiKey);
    assert!(desk.list_conversations().expect("list").is_empty());
}

#[tokio::test]
async fn an_unreachable_host_fails_clearly_and_keeps_the_prompt() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(
        home.path(),
        Some(format!("http://127.0.0.1:{port}")),
    ))
    .expect("open");
    let (outcome, updates) = send(&desk, ask("Anyone there?", None)).await;
    assert_eq!(outcome.expect_err("unreachable").code, ErrorCode::Network);
    assert_eq!(
        updates
            .iter()
            .filter(|u| matches!(u, StreamUpdate::Retrying { .. }))
            .count(),
        2
    );
    let id = desk.list_conversations().expect("list")[0].id.clone();
    assert_eq!(
        desk.conversation(&id).expect("view").messages[0].content,
        "Anyone there?"
    );
}

#[tokio::test]
async fn stopping_keeps_what_arrived() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("token_delay_ms=40", 1).expect("fault");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = std::sync::Arc::new(
        Desk::open(config(home.path(), Some(emulator.base_url()))).expect("open"),
    );
    let (reply_id_tx, reply_id_rx) = tokio::sync::oneshot::channel();
    let stopper = {
        let desk = std::sync::Arc::clone(&desk);
        tokio::spawn(async move {
            let reply_id: String = reply_id_rx.await.expect("reply id");
            tokio::time::sleep(Duration::from_millis(200)).await;
            desk.stop_stream(&reply_id);
        })
    };
    let mut reply_id_tx = Some(reply_id_tx);
    let mut received = String::new();
    let outcome = desk
        .send_message(ask("Hello there", None), |u| match u {
            StreamUpdate::Started {
                assistant_message, ..
            } => {
                if let Some(tx) = reply_id_tx.take() {
                    let _ = tx.send(assistant_message.id);
                }
            }
            StreamUpdate::Delta { text } => received.push_str(&text),
            _ => {}
        })
        .await
        .expect("a stop is not an error");
    stopper.await.expect("stopper");
    assert_eq!(outcome.status, MessageStatus::Partial);
    let reply = desk
        .conversation(&outcome.conversation_id)
        .expect("view")
        .messages[1]
        .clone();
    assert_eq!(reply.content, received);
    assert!(
        !received.is_empty() && received.len() < reply_text("qwen-plus", 1, "Hello there").len()
    );
    assert_eq!(reply.error.map(|e| e.code), Some("cancelled".to_owned()));
}

#[tokio::test]
async fn the_offline_demo_answers_and_labels_its_replies() {
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), None)).expect("open");
    let status = desk.start_demo().await.expect("demo");
    assert_eq!(status.mode, AppMode::Demo);
    assert!(
        status
            .base_url
            .as_deref()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:"))
    );
    let (outcome, updates) = send(&desk, ask("Hi demo", None)).await;
    let outcome = outcome.expect("demo reply");
    assert_eq!(deltas(&updates), reply_text("qwen-plus", 1, "Hi demo"));
    let reply = desk
        .conversation(&outcome.conversation_id)
        .expect("view")
        .messages[1]
        .clone();
    assert!(reply.demo, "a demo reply is marked as such in the store");
}

#[tokio::test]
async fn a_cut_reply_is_continued_in_place_not_restarted() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("cut_after=6", 1).expect("fault");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(config(home.path(), Some(emulator.base_url()))).expect("open");
    let (cut, _) = send(&desk, ask("Hello there", None)).await;
    assert_eq!(cut.expect_err("cut").code, ErrorCode::StreamInterrupted);
    let conversation_id = desk.list_conversations().expect("list")[0].id.clone();
    let reply_id = desk.conversation(&conversation_id).expect("view").messages[1]
        .id
        .clone();
    let full = reply_text("qwen-plus", 1, "Hello there");
    let kept: String = pieces(&full)[..6].concat();

    let mut updates = Vec::new();
    let outcome = desk
        .continue_reply(&reply_id, |u| updates.push(u))
        .await
        .expect("continued");
    assert_eq!(
        (outcome.assistant_message_id.as_str(), outcome.status),
        (reply_id.as_str(), MessageStatus::Complete)
    );
    assert!(matches!(
        updates.first(),
        Some(StreamUpdate::Resumed { .. })
    ));
    assert_eq!(
        deltas(&updates),
        full[kept.len()..],
        "only the rest of the answer streams"
    );
    let view = desk.conversation(&conversation_id).expect("view");
    assert_eq!(
        view.messages.len(),
        2,
        "continued in the same message, no new turn"
    );
    assert_eq!(
        (view.messages[1].content.as_str(), view.messages[1].status),
        (full.as_str(), MessageStatus::Complete)
    );
    assert!(view.messages[1].error.is_none());

    // The request carried the cut text as a partial assistant turn.
    assert_eq!(emulator.requests().len(), 2);
    let again = desk
        .continue_reply(&reply_id, |_| {})
        .await
        .expect_err("a complete reply cannot be continued");
    assert_eq!(again.code, ErrorCode::BadRequest);
}
