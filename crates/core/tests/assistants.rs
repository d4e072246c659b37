//! Bailian Apps as assistants through the core against the emulator, on a real database file:
//! the list in the settings, a conversation with an app through the same tree and streaming path
//! as a model, its session carried from turn to turn (read back from the emulator's request log),
//! its thoughts stored as reasoning and its document references as sources, and the refusals.

mod common;

use bailian_emulator::{RecordedRequest, RunningEmulator};
use base64::Engine as _;
use desk_core::{
    Desk, DeskConfig, ErrorCode, MessageStatus, NewAttachment, SendRequest, StreamUpdate,
};

use common::{emulator_config, requests_to};

const APP: &str = "app-emulator";
const APP_PATH: &str = "/api/v1/apps/app-emulator/completion";

fn session_sent(request: &RecordedRequest) -> Option<String> {
    request
        .body
        .as_ref()?
        .pointer("/input/session_id")?
        .as_str()
        .map(str::to_owned)
}

/// The emulator app's answer (see `crates/emulator/src/apps.rs`).
fn app_answer(turn: usize, prompt: &str) -> String {
    format!(
        "The emulated app {APP} answers (turn {turn}): you asked \"{prompt}\". The emulator handbook covers this."
    )
}

#[tokio::test]
async fn assistants_are_listed_renamed_removed_and_kept_across_restarts() {
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(DeskConfig::at(home.path())).expect("open");
    assert!(desk.assistants().expect("none").is_empty());
    let added = desk
        .add_assistant(" 9f3c1a ", "Handbook helper")
        .expect("add");
    assert_eq!(
        (
            added.app_id.as_str(),
            added.name.as_str(),
            added.model.as_str()
        ),
        ("9f3c1a", "Handbook helper", "app:9f3c1a")
    );
    desk.add_assistant("app:b-2_x", "Second")
        .expect("app: prefix accepted");
    let renamed = desk.add_assistant("9f3c1a", "Renamed").expect("rename");
    assert_eq!(renamed.added_at, added.added_at, "a rename keeps the entry");
    for (id, name) in [("", "x"), ("../x", "x"), ("ok", "  "), ("app:", "x")] {
        let error = desk.add_assistant(id, name).expect_err("refused");
        assert_eq!(error.code, ErrorCode::BadRequest, "{id:?} {name:?}");
    }
    drop(desk);
    let desk = Desk::open(DeskConfig::at(home.path())).expect("reopen");
    let names: Vec<String> = desk
        .assistants()
        .expect("list")
        .into_iter()
        .map(|a| format!("{}={}", a.app_id, a.name))
        .collect();
    assert_eq!(names, vec!["9f3c1a=Renamed", "b-2_x=Second"]);
    assert!(desk.remove_assistant("9f3c1a").expect("remove"));
    assert!(!desk.remove_assistant("9f3c1a").expect("already gone"));
    assert_eq!(desk.assistants().expect("list").len(), 1);
}

