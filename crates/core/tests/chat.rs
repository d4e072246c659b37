//! The chat screen's core against the emulator, on a real database file: branches (regenerate,
//! edit-and-resend) and the path each request carries, thinking, search, images, the
//! conversation's parameters, organising conversations, deleting branches, settings, and the
//! serde shapes the UI's `types.ts` expects. What was sent is read back from the emulator's log
//! of request bodies.

mod common;

use std::time::Duration;

use bailian_emulator::{RunningEmulator, reply_text};
use base64::Engine as _;
use desk_core::{
    ChatParams, ConversationPatch, ConversationScope, Desk, DeskConfig, DeskError, ErrorCode,
    Message, MessageStatus, NewAttachment, SendOutcome, SendRequest, Settings, StreamUpdate, Theme,
    UiLanguage,
};
use serde_json::{Value, json};

use common::{Fixture, chat_requests, emulator_config};

/// The first bytes of a PNG: what the sniffer and the emulator need to see an image.
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];

async fn fixture() -> Fixture {
    Fixture::start(|home, base_url| emulator_config(home, base_url, 1)).await
}

fn ask(prompt: &str) -> SendRequest {
    SendRequest {
        prompt: prompt.to_owned(),
        ..SendRequest::default()
    }
}

fn ask_in(conversation_id: &str, prompt: &str) -> SendRequest {
    SendRequest {
        conversation_id: Some(conversation_id.to_owned()),
        ..ask(prompt)
    }
}

async fn send(desk: &Desk, request: SendRequest) -> (SendOutcome, Vec<StreamUpdate>) {
    let mut updates = Vec::new();
    let outcome = desk
        .send_message(request, |u| updates.push(u))
        .await
        .expect("sent");
    (outcome, updates)
}

async fn send_err(desk: &Desk, request: SendRequest) -> DeskError {
    desk.send_message(request, |_| {})
        .await
        .expect_err("refused")
}

async fn regenerate(desk: &Desk, reply_id: &str) -> (SendOutcome, Vec<StreamUpdate>) {
    let mut updates = Vec::new();
    let outcome = desk
        .regenerate_reply(reply_id, |u| updates.push(u))
        .await
        .expect("regenerated");
    (outcome, updates)
}

fn joined(updates: &[StreamUpdate], pick: fn(&StreamUpdate) -> Option<&str>) -> String {
    updates.iter().filter_map(pick).collect()
}

fn deltas(updates: &[StreamUpdate]) -> String {
    joined(updates, |u| match u {
        StreamUpdate::Delta { text } => Some(text),
        _ => None,
    })
}

fn reasoning(updates: &[StreamUpdate]) -> String {
    joined(updates, |u| match u {
        StreamUpdate::Reasoning { text } => Some(text),
        _ => None,
    })
}

fn message(desk: &Desk, conversation_id: &str, id: &str) -> Message {
    desk.conversation(conversation_id)
        .expect("view")
        .messages
        .into_iter()
        .find(|m| m.id == id)
        .expect("message")
}

fn last_body(emulator: &RunningEmulator) -> Value {
    chat_requests(emulator)
        .pop()
        .and_then(|r| r.body)
        .expect("a chat request with a JSON body")
}

/// The turns a native body sent: role and text (a multimodal content list's text parts joined).
fn sent_turns(body: &Value) -> Vec<(String, String)> {
    body["input"]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            let text = match &m["content"] {
                Value::String(s) => s.clone(),
                Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect(),
                other => panic!("content {other}"),
            };
            (m["role"].as_str().expect("role").to_owned(), text)
        })
        .collect()
}

fn turns(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(r, t)| ((*r).to_owned(), (*t).to_owned()))
        .collect()
}

fn started(updates: &[StreamUpdate]) -> (Option<Message>, Message) {
    match updates.first() {
        Some(StreamUpdate::Started {
            user_message,
            assistant_message,
            ..
        }) => (
            user_message.as_deref().cloned(),
            (**assistant_message).clone(),
        ),
        other => panic!("expected started, got {other:?}"),
    }
}

