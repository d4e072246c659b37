//! A conversation's output parameters and the tool-call loop, against the emulator on a real
//! database file: each parameter reaches the wire in the API's shape (read back from the
//! emulator's request log), parallel tool calls are answered and the history carries them after
//! a restart, a reply cut by its token limit is complete with `length` and continues, every
//! invalid parameter or set of results is refused before anything is stored or sent, and a stream
//! cut in the middle of a tool call stores no half call.

mod common;

use bailian_emulator::{RunningEmulator, pieces, reply_text};
use desk_core::{
    ChatParams, ConversationPatch, Desk, DeskError, ErrorCode, FinishReason, Message, MessageRole,
    MessageStatus, ResponseFormat, SendOutcome, SendRequest, StreamUpdate, ToolChoice,
    ToolDefinition, ToolResult,
};
use serde_json::{Value, json};

use common::{Fixture, chat_requests, emulator_config};

async fn fixture() -> Fixture {
    Fixture::start(|home, base_url| emulator_config(home, base_url, 1)).await
}

fn tool(name: &str) -> ToolDefinition {
    ToolDefinition {
        name: name.to_owned(),
        description: format!("The {name} of a place"),
        parameters: json!({"type": "object", "properties": {"query": {"type": "string"}}}),
    }
}

fn with_tools(names: &[&str]) -> ChatParams {
    ChatParams {
        tools: names.iter().map(|n| tool(n)).collect(),
        ..ChatParams::default()
    }
}