#[tokio::test]
async fn an_assistant_conversation_keeps_its_session_thoughts_and_references() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(emulator_config(home.path(), emulator.base_url(), 1)).expect("open");
    let assistant = desk.add_assistant(APP, "Emulator app").expect("add");

    let mut updates = Vec::new();
    let first = desk
        .send_message(
            SendRequest {
                prompt: "what is the emulator".into(),
                model: Some(assistant.model.clone()),
                ..SendRequest::default()
            },
            |update| updates.push(update),
        )
        .await
        .expect("first turn");
    assert_eq!(first.status, MessageStatus::Complete);
    let streamed: String = updates
        .iter()
        .filter_map(|u| match u {
            StreamUpdate::Delta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(streamed, app_answer(1, "what is the emulator"));
    assert!(
        updates.iter().any(
            |u| matches!(u, StreamUpdate::Reasoning { text } if text.contains("knowledge base"))
        )
    );
    assert!(
        updates
            .iter()
            .any(|u| matches!(u, StreamUpdate::SearchSources { sources } if sources.len() == 1))
    );

    let view = desk.conversation(&first.conversation_id).expect("view");
    assert_eq!(view.conversation.model, "app:app-emulator");
    let reply = view.messages.last().expect("reply");
    assert_eq!(reply.model.as_deref(), Some("app:app-emulator"));
    assert_eq!(reply.content, app_answer(1, "what is the emulator"));
    assert_eq!(
        reply.reasoning.as_deref(),
        Some(
            "Looking up \"what is the emulator\" in the knowledge base.\n[searchDocument] 1 document found"
        )
    );
    assert_eq!(reply.search_sources.len(), 1);
    let source = &reply.search_sources[0];
    assert_eq!(
        (
            source.index,
            source.title.as_str(),
            source.url.as_str(),
            source.site_name.as_deref()
        ),
        (
            1,
            "Emulator handbook",
            "bailian-doc:doc-emulator-1",
            Some("emulator-handbook.md")
        )
    );
    assert!(
        reply.usage.is_some(),
        "the app's usage, summed over its models"
    );

    // The second turn, in the same conversation without naming the model, continues the session.
    let second = desk
        .send_message(
            SendRequest {
                conversation_id: Some(first.conversation_id.clone()),
                prompt: "and then?".into(),
                ..SendRequest::default()
            },
            |_| {},
        )
        .await
        .expect("second turn");
    let view = desk.conversation(&second.conversation_id).expect("view");
    assert_eq!(
        view.messages.last().expect("reply").content,
        app_answer(2, "and then?"),
        "the app saw the same session"
    );
    let sent = requests_to(&emulator, APP_PATH);
    assert_eq!(sent.len(), 2);
    assert_eq!(
        session_sent(&sent[0]),
        None,
        "a new conversation starts a session"
    );
    let session = session_sent(&sent[1]).expect("the second request carries the session");
    assert_eq!(
        sent[1].body.as_ref().expect("body")["input"]["prompt"],
        "and then?"
    );
    assert_eq!(
        sent[1].body.as_ref().expect("body")["parameters"]["has_thoughts"],
        true
    );

    // Regenerating goes to the app too, in the same session; the old reply stays as a sibling.
    let regenerated = desk
        .regenerate_reply(&second.assistant_message_id, |_| {})
        .await
        .expect("regenerate");
    let sent = requests_to(&emulator, APP_PATH);
    assert_eq!(session_sent(&sent[2]).as_deref(), Some(session.as_str()));
    let view = desk
        .conversation(&regenerated.conversation_id)
        .expect("view");
    let answer = view
        .messages
        .iter()
        .find(|m| m.id == regenerated.assistant_message_id)
        .expect("regenerated");
    assert_eq!(answer.content, app_answer(3, "and then?"));
    assert_eq!(view.messages.len(), 5);

    // Apps cannot continue a prefix.
    let error = desk
        .continue_reply(&regenerated.assistant_message_id, |_| {})
        .await
        .expect_err("no partial mode");
    assert_eq!(error.code, ErrorCode::BadRequest);
}

#[tokio::test]
async fn assistant_failures_keep_the_prompt_and_bad_requests_store_nothing() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(emulator_config(home.path(), emulator.base_url(), 1)).expect("open");

    // Refused before anything is stored: a bad app id, an image for an app.
    for model in ["app:", "app:../x"] {
        let error = desk
            .send_message(
                SendRequest {
                    prompt: "hi".into(),
                    model: Some(model.into()),
                    ..SendRequest::default()
                },
                |_| {},
            )
            .await
            .expect_err("bad app id");
        assert_eq!(error.code, ErrorCode::BadRequest, "{model}");
    }
    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let error = desk
        .send_message(
            SendRequest {
                prompt: "look".into(),
                model: Some(format!("app:{APP}")),
                attachments: vec![NewAttachment {
                    mime: "image/png".into(),
                    base64: base64::engine::general_purpose::STANDARD.encode(png),
                }],
                ..SendRequest::default()
            },
            |_| {},
        )
        .await
        .expect_err("apps take text");
    assert_eq!(error.code, ErrorCode::UnsupportedByModel);
    assert!(desk.list_conversations().expect("list").is_empty());
    assert!(emulator.requests().is_empty());

    // The app refuses (an app id the key may not use): the prompt stays, the reply failed with
    // the doctor's code.
    emulator.push_fault("status=403", 1).expect("fault");
    let error = desk
        .send_message(
            SendRequest {
                prompt: "hello app".into(),
                model: Some(format!("app:{APP}")),
                ..SendRequest::default()
            },
            |_| {},
        )
        .await
        .expect_err("refused");
    assert_eq!(error.code, ErrorCode::AccessDenied);
    let conversations = desk.list_conversations().expect("list");
    assert_eq!(conversations.len(), 1);
    let view = desk.conversation(&conversations[0].id).expect("view");
    assert_eq!(view.messages[0].content, "hello app");
    assert_eq!(view.messages[1].status, MessageStatus::Failed);
    assert_eq!(
        view.messages[1].error.as_ref().map(|e| e.code.as_str()),
        Some("access_denied")
    );
    // Nothing came back, so no session was kept: the next prompt starts one.
    desk.send_message(
        SendRequest {
            conversation_id: Some(conversations[0].id.clone()),
            prompt: "again".into(),
            ..SendRequest::default()
        },
        |_| {},
    )
    .await
    .expect("works now");
    let sent = requests_to(&emulator, APP_PATH);
    assert_eq!(session_sent(sent.last().expect("request")), None);
}