#[tokio::test]
async fn regenerate_and_edit_resend_make_siblings_and_only_the_path_is_sent() {
    let f = fixture().await;
    let (first, _) = send(&f.desk, ask("first")).await;
    let c = first.conversation_id.clone();
    let a1 = first.assistant_message_id.clone();
    let a1_text = reply_text("qwen-plus", 1, "first");
    let (second, updates) = send(&f.desk, ask_in(&c, "second")).await;
    let (u2, a2) = started(&updates);
    let u2 = u2.expect("a new prompt is announced");
    assert_eq!(
        u2.parent_id.as_deref(),
        Some(a1.as_str()),
        "after the newest"
    );
    assert_eq!(a2.parent_id.as_deref(), Some(u2.id.as_str()));

    // Regenerate: a sibling of the second reply; the old one stays.
    let (regenerated, updates) = regenerate(&f.desk, &second.assistant_message_id).await;
    let (no_prompt, r2) = started(&updates);
    assert!(
        no_prompt.is_none(),
        "a regenerated reply answers a stored prompt"
    );
    assert_eq!(r2.parent_id.as_deref(), Some(u2.id.as_str()));
    assert_ne!(
        regenerated.assistant_message_id,
        second.assistant_message_id
    );
    assert_eq!(regenerated.status, MessageStatus::Complete);
    assert_eq!(deltas(&updates), reply_text("qwen-plus", 2, "second"));
    assert_eq!(
        sent_turns(&last_body(&f.emulator)),
        turns(&[
            ("user", "first"),
            ("assistant", &a1_text),
            ("user", "second")
        ]),
        "the path to the prompt, without the reply being replaced"
    );
    assert_eq!(
        message(&f.desk, &c, &second.assistant_message_id).status,
        MessageStatus::Complete,
        "the old reply stays"
    );

    // Edit and resend: the edited prompt under the original's parent, a sibling of it.
    let (edited, updates) = send(
        &f.desk,
        SendRequest {
            parent_id: u2.parent_id.clone(),
            ..ask_in(&c, "second, edited")
        },
    )
    .await;
    let (u2_edited, _) = started(&updates);
    assert_eq!(u2_edited.expect("prompt").parent_id, u2.parent_id);
    assert_eq!(
        sent_turns(&last_body(&f.emulator)),
        turns(&[
            ("user", "first"),
            ("assistant", &a1_text),
            ("user", "second, edited")
        ]),
        "neither the original prompt nor its replies"
    );
    let edited_reply = reply_text("qwen-plus", 2, "second, edited");
    assert_eq!(deltas(&updates), edited_reply);

    // Without a parent, the next prompt follows the newest message: the edited branch.
    let (_, updates) = send(&f.desk, ask_in(&c, "third")).await;
    let (u3, _) = started(&updates);
    assert_eq!(
        u3.expect("prompt").parent_id.as_deref(),
        Some(edited.assistant_message_id.as_str())
    );
    assert_eq!(
        sent_turns(&last_body(&f.emulator)),
        turns(&[
            ("user", "first"),
            ("assistant", &a1_text),
            ("user", "second, edited"),
            ("assistant", &edited_reply),
            ("user", "third"),
        ])
    );
    let view = f.desk.conversation(&c).expect("view");
    assert_eq!(view.messages.len(), 9, "every branch is kept");
    assert_eq!(view.conversation.message_count, 9);

    // A cut reply in a branch is continued with its own path.
    f.emulator.push_fault("cut_after=4", 1).expect("fault");
    let cut = f
        .desk
        .regenerate_reply(&edited.assistant_message_id, |_| {})
        .await
        .expect_err("cut");
    assert_eq!(cut.code, ErrorCode::StreamInterrupted);
    let cut_reply = f
        .desk
        .conversation(&c)
        .expect("view")
        .messages
        .into_iter()
        .find(|m| m.status == MessageStatus::Partial)
        .expect("the cut reply");
    let continued = f
        .desk
        .continue_reply(&cut_reply.id, |_| {})
        .await
        .expect("continued");
    assert_eq!(continued.status, MessageStatus::Complete);
    let body = last_body(&f.emulator);
    let sent = sent_turns(&body);
    assert_eq!(
        sent[..3],
        turns(&[
            ("user", "first"),
            ("assistant", &a1_text),
            ("user", "second, edited")
        ])[..]
    );
    assert_eq!(sent.len(), 4, "the path, then the text so far");
    assert_eq!(body["input"]["messages"][3]["partial"], json!(true));
    assert_eq!(
        message(&f.desk, &c, &cut_reply.id).content,
        edited_reply,
        "continued in place"
    );
}

#[tokio::test]
async fn a_thread_longer_than_the_models_context_sends_its_newest_turns() {
    let f = fixture().await;
    // Each prompt ~4,000 of the emulator's tokens: qwen-max takes 30,720, so the whole thread is
    // refused from the eighth turn on unless the oldest turns are left out.
    let long_ask = |i: usize| SendRequest {
        model: Some("qwen-max".into()),
        ..ask(&format!("turn {i}: {}", "word ".repeat(4_000)))
    };
    let left_out = |updates: &[StreamUpdate]| match updates.first() {
        Some(StreamUpdate::Started {
            context_left_out, ..
        }) => *context_left_out,
        other => panic!("started first: {other:?}"),
    };
    let (first, updates) = send(&f.desk, long_ask(0)).await;
    assert_eq!(left_out(&updates), 0, "a thread that fits is sent whole");
    let c = first.conversation_id.clone();
    let mut last_updates = Vec::new();
    for i in 1..10 {
        let (outcome, updates) = send(
            &f.desk,
            SendRequest {
                conversation_id: Some(c.clone()),
                ..long_ask(i)
            },
        )
        .await;
        assert_eq!(outcome.status, MessageStatus::Complete, "turn {i}");
        last_updates = updates;
    }
    let sent = sent_turns(&last_body(&f.emulator));
    // The caller is told how many were left out: the path (9 turns and the new prompt) less
    // what was sent.
    assert_eq!(left_out(&last_updates), 19 - sent.len());
    let numbers: Vec<usize> = sent
        .iter()
        .filter(|(role, _)| role == "user")
        .filter_map(|(_, text)| text.strip_prefix("turn ")?.split(':').next()?.parse().ok())
        .collect();
    // The newest turns, in order, ending with the prompt; the request starts at a user turn.
    assert!(
        numbers.len() < 10 && numbers.len() >= 2,
        "sent turns {numbers:?}"
    );
    assert_eq!(numbers.last(), Some(&9));
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
    assert_eq!(sent[0].0, "user");
    // Nothing is lost: the stored thread still has every turn.
    let view = f.desk.conversation(&c).expect("view");
    assert_eq!(view.messages.len(), 20);
}