fn ask(prompt: &str, params: Option<ChatParams>) -> SendRequest {
    SendRequest {
        prompt: prompt.to_owned(),
        params,
        ..SendRequest::default()
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

async fn submit(
    desk: &Desk,
    reply_id: &str,
    results: Vec<ToolResult>,
) -> Result<(SendOutcome, Vec<StreamUpdate>), DeskError> {
    let mut updates = Vec::new();
    desk.submit_tool_results(reply_id, results, |u| updates.push(u))
        .await
        .map(|outcome| (outcome, updates))
}

fn result(id: &str, content: &str) -> ToolResult {
    ToolResult {
        tool_call_id: id.to_owned(),
        content: content.to_owned(),
    }
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

fn finished(updates: &[StreamUpdate]) -> (MessageStatus, Option<FinishReason>) {
    match updates.last() {
        Some(StreamUpdate::Finished {
            status,
            finish_reason,
            ..
        }) => (*status, *finish_reason),
        other => panic!("not finished: {other:?}"),
    }
}

fn last_body(emulator: &RunningEmulator) -> Value {
    chat_requests(emulator)
        .pop()
        .and_then(|r| r.body)
        .expect("a chat request with a JSON body")
}

fn message(desk: &Desk, conversation_id: &str, id: &str) -> Message {
    desk.conversation(conversation_id)
        .expect("view")
        .messages
        .into_iter()
        .find(|m| m.id == id)
        .expect("message")
}

#[tokio::test]
async fn each_parameter_reaches_the_wire_in_the_apis_shape() {
    let f = fixture().await;
    let params = ChatParams {
        tool_choice: Some(ToolChoice::Function("weather".into())),
        seed: Some(42),
        stop: vec!["END".into(), "停".into()],
        max_tokens: Some(100),
        ..with_tools(&["weather", "time"])
    };
    let (outcome, updates) = send(&f.desk, ask("杭州天气", Some(params))).await;
    let parameters = last_body(&f.emulator)["parameters"].clone();
    assert_eq!(
        parameters["tools"],
        json!([
            {"type": "function", "function": {"name": "weather", "description": "The weather of a place",
             "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}}},
            {"type": "function", "function": {"name": "time", "description": "The time of a place",
             "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}}},
        ])
    );
    assert_eq!(
        parameters["tool_choice"],
        json!({"type": "function", "function": {"name": "weather"}})
    );
    assert_eq!(parameters["parallel_tool_calls"], json!(true));
    assert_eq!(parameters["seed"], json!(42));
    assert_eq!(parameters["stop"], json!(["END", "停"]));
    assert_eq!(parameters["max_tokens"], json!(100));
    assert_eq!(parameters["result_format"], json!("message"));
    assert!(parameters.get("response_format").is_none());
    // The forced function is the only call.
    let calls = match updates
        .iter()
        .find(|u| matches!(u, StreamUpdate::ToolCalls { .. }))
    {
        Some(StreamUpdate::ToolCalls { calls }) => calls.clone(),
        _ => panic!("no tool calls"),
    };
    assert_eq!(
        calls.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["weather"]
    );
    assert_eq!(
        finished(&updates),
        (MessageStatus::Complete, Some(FinishReason::ToolCalls))
    );

    // `none` is sent as the API spells it, without parallel calls, and the model answers.
    let conversation = outcome.conversation_id.clone();
    f.desk
        .update_conversation(
            &conversation,
            ConversationPatch {
                params: Some(ChatParams {
                    tool_choice: Some(ToolChoice::None),
                    ..with_tools(&["weather"])
                }),
                ..ConversationPatch::default()
            },
        )
        .expect("update");
    let (_, updates) = send(
        &f.desk,
        SendRequest {
            conversation_id: Some(conversation.clone()),
            ..ask("just talk", None)
        },
    )
    .await;
    let parameters = last_body(&f.emulator)["parameters"].clone();
    assert_eq!(parameters["tool_choice"], json!("none"));
    assert!(parameters.get("parallel_tool_calls").is_none());
    assert!(!deltas(&updates).is_empty(), "a text answer");
    assert_eq!(
        finished(&updates),
        (MessageStatus::Complete, Some(FinishReason::Stop))
    );

    // JSON output, with the word in the system prompt; no tools, no tool fields.
    f.desk
        .update_conversation(
            &conversation,
            ConversationPatch {
                params: Some(ChatParams {
                    response_format: ResponseFormat::JsonObject,
                    system_prompt: Some("Answer in Json.".into()),
                    tool_choice: Some(ToolChoice::Auto),
                    ..ChatParams::default()
                }),
                ..ConversationPatch::default()
            },
        )
        .expect("update");
    let (_, updates) = send(
        &f.desk,
        SendRequest {
            conversation_id: Some(conversation.clone()),
            ..ask("capital of France?", None)
        },
    )
    .await;
    let parameters = last_body(&f.emulator)["parameters"].clone();
    assert_eq!(
        parameters["response_format"],
        json!({"type": "json_object"})
    );
    for absent in [
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "seed",
        "stop",
        "max_tokens",
    ] {
        assert!(parameters.get(absent).is_none(), "{absent}");
    }
    let answer: Value = serde_json::from_str(&deltas(&updates)).expect("a JSON answer");
    assert!(answer["answer"].is_string());

    // A vision model is served on the multimodal endpoint: the parameters go there the same.
    // (qwen-vl has no tools in the registry; qwen3-vl-plus, which has, is looked up as a Qwen3
    // open model by the registry's prefix order, so it is not used here.)
    let (_, _) = send(
        &f.desk,
        SendRequest {
            model: Some("qwen-vl-plus".into()),
            ..ask(
                "what time is it",
                Some(ChatParams {
                    seed: Some(7),
                    stop: vec!["END".into()],
                    max_tokens: Some(50),
                    ..ChatParams::default()
                }),
            )
        },
    )
    .await;
    let request = chat_requests(&f.emulator).pop().expect("request");
    assert!(
        request.path.contains("multimodal-generation"),
        "{}",
        request.path
    );
    let parameters = request.body.expect("body")["parameters"].clone();
    assert_eq!(
        (
            &parameters["seed"],
            &parameters["stop"],
            &parameters["max_tokens"]
        ),
        (&json!(7), &json!(["END"]), &json!(50))
    );
}

#[tokio::test]
async fn parallel_tool_calls_are_answered_and_the_history_carries_them_after_a_restart() {
    let f = fixture().await;
    let prompt = "weather and time in 杭州";
    let (outcome, updates) =
        send(&f.desk, ask(prompt, Some(with_tools(&["weather", "time"])))).await;
    let conversation = outcome.conversation_id.clone();
    let asked = message(&f.desk, &conversation, &outcome.assistant_message_id);
    assert_eq!(asked.status, MessageStatus::Complete);
    assert_eq!(asked.finish_reason, Some(FinishReason::ToolCalls));
    let ids: Vec<&str> = asked.tool_calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["call_emulator_0", "call_emulator_1"]);
    let arguments: Value = serde_json::from_str(&asked.tool_calls[1].arguments).expect("json");
    assert_eq!(
        arguments,
        json!({"query": prompt}),
        "assembled from fragments"
    );
    assert!(matches!(
        updates.iter().find(|u| matches!(u, StreamUpdate::ToolCalls { .. })),
        Some(StreamUpdate::ToolCalls { calls }) if calls.len() == 2
    ));

    // Results in any order are stored in the order of the calls, as a chain.
    let (answered, updates) = submit(
        &f.desk,
        &asked.id,
        vec![
            result("call_emulator_1", "12:00"),
            result("call_emulator_0", "晴 21°C"),
        ],
    )
    .await
    .expect("submitted");
    let Some(StreamUpdate::Started {
        tool_messages: Some(tools),
        user_message: None,
        assistant_message,
        ..
    }) = updates.first()
    else {
        panic!("started with the tool messages: {:?}", updates.first());
    };
    assert_eq!(tools.len(), 2);
    assert_eq!(
        tools
            .iter()
            .map(|m| (m.role, m.tool_call_id.as_deref(), m.content.as_str()))
            .collect::<Vec<_>>(),
        [
            (MessageRole::Tool, Some("call_emulator_0"), "晴 21°C"),
            (MessageRole::Tool, Some("call_emulator_1"), "12:00"),
        ]
    );
    assert_eq!(tools[0].parent_id.as_deref(), Some(asked.id.as_str()));
    assert_eq!(tools[1].parent_id.as_deref(), Some(tools[0].id.as_str()));
    assert_eq!(
        assistant_message.parent_id.as_deref(),
        Some(tools[1].id.as_str())
    );
    let json_started = serde_json::to_value(&updates[0]).expect("json");
    assert_eq!(
        json_started["toolMessages"][1]["toolCallId"],
        json!("call_emulator_1")
    );
    assert_eq!(json_started["toolMessages"][1]["role"], json!("tool"));
    assert_eq!(deltas(&updates), reply_text("qwen-plus", 1, prompt));
    assert_eq!(
        finished(&updates),
        (MessageStatus::Complete, Some(FinishReason::Stop))
    );
    let sent = last_body(&f.emulator)["input"]["messages"].clone();
    assert_eq!(
        sent,
        json!([
            {"role": "user", "content": prompt},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": "call_emulator_0", "type": "function", "function": {"name": "weather", "arguments": asked.tool_calls[0].arguments}},
                {"id": "call_emulator_1", "type": "function", "function": {"name": "time", "arguments": asked.tool_calls[1].arguments}},
            ]},
            {"role": "tool", "content": "晴 21°C", "tool_call_id": "call_emulator_0"},
            {"role": "tool", "content": "12:00", "tool_call_id": "call_emulator_1"},
        ])
    );
    let stored = message(&f.desk, &conversation, &answered.assistant_message_id);
    assert_eq!(stored.finish_reason, Some(FinishReason::Stop));
    assert_eq!(stored.content, reply_text("qwen-plus", 1, prompt));
    let count = f
        .desk
        .conversation(&conversation)
        .expect("view")
        .messages
        .len();

    // After a restart the history still carries the calls and their results, in order.
    let Fixture {
        emulator,
        desk,
        home,
    } = f;
    drop(desk);
    let desk = Desk::open(emulator_config(home.path(), emulator.base_url(), 1)).expect("reopen");
    let reopened = message(&desk, &conversation, &tools[1].id);
    assert_eq!(
        (reopened.role, reopened.tool_call_id.as_deref()),
        (MessageRole::Tool, Some("call_emulator_1"))
    );
    let (_, _) = send(
        &desk,
        SendRequest {
            conversation_id: Some(conversation.clone()),
            ..ask("and tomorrow?", None)
        },
    )
    .await;
    let sent = last_body(&emulator)["input"]["messages"].clone();
    let shape: Vec<(String, Option<String>, usize)> = sent
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap_or_default().to_owned(),
                m["tool_call_id"].as_str().map(str::to_owned),
                m["tool_calls"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("user".to_owned(), None, 0),
            ("assistant".to_owned(), None, 2),
            ("tool".to_owned(), Some("call_emulator_0".to_owned()), 0),
            ("tool".to_owned(), Some("call_emulator_1".to_owned()), 0),
            ("assistant".to_owned(), None, 0),
            ("user".to_owned(), None, 0),
        ]
    );

    // Answering the same reply again is a sibling branch under it.
    let (again, updates) = submit(
        &desk,
        &asked.id,
        vec![
            result("call_emulator_0", "雨"),
            result("call_emulator_1", "13:00"),
        ],
    )
    .await
    .expect("submitted again");
    let Some(StreamUpdate::Started {
        tool_messages: Some(second),
        ..
    }) = updates.first()
    else {
        panic!("started");
    };
    assert_eq!(second[0].parent_id.as_deref(), Some(asked.id.as_str()));
    assert_ne!(second[0].id, tools[0].id);
    let view = desk.conversation(&conversation).expect("view");
    assert_eq!(view.messages.len(), count + 2 + 3, "the first branch stays");
    assert!(
        view.messages
            .iter()
            .any(|m| m.id == answered.assistant_message_id)
    );
    assert_eq!(
        message(&desk, &conversation, &again.assistant_message_id).status,
        MessageStatus::Complete
    );
}

#[tokio::test]
async fn a_reply_cut_by_its_token_limit_is_complete_with_length_and_continues() {
    let f = fixture().await;
    let prompt = "tell me a long story";
    let expected = reply_text("qwen-plus", 1, prompt);
    let total = pieces(&expected).len();
    assert!(total >= 4, "the emulator's answer is long enough to cut");
    let limit = total.div_ceil(2);
    let params = ChatParams {
        max_tokens: Some(limit as i64),
        ..ChatParams::default()
    };
    let (outcome, updates) = send(&f.desk, ask(prompt, Some(params))).await;
    assert_eq!(
        last_body(&f.emulator)["parameters"]["max_tokens"],
        json!(limit)
    );
    assert_eq!(
        finished(&updates),
        (MessageStatus::Complete, Some(FinishReason::Length))
    );
    let cut = message(
        &f.desk,
        &outcome.conversation_id,
        &outcome.assistant_message_id,
    );
    assert_eq!(cut.status, MessageStatus::Complete);
    assert_eq!(cut.finish_reason, Some(FinishReason::Length));
    assert_eq!(cut.content, pieces(&expected)[..limit].concat());

    let mut updates = Vec::new();
    f.desk
        .continue_reply(&cut.id, |u| updates.push(u))
        .await
        .expect("continued");
    assert!(matches!(
        updates.first(),
        Some(StreamUpdate::Resumed { .. })
    ));
    assert_eq!(
        finished(&updates),
        (MessageStatus::Complete, Some(FinishReason::Stop))
    );
    let whole = message(&f.desk, &outcome.conversation_id, &cut.id);
    assert_eq!(whole.content, expected);
    assert_eq!(whole.finish_reason, Some(FinishReason::Stop));

    // A reply that ended as the model meant cannot be continued.
    let error = f
        .desk
        .continue_reply(&cut.id, |_| {})
        .await
        .expect_err("nothing to continue");
    assert_eq!(error.code, ErrorCode::BadRequest);
}

#[tokio::test]
async fn every_invalid_parameter_is_refused_before_anything_is_stored_or_sent() {
    let f = fixture().await;
    let bad_tool = |name: &str| ChatParams {
        tools: vec![tool(name)],
        ..ChatParams::default()
    };
    let mut cases: Vec<(&str, Option<&str>, &str, ChatParams, ErrorCode)> = vec![
        (
            "a space in a tool name",
            None,
            "hi",
            bad_tool("get weather"),
            ErrorCode::BadRequest,
        ),
        (
            "an empty tool name",
            None,
            "hi",
            bad_tool(""),
            ErrorCode::BadRequest,
        ),
        (
            "a 65-character tool name",
            None,
            "hi",
            bad_tool(&"x".repeat(65)),
            ErrorCode::BadRequest,
        ),
        (
            "two tools of one name",
            None,
            "hi",
            with_tools(&["a", "a"]),
            ErrorCode::BadRequest,
        ),
        (
            "parameters that are not an object",
            None,
            "hi",
            ChatParams {
                tools: vec![ToolDefinition {
                    parameters: json!(["not", "an", "object"]),
                    ..tool("f")
                }],
                ..ChatParams::default()
            },
            ErrorCode::BadRequest,
        ),
        (
            "a forced tool that is not one of the tools",
            None,
            "hi",
            ChatParams {
                tool_choice: Some(ToolChoice::Function("other".into())),
                ..with_tools(&["f"])
            },
            ErrorCode::BadRequest,
        ),
        (
            "five stop strings",
            None,
            "hi",
            ChatParams {
                stop: ["a", "b", "c", "d", "e"].map(String::from).to_vec(),
                ..ChatParams::default()
            },
            ErrorCode::BadRequest,
        ),
        (
            "an empty stop string",
            None,
            "hi",
            ChatParams {
                stop: vec![String::new()],
                ..ChatParams::default()
            },
            ErrorCode::BadRequest,
        ),
        (
            "a negative seed",
            None,
            "hi",
            ChatParams {
                seed: Some(-1),
                ..ChatParams::default()
            },
            ErrorCode::BadRequest,
        ),
        (
            "a seed of 2^31",
            None,
            "hi",
            ChatParams {
                seed: Some(1 << 31),
                ..ChatParams::default()
            },
            ErrorCode::BadRequest,
        ),
        (
            "a token limit of 0",
            None,
            "hi",
            ChatParams {
                max_tokens: Some(0),
                ..ChatParams::default()
            },
            ErrorCode::BadRequest,
        ),
        (
            "a token limit over the model's (qwen-plus writes 16,384)",
            None,
            "hi",
            ChatParams {
                max_tokens: Some(16_385),
                ..ChatParams::default()
            },
            ErrorCode::BadRequest,
        ),
        (
            "tools for a model without tools",
            Some("qwq-plus"),
            "hi",
            with_tools(&["f"]),
            ErrorCode::UnsupportedByModel,
        ),
        (
            "tools for an assistant",
            Some("app:abc123"),
            "hi",
            with_tools(&["f"]),
            ErrorCode::UnsupportedByModel,
        ),
        (
            "JSON output without the word",
            None,
            "the capital of France",
            ChatParams {
                response_format: ResponseFormat::JsonObject,
                system_prompt: Some("Be brief.".into()),
                ..ChatParams::default()
            },
            ErrorCode::BadRequest,
        ),
        (
            "JSON output while thinking",
            None,
            "answer in JSON",
            ChatParams {
                response_format: ResponseFormat::JsonObject,
                enable_thinking: Some(true),
                ..ChatParams::default()
            },
            ErrorCode::UnsupportedByModel,
        ),
        (
            "a forced tool while thinking (qwen3 open models think by default)",
            Some("qwen3-32b"),
            "hi",
            ChatParams {
                tool_choice: Some(ToolChoice::Function("f".into())),
                ..with_tools(&["f"])
            },
            ErrorCode::UnsupportedByModel,
        ),
    ];
    for (why, model, prompt, params, code) in cases.drain(..) {
        let error = f
            .desk
            .send_message(
                SendRequest {
                    model: model.map(str::to_owned),
                    ..ask(prompt, Some(params))
                },
                |_| {},
            )
            .await
            .expect_err(why);
        assert_eq!(error.code, code, "{why}: {}", error.message);
    }
    assert!(
        f.desk.list_conversations().expect("list").is_empty(),
        "nothing stored"
    );
    assert!(chat_requests(&f.emulator).is_empty(), "nothing sent");

    // The same checks guard a conversation's parameters, against its model.
    let (outcome, _) = send(&f.desk, ask("plain", None)).await;
    let conversation = outcome.conversation_id;
    for (why, params) in [
        (
            "bad seed",
            ChatParams {
                seed: Some(-5),
                ..ChatParams::default()
            },
        ),
        (
            "over the limit",
            ChatParams {
                max_tokens: Some(100_000),
                ..ChatParams::default()
            },
        ),
    ] {
        f.desk
            .update_conversation(
                &conversation,
                ConversationPatch {
                    params: Some(params),
                    ..ConversationPatch::default()
                },
            )
            .expect_err(why);
    }
    assert_eq!(
        f.desk
            .conversation(&conversation)
            .expect("view")
            .conversation
            .params,
        ChatParams::default(),
        "unchanged"
    );
    // JSON output in an existing conversation looks at the path too: "JSON" said earlier counts.
    let (json_asked, _) = send(
        &f.desk,
        SendRequest {
            conversation_id: Some(conversation.clone()),
            ..ask("from now on, reply in json", None)
        },
    )
    .await;
    f.desk
        .update_conversation(
            &conversation,
            ConversationPatch {
                params: Some(ChatParams {
                    response_format: ResponseFormat::JsonObject,
                    ..ChatParams::default()
                }),
                ..ConversationPatch::default()
            },
        )
        .expect("update");
    let (_, updates) = send(
        &f.desk,
        SendRequest {
            conversation_id: Some(conversation.clone()),
            ..ask("the capital of Italy", None)
        },
    )
    .await;
    assert!(serde_json::from_str::<Value>(&deltas(&updates)).is_ok());
    // … but not on another branch, where it was never said.
    let first_prompt = f.desk.conversation(&conversation).expect("view").messages[0]
        .id
        .clone();
    let error = f
        .desk
        .send_message(
            SendRequest {
                conversation_id: Some(conversation.clone()),
                edit_of: Some(first_prompt),
                ..ask("the capital of Spain", None)
            },
            |_| {},
        )
        .await
        .expect_err("no JSON on this branch");
    assert_eq!(error.code, ErrorCode::BadRequest);
    let _ = json_asked;
}

#[tokio::test]
async fn wrong_tool_results_are_refused_and_store_nothing() {
    let f = fixture().await;
    let (outcome, _) = send(
        &f.desk,
        ask("both please", Some(with_tools(&["weather", "time"]))),
    )
    .await;
    let (plain, _) = send(&f.desk, ask("no tools here", None)).await;
    let conversation = outcome.conversation_id.clone();
    let count = |desk: &Desk| {
        desk.conversation(&conversation)
            .expect("view")
            .messages
            .len()
    };
    let before = count(&f.desk);
    let requests = chat_requests(&f.emulator).len();
    for (why, reply, results) in [
        (
            "a missing result",
            outcome.assistant_message_id.as_str(),
            vec![result("call_emulator_0", "x")],
        ),
        (
            "an unknown call",
            outcome.assistant_message_id.as_str(),
            vec![
                result("call_emulator_0", "x"),
                result("call_emulator_1", "y"),
                result("call_x", "z"),
            ],
        ),
        (
            "two results for one call",
            outcome.assistant_message_id.as_str(),
            vec![
                result("call_emulator_0", "x"),
                result("call_emulator_0", "again"),
                result("call_emulator_1", "y"),
            ],
        ),
        (
            "no results",
            outcome.assistant_message_id.as_str(),
            Vec::new(),
        ),
        (
            "a reply without calls",
            plain.assistant_message_id.as_str(),
            vec![result("call_emulator_0", "x")],
        ),
    ] {
        let error = submit(&f.desk, reply, results).await.expect_err(why);
        assert_eq!(
            error.code,
            ErrorCode::BadRequest,
            "{why}: {}",
            error.message
        );
    }
    let error = submit(&f.desk, "no-such-message", vec![result("a", "b")])
        .await
        .expect_err("unknown message");
    assert_eq!(error.code, ErrorCode::MessageNotFound);
    assert_eq!(count(&f.desk), before, "nothing stored");
    assert_eq!(chat_requests(&f.emulator).len(), requests, "nothing sent");

    // A prompt sent instead of results: the unanswered calls are not sent (the API refuses
    // calls without results), and the reply that only made calls has no text to send.
    f.desk
        .update_conversation(
            &conversation,
            ConversationPatch {
                params: Some(ChatParams::default()),
                ..ConversationPatch::default()
            },
        )
        .expect("no tools now");
    let (_, updates) = send(
        &f.desk,
        SendRequest {
            conversation_id: Some(conversation.clone()),
            ..ask("never mind", None)
        },
    )
    .await;
    assert_eq!(deltas(&updates), reply_text("qwen-plus", 2, "never mind"));
    let sent = last_body(&f.emulator)["input"]["messages"].clone();
    assert_eq!(
        sent,
        json!([
            {"role": "user", "content": "both please"},
            {"role": "user", "content": "never mind"},
        ])
    );
}

#[tokio::test]
async fn a_stream_cut_mid_tool_call_stores_no_half_call() {
    let f = fixture().await;
    // Without thinking nothing but call fragments arrived: the reply failed, with no calls.
    f.emulator.push_fault("cut_after=2", 1).expect("fault");
    let error = f
        .desk
        .send_message(ask("weather?", Some(with_tools(&["weather"]))), |_| {})
        .await
        .expect_err("cut");
    assert_eq!(error.code, ErrorCode::StreamInterrupted);
    let conversation = &f.desk.list_conversations().expect("list")[0];
    let view = f.desk.conversation(&conversation.id).expect("view");
    let reply = view.messages.last().expect("reply");
    assert_eq!(reply.status, MessageStatus::Failed);
    assert!(reply.tool_calls.is_empty() && reply.finish_reason.is_none());
    let refused = submit(&f.desk, &reply.id, vec![result("call_emulator_0", "x")])
        .await
        .expect_err("no calls to answer");
    assert_eq!(refused.code, ErrorCode::BadRequest);

    // With thinking, the reasoning arrived before the cut: kept, the reply partial, no calls.
    let prompt = "weather, thinking";
    let reasoning = format!("The user said \"{prompt}\". I answer as the emulator does.");
    let thought = pieces(&reasoning).len();
    f.emulator
        .push_fault(&format!("cut_after={}", thought + 1), 1)
        .expect("fault");
    let mut updates = Vec::new();
    let error = f
        .desk
        .send_message(
            ask(
                prompt,
                Some(ChatParams {
                    enable_thinking: Some(true),
                    ..with_tools(&["weather"])
                }),
            ),
            |u| updates.push(u),
        )
        .await
        .expect_err("cut");
    assert_eq!(error.code, ErrorCode::StreamInterrupted);
    assert!(
        !updates
            .iter()
            .any(|u| matches!(u, StreamUpdate::ToolCalls { .. })),
        "no half call announced"
    );
    assert_eq!(finished(&updates), (MessageStatus::Partial, None));
    let Some(StreamUpdate::Started {
        assistant_message, ..
    }) = updates.first()
    else {
        panic!("started");
    };
    let reply = message(
        &f.desk,
        &assistant_message.conversation_id,
        &assistant_message.id,
    );
    assert_eq!(reply.status, MessageStatus::Partial);
    assert_eq!(reply.reasoning.as_deref(), Some(reasoning.as_str()));
    assert!(reply.tool_calls.is_empty() && reply.finish_reason.is_none());
    // Regenerating asks again and gets whole calls.
    let mut updates = Vec::new();
    let again = f
        .desk
        .regenerate_reply(&reply.id, |u| updates.push(u))
        .await
        .expect("regenerated");
    let whole = message(&f.desk, &again.conversation_id, &again.assistant_message_id);
    assert_eq!(whole.tool_calls.len(), 1);
    assert_eq!(whole.finish_reason, Some(FinishReason::ToolCalls));
}