#[tokio::test]
async fn a_thinking_model_streams_reasoning_kept_apart_from_the_answer() {
    let f = fixture().await;
    let (outcome, updates) = send(
        &f.desk,
        SendRequest {
            model: Some("qwq-plus".into()),
            ..ask("Why is the sky blue?")
        },
    )
    .await;
    let thought = "The user said \"Why is the sky blue?\". I answer as the emulator does.";
    assert_eq!(reasoning(&updates), thought);
    let answer = reply_text("qwq-plus", 1, "Why is the sky blue?");
    assert_eq!(deltas(&updates), answer, "no thinking in the answer");
    let first_delta = updates
        .iter()
        .position(|u| matches!(u, StreamUpdate::Delta { .. }))
        .expect("delta");
    let last_reasoning = updates
        .iter()
        .rposition(|u| matches!(u, StreamUpdate::Reasoning { .. }))
        .expect("reasoning");
    assert!(last_reasoning < first_delta, "thinking streams first");
    let reply = message(
        &f.desk,
        &outcome.conversation_id,
        &outcome.assistant_message_id,
    );
    assert_eq!(
        (reply.content.as_str(), reply.reasoning.as_deref()),
        (answer.as_str(), Some(thought))
    );
    let request = chat_requests(&f.emulator).pop().expect("request");
    assert!(request.stream, "a model that always thinks is streamed");
    let body = request.body.expect("body");
    assert!(
        body["parameters"].get("enable_thinking").is_none(),
        "not sent to a model whose thinking cannot be switched"
    );

    // A hybrid model thinks when the conversation asks for it.
    let (outcome, updates) = send(
        &f.desk,
        SendRequest {
            params: Some(ChatParams {
                enable_thinking: Some(true),
                ..ChatParams::default()
            }),
            ..ask("Think first")
        },
    )
    .await;
    assert_eq!(
        last_body(&f.emulator)["parameters"]["enable_thinking"],
        json!(true)
    );
    assert!(!reasoning(&updates).is_empty());
    let conversation = f
        .desk
        .conversation(&outcome.conversation_id)
        .expect("view")
        .conversation;
    assert_eq!(conversation.params.enable_thinking, Some(true));

    // A model without thinking never receives the switch, even when the conversation has it on.
    f.desk
        .update_conversation(
            &outcome.conversation_id,
            ConversationPatch {
                params: Some(ChatParams {
                    enable_thinking: Some(true),
                    ..ChatParams::default()
                }),
                ..ConversationPatch::default()
            },
        )
        .expect("update");
    let (_, updates) = send(
        &f.desk,
        SendRequest {
            model: Some("qwen-max".into()),
            ..ask_in(&outcome.conversation_id, "No thinking here")
        },
    )
    .await;
    assert!(
        last_body(&f.emulator)["parameters"]
            .get("enable_thinking")
            .is_none()
    );
    assert!(reasoning(&updates).is_empty());
}

#[tokio::test]
async fn the_conversation_parameters_shape_the_request_and_search_sources_are_stored() {
    let f = fixture().await;
    let params = ChatParams {
        temperature: Some(0.5),
        enable_thinking: None,
        enable_search: true,
        system_prompt: Some("  Be brief.  ".into()),
        ..ChatParams::default()
    };
    let (outcome, updates) = send(
        &f.desk,
        SendRequest {
            params: Some(params),
            ..ask("Latest Qwen news")
        },
    )
    .await;
    let body = last_body(&f.emulator);
    assert_eq!(
        sent_turns(&body),
        turns(&[("system", "Be brief."), ("user", "Latest Qwen news")])
    );
    assert_eq!(body["parameters"]["temperature"], json!(0.5));
    assert_eq!(body["parameters"]["enable_search"], json!(true));
    let announced: Vec<_> = updates
        .iter()
        .filter_map(|u| match u {
            StreamUpdate::SearchSources { sources } => Some(sources.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(announced.len(), 1, "sources are announced once");
    assert_eq!(
        announced[0][0].title,
        "Emulated search result for Latest Qwen news"
    );
    assert_eq!(
        announced[0][0].site_name.as_deref(),
        Some("Bailian emulator")
    );
    let reply = message(
        &f.desk,
        &outcome.conversation_id,
        &outcome.assistant_message_id,
    );
    assert_eq!(reply.search_sources, announced[0]);
    let stored = f
        .desk
        .conversation(&outcome.conversation_id)
        .expect("view")
        .conversation
        .params;
    assert_eq!(
        stored.system_prompt.as_deref(),
        Some("Be brief."),
        "stored trimmed"
    );

    // A model that cannot search is not asked to; the reply still comes.
    let (_, updates) = send(
        &f.desk,
        SendRequest {
            model: Some("qwq-plus".into()),
            ..ask_in(&outcome.conversation_id, "Search anyway")
        },
    )
    .await;
    assert!(
        last_body(&f.emulator)["parameters"]
            .get("enable_search")
            .is_none()
    );
    assert!(
        !updates
            .iter()
            .any(|u| matches!(u, StreamUpdate::SearchSources { .. }))
    );

    // A new conversation's parameters are checked before anything is stored.
    let before = f.desk.list_conversations().expect("list").len();
    let requests = f.emulator.requests().len();
    for bad in [2.0, -0.1, f64::NAN] {
        let error = send_err(
            &f.desk,
            SendRequest {
                params: Some(ChatParams {
                    temperature: Some(bad),
                    ..ChatParams::default()
                }),
                ..ask("hot")
            },
        )
        .await;
        assert_eq!(error.code, ErrorCode::BadRequest, "{bad}");
        assert!(error.message.contains("temperature"), "{}", error.message);
    }
    assert_eq!(f.desk.list_conversations().expect("list").len(), before);
    assert_eq!(f.emulator.requests().len(), requests);
}

#[tokio::test]
async fn images_reach_a_vision_model_as_image_parts_and_a_text_model_refuses_them() {
    let f = fixture().await;
    let image = NewAttachment {
        mime: "image/png".into(),
        base64: base64::engine::general_purpose::STANDARD.encode(PNG),
    };
    let (outcome, updates) = send(
        &f.desk,
        SendRequest {
            model: Some("qwen-vl-plus".into()),
            attachments: vec![image.clone()],
            ..ask("What is in this picture?")
        },
    )
    .await;
    assert!(deltas(&updates).starts_with("I see 1 image(s)."));
    let request = chat_requests(&f.emulator).pop().expect("request");
    assert!(request.path.ends_with("/multimodal-generation/generation"));
    let content = &request.body.expect("body")["input"]["messages"][0]["content"];
    let data_uri = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(PNG)
    );
    assert_eq!(
        content,
        &json!([{"image": data_uri}, {"text": "What is in this picture?"}])
    );
    let (prompt, _) = started(&updates);
    let prompt = prompt.expect("prompt");
    assert_eq!(prompt.attachments.len(), 1);
    assert_eq!(
        (
            prompt.attachments[0].mime.as_str(),
            prompt.attachments[0].bytes
        ),
        ("image/png", PNG.len() as u64)
    );
    let stored = message(&f.desk, &outcome.conversation_id, &prompt.id);
    assert_eq!(stored.attachments, prompt.attachments);
    assert_eq!(
        f.desk
            .attachment_data(&prompt.attachments[0].id)
            .expect("bytes"),
        ("image/png".to_owned(), PNG.to_vec())
    );

    // The image stays in the history of the conversation's next turns.
    let (_, updates) = send(&f.desk, ask_in(&outcome.conversation_id, "And now?")).await;
    assert!(deltas(&updates).starts_with("I see 1 image(s)."));

    // Refused before anything is stored or sent: a text model, a file that is not an image.
    let conversations = f.desk.list_conversations().expect("list").len();
    let requests = f.emulator.requests().len();
    let error = send_err(
        &f.desk,
        SendRequest {
            model: Some("qwen-plus".into()),
            attachments: vec![image.clone()],
            ..ask("What is in this picture?")
        },
    )
    .await;
    assert_eq!(error.code, ErrorCode::UnsupportedByModel);
    assert!(error.message.contains("qwen-plus"), "{}", error.message);
    let error = send_err(
        &f.desk,
        SendRequest {
            model: Some("qwen-max".into()),
            attachments: vec![image],
            ..ask_in(&outcome.conversation_id, "Switching to a text model")
        },
    )
    .await;
    assert_eq!(
        error.code,
        ErrorCode::UnsupportedByModel,
        "{}",
        error.message
    );
    assert_eq!(
        f.desk
            .conversation(&outcome.conversation_id)
            .expect("view")
            .messages
            .len(),
        4,
        "nothing was added to the conversation"
    );
    let pdf = NewAttachment {
        mime: "image/png".into(),
        base64: base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.7 not an image"),
    };
    let error = send_err(
        &f.desk,
        SendRequest {
            model: Some("qwen-vl-plus".into()),
            attachments: vec![pdf],
            ..ask("Read this")
        },
    )
    .await;
    assert_eq!(error.code, ErrorCode::BadRequest);
    assert_eq!(
        f.desk.list_conversations().expect("list").len(),
        conversations
    );
    assert_eq!(f.emulator.requests().len(), requests);
    assert_eq!(
        f.desk
            .attachment_data("0190aaaa-0000-7000-8000-000000000000")
            .expect_err("unknown")
            .code,
        ErrorCode::MessageNotFound
    );
}

#[tokio::test]
async fn a_text_model_gets_the_text_of_earlier_image_turns() {
    let f = fixture().await;
    let image = NewAttachment {
        mime: "image/png".into(),
        base64: base64::engine::general_purpose::STANDARD.encode(PNG),
    };
    let (outcome, _) = send(
        &f.desk,
        SendRequest {
            model: Some("qwen-vl-plus".into()),
            attachments: vec![image],
            ..ask("Describe it")
        },
    )
    .await;
    let (_, updates) = send(
        &f.desk,
        SendRequest {
            model: Some("qwen-plus".into()),
            ..ask_in(&outcome.conversation_id, "Summarise in one word")
        },
    )
    .await;
    let request = chat_requests(&f.emulator).pop().expect("request");
    assert!(request.path.ends_with("/text-generation/generation"));
    let body = request.body.expect("body");
    assert_eq!(
        sent_turns(&body)[0],
        ("user".to_owned(), "Describe it".to_owned())
    );
    assert_eq!(
        deltas(&updates),
        reply_text("qwen-plus", 2, "Summarise in one word")
    );
}

#[tokio::test]
async fn conversations_are_pinned_filed_archived_trashed_restored_and_purged() {
    let f = fixture().await;
    let mut ids = Vec::new();
    let mut replies = Vec::new();
    for prompt in ["alpha", "bravo", "charlie"] {
        let (outcome, _) = send(&f.desk, ask(prompt)).await;
        ids.push(outcome.conversation_id);
        replies.push(outcome.assistant_message_id);
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let titles = |scope| -> Vec<String> {
        f.desk
            .list_conversations_in(scope)
            .expect("list")
            .into_iter()
            .map(|c| c.title)
            .collect()
    };
    assert_eq!(
        titles(ConversationScope::Active),
        ["charlie", "bravo", "alpha"]
    );

    let pinned = f
        .desk
        .update_conversation(
            &ids[0],
            ConversationPatch {
                pinned: Some(true),
                folder: Some(Some(" Work ".into())),
                title: Some(" Alpha, renamed ".into()),
                ..ConversationPatch::default()
            },
        )
        .expect("pin");
    assert!(pinned.pinned);
    assert_eq!(
        (pinned.title.as_str(), pinned.folder.as_deref()),
        ("Alpha, renamed", Some("Work"))
    );
    assert_eq!(
        titles(ConversationScope::Active),
        ["Alpha, renamed", "charlie", "bravo"]
    );
    assert_eq!(
        f.desk
            .list_conversations()
            .expect("active")
            .into_iter()
            .map(|c| c.title)
            .collect::<Vec<_>>(),
        titles(ConversationScope::Active)
    );

    // Invalid patches change nothing.
    for bad in [
        ConversationPatch {
            title: Some("   ".into()),
            ..ConversationPatch::default()
        },
        ConversationPatch {
            params: Some(ChatParams {
                temperature: Some(2.5),
                ..ChatParams::default()
            }),
            ..ConversationPatch::default()
        },
    ] {
        assert_eq!(
            f.desk
                .update_conversation(&ids[0], bad)
                .expect_err("refused")
                .code,
            ErrorCode::BadRequest
        );
    }
    assert_eq!(
        f.desk.conversation(&ids[0]).expect("view").conversation,
        pinned
    );

    f.desk
        .update_conversation(
            &ids[1],
            ConversationPatch {
                archived: Some(true),
                ..ConversationPatch::default()
            },
        )
        .expect("archive");
    assert_eq!(titles(ConversationScope::Archived), ["bravo"]);
    assert_eq!(
        titles(ConversationScope::Active),
        ["Alpha, renamed", "charlie"]
    );

    f.desk.trash_conversation(&ids[2]).expect("trash");
    assert_eq!(titles(ConversationScope::Trash), ["charlie"]);
    assert_eq!(titles(ConversationScope::Active), ["Alpha, renamed"]);
    // A conversation in the trash is read-only until restored.
    let error = send_err(&f.desk, ask_in(&ids[2], "still there?")).await;
    assert_eq!(error.code, ErrorCode::BadRequest, "{}", error.message);
    let error = f
        .desk
        .regenerate_reply(&replies[2], |_| {})
        .await
        .expect_err("in the trash");
    assert_eq!(error.code, ErrorCode::BadRequest, "{}", error.message);
    assert_eq!(
        f.desk.conversation(&ids[2]).expect("view").messages.len(),
        2
    );
    let error = f
        .desk
        .purge_conversation(&ids[0])
        .expect_err("only from the trash");
    assert_eq!(error.code, ErrorCode::BadRequest);
    assert!(f.desk.conversation(&ids[0]).is_ok(), "nothing was deleted");

    f.desk.restore_conversation(&ids[2]).expect("restore");
    assert_eq!(
        titles(ConversationScope::Active),
        ["Alpha, renamed", "charlie"]
    );
    assert!(titles(ConversationScope::Trash).is_empty());
    send(&f.desk, ask_in(&ids[2], "back again")).await;

    f.desk.trash_conversation(&ids[2]).expect("trash");
    f.desk.purge_conversation(&ids[2]).expect("purge");
    assert_eq!(
        f.desk.conversation(&ids[2]).expect_err("gone").code,
        ErrorCode::ConversationNotFound
    );
    assert!(titles(ConversationScope::Trash).is_empty());
    assert!(f.desk.search("charlie", 10).expect("search").is_empty());
    for result in [
        f.desk.trash_conversation(&ids[2]),
        f.desk.restore_conversation(&ids[2]),
        f.desk.purge_conversation(&ids[2]),
        f.desk
            .update_conversation(&ids[2], ConversationPatch::default())
            .map(|_| ()),
    ] {
        assert_eq!(
            result.expect_err("unknown").code,
            ErrorCode::ConversationNotFound
        );
    }

    // New parameters apply to the next request.
    f.desk
        .update_conversation(
            &ids[0],
            ConversationPatch {
                params: Some(ChatParams {
                    system_prompt: Some("Answer in French.".into()),
                    ..ChatParams::default()
                }),
                ..ConversationPatch::default()
            },
        )
        .expect("params");
    send(&f.desk, ask_in(&ids[0], "hello")).await;
    assert_eq!(
        sent_turns(&last_body(&f.emulator))[0],
        ("system".to_owned(), "Answer in French.".to_owned())
    );
}

#[tokio::test]
async fn deleting_a_message_removes_its_branch_and_its_search_entries() {
    let f = fixture().await;
    let (first, _) = send(&f.desk, ask("keep xylophone")).await;
    let c = first.conversation_id.clone();
    let (_, updates) = send(&f.desk, ask_in(&c, "drop marimba")).await;
    let (doomed, _) = started(&updates);
    let doomed = doomed.expect("prompt");
    send(&f.desk, ask_in(&c, "also marimba below")).await;
    assert_eq!(f.desk.search("marimba", 10).expect("search").len(), 4);

    f.desk.delete_message(&doomed.id).expect("delete");
    let left: Vec<String> = f
        .desk
        .conversation(&c)
        .expect("view")
        .messages
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(
        left,
        [
            "keep xylophone",
            reply_text("qwen-plus", 1, "keep xylophone").as_str()
        ]
    );
    assert!(f.desk.search("marimba", 10).expect("search").is_empty());
    assert_eq!(f.desk.search("xylophone", 10).expect("search").len(), 2);
    assert_eq!(
        f.desk.delete_message(&doomed.id).expect_err("gone").code,
        ErrorCode::MessageNotFound
    );
    assert_eq!(
        f.desk
            .regenerate_reply(&doomed.id, |_| {})
            .await
            .expect_err("gone")
            .code,
        ErrorCode::MessageNotFound
    );
    assert_eq!(
        f.desk
            .regenerate_reply(&first.assistant_message_id, |_| {})
            .await
            .map(|o| o.status)
            .expect("the kept reply can still be regenerated"),
        MessageStatus::Complete
    );
}

#[tokio::test]
async fn a_branch_with_a_reply_being_written_is_not_deleted() {
    let f = fixture().await;
    f.emulator
        .push_fault("token_delay_ms=40", 1)
        .expect("fault");
    let desk = std::sync::Arc::new(f.desk);
    let (ids_tx, ids_rx) = tokio::sync::oneshot::channel::<(String, String)>();
    let deleter = {
        let desk = std::sync::Arc::clone(&desk);
        tokio::spawn(async move {
            let (prompt_id, reply_id) = ids_rx.await.expect("ids");
            let refused = desk.delete_message(&prompt_id);
            desk.stop_stream(&reply_id);
            refused
        })
    };
    let mut ids_tx = Some(ids_tx);
    let outcome = desk
        .send_message(ask("slow answer please"), |u| {
            if let StreamUpdate::Started {
                user_message: Some(user),
                assistant_message,
                ..
            } = u
                && let Some(tx) = ids_tx.take()
            {
                let _ = tx.send((user.id.clone(), assistant_message.id.clone()));
            }
        })
        .await
        .expect("stopped, not failed");
    let refused = deleter.await.expect("task").expect_err("refused");
    assert_eq!(refused.code, ErrorCode::BadRequest);
    assert!(refused.message.contains("stop"), "{}", refused.message);
    assert_eq!(
        desk.conversation(&outcome.conversation_id)
            .expect("view")
            .messages
            .len(),
        2,
        "nothing was deleted"
    );
}

#[tokio::test]
async fn wrong_parents_and_wrong_replies_are_refused_before_anything_is_stored() {
    let f = fixture().await;
    let (one, updates) = send(&f.desk, ask("one")).await;
    let (prompt, _) = started(&updates);
    let prompt = prompt.expect("prompt");
    let (two, _) = send(&f.desk, ask("two")).await;
    let requests = f.emulator.requests().len();

    let error = send_err(
        &f.desk,
        SendRequest {
            parent_id: Some(one.assistant_message_id.clone()),
            ..ask_in(&two.conversation_id, "cross-conversation")
        },
    )
    .await;
    assert_eq!(error.code, ErrorCode::MessageNotFound);
    let error = send_err(
        &f.desk,
        SendRequest {
            parent_id: Some("0190aaaa-0000-7000-8000-000000000000".into()),
            ..ask_in(&two.conversation_id, "unknown parent")
        },
    )
    .await;
    assert_eq!(error.code, ErrorCode::MessageNotFound);
    let error = send_err(
        &f.desk,
        SendRequest {
            parent_id: Some(one.assistant_message_id.clone()),
            ..ask("a parent without its conversation")
        },
    )
    .await;
    assert_eq!(error.code, ErrorCode::BadRequest);
    let error = f
        .desk
        .regenerate_reply(&prompt.id, |_| {})
        .await
        .expect_err("a prompt is not a reply");
    assert_eq!(error.code, ErrorCode::BadRequest);
    for unknown in [
        f.desk
            .regenerate_reply("0190aaaa-0000-7000-8000-000000000000", |_| {})
            .await,
        f.desk
            .continue_reply("0190aaaa-0000-7000-8000-000000000000", |_| {})
            .await,
    ] {
        assert_eq!(
            unknown.expect_err("unknown").code,
            ErrorCode::MessageNotFound
        );
    }

    assert_eq!(f.emulator.requests().len(), requests, "nothing was sent");
    assert_eq!(f.desk.list_conversations().expect("list").len(), 2);
    for c in [&one.conversation_id, &two.conversation_id] {
        assert_eq!(f.desk.conversation(c).expect("view").messages.len(), 2);
    }
}

#[tokio::test]
async fn a_reply_carries_its_cost_and_the_demo_costs_nothing() {
    let f = fixture().await;
    let (outcome, updates) = send(&f.desk, ask("price me")).await;
    let Some(StreamUpdate::Finished {
        usage: Some(usage),
        cost_cny: Some(cost),
        ..
    }) = updates.last()
    else {
        panic!("a priced model's reply has a cost: {:?}", updates.last());
    };
    // qwen-plus: 0.0008 CNY per 1,000 input tokens, 0.002 per 1,000 output tokens.
    let expected =
        (usage.input_tokens as f64 * 0.0008 + usage.output_tokens as f64 * 0.002) / 1000.0;
    assert!((cost - expected).abs() < 1e-12, "{cost} vs {expected}");
    let reply = message(
        &f.desk,
        &outcome.conversation_id,
        &outcome.assistant_message_id,
    );
    assert_eq!(reply.cost_cny, Some(*cost));

    // qwen-max has no CNY price in the registry: unknown, not zero.
    let (outcome, _) = send(
        &f.desk,
        SendRequest {
            model: Some("qwen-max".into()),
            ..ask("unpriced")
        },
    )
    .await;
    let reply = message(
        &f.desk,
        &outcome.conversation_id,
        &outcome.assistant_message_id,
    );
    assert_eq!(reply.cost_cny, None);

    let home = tempfile::tempdir().expect("tempdir");
    let demo = Desk::open(DeskConfig::at(home.path())).expect("open");
    demo.start_demo().await.expect("demo");
    let (outcome, updates) = send(&demo, ask("free")).await;
    assert!(matches!(
        updates.last(),
        Some(StreamUpdate::Finished { cost_cny: None, .. })
    ));
    let reply = message(
        &demo,
        &outcome.conversation_id,
        &outcome.assistant_message_id,
    );
    assert!(reply.demo && reply.cost_cny.is_none());
}

#[tokio::test]
async fn settings_round_trip_refuse_invalid_values_and_shape_new_conversations() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let chosen = {
        let desk = Desk::open(emulator_config(home.path(), emulator.base_url(), 1)).expect("open");
        assert_eq!(desk.settings().expect("defaults"), Settings::default());
        let chosen = desk
            .update_settings(Settings {
                language: UiLanguage::ZhCn,
                theme: Theme::Dark,
                default_model: Some(" qwen-max ".into()),
                default_params: ChatParams {
                    temperature: Some(0.7),
                    enable_thinking: None,
                    enable_search: false,
                    system_prompt: Some("  Reply in Chinese.  ".into()),
                    ..ChatParams::default()
                },
                read_aloud: true,
                voice: Some("longxiaochun".into()),
            })
            .expect("valid");
        assert_eq!(chosen.default_model.as_deref(), Some("qwen-max"));
        assert_eq!(
            chosen.default_params.system_prompt.as_deref(),
            Some("Reply in Chinese.")
        );
        let invalid = [
            Settings {
                default_params: ChatParams {
                    temperature: Some(2.0),
                    ..ChatParams::default()
                },
                ..chosen.clone()
            },
            Settings {
                default_params: ChatParams {
                    temperature: Some(f64::INFINITY),
                    ..ChatParams::default()
                },
                ..chosen.clone()
            },
            Settings {
                default_model: Some("   ".into()),
                ..chosen.clone()
            },
            Settings {
                default_model: Some("wanx2.1-t2i-turbo".into()),
                ..chosen.clone()
            },
            Settings {
                voice: Some(String::new()),
                ..chosen.clone()
            },
            Settings {
                default_params: ChatParams {
                    system_prompt: Some(
                        "x".repeat(desk_core::settings::MAX_SYSTEM_PROMPT_CHARS + 1),
                    ),
                    ..ChatParams::default()
                },
                ..chosen.clone()
            },
        ];
        for bad in invalid {
            let error = desk.update_settings(bad.clone()).expect_err("refused");
            assert_eq!(error.code, ErrorCode::BadRequest, "{bad:?}");
            assert!(!error.message.is_empty());
        }
        assert_eq!(
            desk.settings().expect("read"),
            chosen,
            "refusals change nothing"
        );
        chosen
    };
    let desk = Desk::open(emulator_config(home.path(), emulator.base_url(), 1)).expect("reopen");
    assert_eq!(
        desk.settings().expect("read"),
        chosen,
        "kept across restarts"
    );

    // A new conversation takes the default model and parameters.
    let (outcome, _) = send(&desk, ask("defaults please")).await;
    let conversation = desk
        .conversation(&outcome.conversation_id)
        .expect("view")
        .conversation;
    assert_eq!(conversation.model, "qwen-max");
    assert_eq!(conversation.params, chosen.default_params);
    let body = last_body(&emulator);
    assert_eq!(body["model"], json!("qwen-max"));
    assert_eq!(body["parameters"]["temperature"], json!(0.7));
    assert_eq!(
        sent_turns(&body)[0],
        ("system".to_owned(), "Reply in Chinese.".to_owned())
    );
}

#[tokio::test]
async fn the_wire_shapes_match_the_ui_contract() {
    let f = fixture().await;
    let (outcome, updates) = send(&f.desk, ask("shape")).await;
    let started = serde_json::to_value(&updates[0]).expect("json");
    assert_eq!(started["type"], json!("started"));
    let user = &started["userMessage"];
    for key in [
        "id",
        "conversationId",
        "role",
        "content",
        "status",
        "model",
        "demo",
        "error",
        "usage",
        "createdAt",
        "parentId",
        "reasoning",
        "searchSources",
        "toolCalls",
        "attachments",
        "costCny",
        "toolCallId",
        "finishReason",
    ] {
        assert!(user.get(key).is_some(), "Message.{key}");
    }
    assert!(
        started.get("toolMessages").is_none(),
        "only submit_tool_results says toolMessages"
    );
    assert_eq!(user["parentId"], Value::Null);
    assert_eq!(user["attachments"], json!([]));
    assert_eq!(
        started["assistantMessage"]["parentId"], user["id"],
        "a reply's parent is its prompt"
    );
    let finished = serde_json::to_value(updates.last().expect("finished")).expect("json");
    assert_eq!(finished["type"], json!("finished"));
    assert!(finished["costCny"].is_number() && finished.get("error").is_some());
    assert_eq!(finished["finishReason"], json!("stop"));

    let (_, regenerated) = regenerate(&f.desk, &outcome.assistant_message_id).await;
    let started = serde_json::to_value(&regenerated[0]).expect("json");
    assert_eq!(started["userMessage"], Value::Null);

    for (update, kind) in [
        (StreamUpdate::Reasoning { text: "x".into() }, "reasoning"),
        (
            StreamUpdate::SearchSources { sources: vec![] },
            "searchSources",
        ),
        (StreamUpdate::ToolCalls { calls: vec![] }, "toolCalls"),
    ] {
        assert_eq!(
            serde_json::to_value(update).expect("json")["type"],
            json!(kind)
        );
    }

    let summary = serde_json::to_value(
        f.desk
            .conversation(&outcome.conversation_id)
            .expect("view")
            .conversation,
    )
    .expect("json");
    for key in [
        "id",
        "title",
        "model",
        "createdAt",
        "updatedAt",
        "messageCount",
        "pinned",
        "folder",
        "archived",
        "deletedAt",
        "params",
    ] {
        assert!(summary.get(key).is_some(), "ConversationSummary.{key}");
    }
    assert_eq!(
        summary["params"],
        json!({"temperature": null, "enableThinking": null, "enableSearch": false, "systemPrompt": null,
               "tools": [], "toolChoice": null, "responseFormat": "text", "seed": null, "stop": [],
               "maxTokens": null})
    );

    // What the UI sends deserializes: optional fields may be left out, a folder set to null.
    let request: SendRequest = serde_json::from_value(json!({
        "conversationId": null, "prompt": "hi", "model": null
    }))
    .expect("minimal request");
    assert!(request.parent_id.is_none() && request.attachments.is_empty());
    let request: SendRequest = serde_json::from_value(json!({
        "conversationId": "c", "prompt": "hi", "model": null, "parentId": "p",
        "attachments": [{"mime": "image/png", "base64": "AA=="}],
        "params": {"temperature": 0.2, "enableThinking": true, "enableSearch": true, "systemPrompt": null}
    }))
    .expect("full request");
    assert_eq!(request.parent_id.as_deref(), Some("p"));
    assert_eq!(request.params.and_then(|p| p.temperature), Some(0.2));
    let patch: ConversationPatch = serde_json::from_value(json!({"folder": null})).expect("patch");
    assert_eq!(patch.folder, Some(None), "null clears the folder");
    let patch: ConversationPatch = serde_json::from_value(json!({"pinned": true})).expect("patch");
    assert_eq!(patch.folder, None, "absent keeps it");
    let scope: ConversationScope = serde_json::from_value(json!("trash")).expect("scope");
    assert_eq!(scope, ConversationScope::Trash);
}

#[tokio::test]
async fn editing_the_first_prompt_makes_a_second_root_and_sends_only_the_new_branch() {
    let f = fixture().await;
    let (first, updates) = send(&f.desk, ask("first question")).await;
    let (first_prompt, _) = started(&updates);
    let first_prompt = first_prompt.expect("the prompt");
    let conversation = first.conversation_id.clone();
    send(&f.desk, ask_in(&conversation, "follow-up")).await;

    let (_, updates) = send(
        &f.desk,
        SendRequest {
            edit_of: Some(first_prompt.id.clone()),
            ..ask_in(&conversation, "first question, rephrased")
        },
    )
    .await;
    let (edited, _) = started(&updates);
    let edited = edited.expect("the edited prompt");
    assert_eq!(
        edited.parent_id, None,
        "a sibling of the root prompt is a root"
    );
    assert_eq!(
        sent_turns(&last_body(&f.emulator)),
        turns(&[("user", "first question, rephrased")]),
        "only the new branch is sent, not the original question or its follow-up"
    );
    let view = f.desk.conversation(&conversation).expect("view");
    let roots = view
        .messages
        .iter()
        .filter(|m| m.parent_id.is_none())
        .count();
    assert_eq!(roots, 2, "the original stays as a branch");

    // Only prompts can be edited, and only with their conversation.
    let reply = view
        .messages
        .iter()
        .find(|m| m.role == desk_core::MessageRole::Assistant)
        .expect("a reply");
    let refused = send_err(
        &f.desk,
        SendRequest {
            edit_of: Some(reply.id.clone()),
            ..ask_in(&conversation, "x")
        },
    )
    .await;
    assert_eq!(refused.code, ErrorCode::BadRequest);
    let refused = send_err(
        &f.desk,
        SendRequest {
            edit_of: Some(first_prompt.id.clone()),
            parent_id: Some(first_prompt.id.clone()),
            ..ask_in(&conversation, "x")
        },
    )
    .await;
    assert_eq!(refused.code, ErrorCode::BadRequest);
}

#[tokio::test]
async fn an_image_without_words_is_a_prompt_and_trashed_conversations_leave_search() {
    let f = fixture().await;
    let image = NewAttachment {
        mime: "image/png".to_owned(),
        base64: base64::engine::general_purpose::STANDARD.encode(PNG),
    };
    let (outcome, _) = send(
        &f.desk,
        SendRequest {
            model: Some("qwen-vl-plus".to_owned()),
            attachments: vec![image],
            ..ask("   ")
        },
    )
    .await;
    let view = f.desk.conversation(&outcome.conversation_id).expect("view");
    assert!(!view.conversation.title.is_empty());
    assert_eq!(view.messages[0].attachments.len(), 1);

    let (kept, _) = send(&f.desk, ask("unicorn kept")).await;
    let (trashed, _) = send(&f.desk, ask("unicorn trashed")).await;
    f.desk
        .trash_conversation(&trashed.conversation_id)
        .expect("trash");
    let hits = f.desk.search("unicorn", 20).expect("search");
    assert!(!hits.is_empty());
    assert!(
        hits.iter()
            .all(|h| h.conversation_id == kept.conversation_id),
        "{hits:?}"
    );
    f.desk
        .restore_conversation(&trashed.conversation_id)
        .expect("restore");
    let hits = f.desk.search("unicorn", 20).expect("search");
    assert!(
        hits.iter()
            .any(|h| h.conversation_id == trashed.conversation_id)
    );
}
