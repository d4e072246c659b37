//! Chat features against the emulator, on both transports: thinking, search, tools (parallel,
//! assembled from fragments), JSON output, stop strings, vision with a local image, and the
//! registry's rules (stream-only models are streamed even when a whole reply is asked for).

use std::time::Duration;

use bailian::media::image_bytes_data_uri;
use bailian::{
    ApiKey, ChatMessage, ChatRequest, ChatResponse, Client, ClientConfig, RetryPolicy, Role,
    ToolCallAssembler, Transport,
};
use bailian_emulator::{DEFAULT_API_KEY, RunningEmulator, reply_text};
use serde_json::{Value, json};

fn client(emulator: &RunningEmulator, transport: Transport) -> Client {
    let mut config = ClientConfig::new(
        emulator.base_url(),
        ApiKey::new(DEFAULT_API_KEY).expect("key"),
    );
    config.transport = transport;
    config.retry = RetryPolicy {
        max_attempts: 1,
        initial_delay: Duration::ZERO,
        ..RetryPolicy::default()
    };
    Client::new(config).expect("client")
}

/// Streams `request` to the end and folds it into one response.
async fn streamed(client: &Client, request: &ChatRequest) -> (ChatResponse, usize) {
    let mut stream = client.chat_stream(request).await.expect("stream");
    let mut response = ChatResponse::default();
    let mut tools = ToolCallAssembler::default();
    let mut reasoning_chunks = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("chunk");
        if !chunk.reasoning_delta.is_empty() {
            assert!(chunk.delta.is_empty(), "reasoning and answer arrive apart");
            reasoning_chunks += 1;
        }
        response.accumulate(chunk, &mut tools);
    }
    response.tool_calls = tools.finish();
    (response, reasoning_chunks)
}

fn ask(model: &str, prompt: &str) -> ChatRequest {
    ChatRequest::new(model, vec![ChatMessage::new(Role::User, prompt)])
}

const BOTH: [Transport; 2] = [Transport::Native, Transport::Compatible];

#[tokio::test]
async fn thinking_streams_reasoning_apart_from_the_answer() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    for transport in BOTH {
        let mut request = ask("qwen-plus", "Why is the sky blue?");
        request.parameters.enable_thinking = Some(true);
        let (response, reasoning_chunks) = streamed(&client(&emulator, transport), &request).await;
        assert_eq!(
            response.reasoning,
            "The user said \"Why is the sky blue?\". I answer as the emulator does.",
            "{transport:?}"
        );
        assert!(
            reasoning_chunks > 5,
            "{transport:?}: reasoning streams token by token"
        );
        assert_eq!(
            response.text,
            reply_text("qwen-plus", 1, "Why is the sky blue?"),
            "{transport:?}"
        );
    }
}

#[tokio::test]
async fn a_stream_only_model_is_streamed_even_for_a_whole_reply() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    // The emulator, like Bailian, refuses non-stream calls to QwQ; the registry knows to stream.
    let response = client(&emulator, Transport::Native)
        .chat(&ask("qwq-plus", "2+2?"))
        .await
        .expect("chat");
    assert_eq!(response.text, reply_text("qwq-plus", 1, "2+2?"));
    assert!(!response.reasoning.is_empty());
    assert!(emulator.requests()[0].stream);
    // Qwen3 open-source thinks by default: a whole reply without thinking says so explicitly.
    let mut quiet = ask("qwen3-32b", "hi");
    quiet.parameters.enable_thinking = Some(false);
    let response = client(&emulator, Transport::Native)
        .chat(&quiet)
        .await
        .expect("chat");
    assert_eq!(
        (response.text.as_str(), response.reasoning.as_str()),
        (reply_text("qwen3-32b", 1, "hi").as_str(), "")
    );
}

#[tokio::test]
async fn search_results_are_kept() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let mut request = ask("qwen-plus", "latest news");
    request.parameters.enable_search = Some(true);
    let (response, _) = streamed(&client(&emulator, Transport::Native), &request).await;
    let info = response.search_info.expect("search info");
    assert_eq!(
        info["search_results"][0]["title"],
        json!("Emulated search result for latest news")
    );
    let whole = client(&emulator, Transport::Native)
        .chat(&request)
        .await
        .expect("chat");
    assert!(whole.search_info.is_some());
}

fn tool(name: &str) -> Value {
    json!({ "type": "function", "function": { "name": name, "description": "test", "parameters": { "type": "object", "properties": { "query": { "type": "string" } } } } })
}

#[tokio::test]
async fn parallel_tool_calls_are_assembled_from_fragments_then_answered() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    for transport in BOTH {
        let client = client(&emulator, transport);
        let mut request = ask("qwen-plus", "weather and time in Hangzhou");
        request.parameters.tools = vec![tool("get_weather"), tool("get_time")];
        request.parameters.parallel_tool_calls = Some(true);
        let (response, _) = streamed(&client, &request).await;
        assert_eq!(
            response.finish_reason.as_deref(),
            Some("tool_calls"),
            "{transport:?}"
        );
        let names: Vec<&str> = response
            .tool_calls
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, vec!["get_weather", "get_time"], "{transport:?}");
        for (i, call) in response.tool_calls.iter().enumerate() {
            assert_eq!(call.id, format!("call_emulator_{i}"));
            assert_eq!(
                call.parsed_arguments().expect("json"),
                json!({ "query": "weather and time in Hangzhou" })
            );
        }
        // The whole-reply path assembles the same calls.
        let whole = client.chat(&request).await.expect("chat");
        assert_eq!(whole.tool_calls, response.tool_calls, "{transport:?}");

        // Answer the calls; the model then replies in words.
        let mut follow_up = request.clone();
        follow_up.messages.push(ChatMessage {
            role: Some(Role::Assistant),
            tool_calls: response.tool_calls.clone(),
            ..ChatMessage::default()
        });
        for call in &response.tool_calls {
            follow_up.messages.push(ChatMessage {
                role: Some(Role::Tool),
                content: "sunny, 21:00".into(),
                tool_call_id: Some(call.id.clone()),
                ..ChatMessage::default()
            });
        }
        let answer = client.chat(&follow_up).await.expect("answer");
        assert!(answer.tool_calls.is_empty());
        assert_eq!(
            answer.text,
            reply_text("qwen-plus", 1, "weather and time in Hangzhou"),
            "{transport:?}"
        );
    }
}

#[tokio::test]
async fn a_forced_tool_choice_calls_that_tool() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let mut request = ask("qwen-plus", "anything");
    request.parameters.tools = vec![tool("first"), tool("second")];
    request.parameters.tool_choice =
        Some(json!({ "type": "function", "function": { "name": "second" } }));
    let response = client(&emulator, Transport::Native)
        .chat(&request)
        .await
        .expect("chat");
    assert_eq!(
        response
            .tool_calls
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        vec!["second"]
    );
    request.parameters.tool_choice = Some(json!("none"));
    let response = client(&emulator, Transport::Native)
        .chat(&request)
        .await
        .expect("chat");
    assert!(response.tool_calls.is_empty() && !response.text.is_empty());
}

#[tokio::test]
async fn json_output_stop_strings_and_max_tokens() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    for transport in BOTH {
        let client = client(&emulator, transport);
        let mut json_request = ask("qwen-plus", "Answer in JSON please");
        json_request.parameters.json_output = true;
        let response = client.chat(&json_request).await.expect("json");
        let value: Value = serde_json::from_str(&response.text).expect("the answer is JSON");
        assert_eq!(
            value["answer"],
            json!(reply_text("qwen-plus", 1, "Answer in JSON please"))
        );

        let mut stop = ask("qwen-plus", "Hello");
        stop.parameters.stop = vec!["emulator".into()];
        let response = client.chat(&stop).await.expect("stop");
        assert_eq!(response.text, "This is the Bailian ", "{transport:?}");
        assert_eq!(response.finish_reason.as_deref(), Some("stop"));

        let mut short = ask("qwen-plus", "Hello");
        short.parameters.max_tokens = Some(3);
        let response = client.chat(&short).await.expect("short");
        assert_eq!(
            (response.text.as_str(), response.finish_reason.as_deref()),
            ("This is the ", Some("length"))
        );
    }
}

#[tokio::test]
async fn a_local_image_goes_to_a_vision_model() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../icons/32x32.png"
    ))
    .expect("icon");
    let image = image_bytes_data_uri(&png).expect("data uri");
    let request = ChatRequest::new(
        "qwen-vl-plus",
        vec![ChatMessage::new(Role::User, "What is this?").with_images(vec![image])],
    );
    for transport in BOTH {
        let response = client(&emulator, transport)
            .chat(&request)
            .await
            .expect("vision");
        assert_eq!(
            response.text,
            format!(
                "I see 1 image(s). {}",
                reply_text("qwen-vl-plus", 1, "What is this?")
            ),
            "{transport:?}"
        );
    }
    assert_eq!(
        emulator.requests()[0].path,
        "/api/v1/services/aigc/multimodal-generation/generation"
    );
    // A text-only model is refused before anything is sent.
    let mut text_only = request.clone();
    text_only.model = "qwen-plus".into();
    emulator.clear_requests();
    assert!(matches!(
        client(&emulator, Transport::Native).chat(&text_only).await,
        Err(bailian::Error::InvalidRequest(_))
    ));
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn the_compatible_transport_gives_the_same_plain_answers() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let request = ask("qwen-turbo", "Same either way?");
    let native = client(&emulator, Transport::Native)
        .chat(&request)
        .await
        .expect("native");
    let compat = client(&emulator, Transport::Compatible)
        .chat(&request)
        .await
        .expect("compat");
    assert_eq!(native.text, compat.text);
    assert_eq!(native.usage, compat.usage);
    let (streamed_compat, _) = streamed(&client(&emulator, Transport::Compatible), &request).await;
    assert_eq!(streamed_compat.text, native.text);
    assert_eq!(
        streamed_compat.usage, native.usage,
        "the include_usage chunk carries the same counts"
    );
    assert!(
        emulator
            .requests()
            .iter()
            .any(|r| r.path == "/compatible-mode/v1/chat/completions")
    );
}

#[tokio::test]
async fn embeddings_on_both_transports() {
    use bailian::{EmbeddingRequest, TextType};
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let texts = vec![
        "代码改变世界".to_owned(),
        "the cat sat on the mat".to_owned(),
    ];
    for transport in BOTH {
        let mut request = EmbeddingRequest::new("text-embedding-v4", texts.clone());
        request.dimension = Some(256);
        request.text_type = Some(TextType::Document);
        let embeddings = client(&emulator, transport)
            .embed(&request)
            .await
            .expect("embed");
        assert_eq!(embeddings.vectors.len(), 2);
        assert!(
            embeddings.vectors.iter().all(|v| v.len() == 256),
            "{transport:?}"
        );
        let expected = bailian_emulator::embedding(&texts[1], 256);
        assert!(
            (embeddings.vectors[1][0] as f64 - expected[0]).abs() < 1e-6,
            "order kept, {transport:?}"
        );
        assert!(embeddings.total_tokens > 0);
    }
    emulator.clear_requests();
    let bad = [
        EmbeddingRequest {
            dimension: Some(1536),
            ..EmbeddingRequest::new("text-embedding-v3", texts.clone())
        },
        EmbeddingRequest::new("text-embedding-v4", vec!["x".to_owned(); 11]),
        EmbeddingRequest::new("text-embedding-v4", vec![]),
        EmbeddingRequest::new("qwen-plus", texts.clone()),
    ];
    for request in bad {
        assert!(
            matches!(
                client(&emulator, Transport::Native).embed(&request).await,
                Err(bailian::Error::InvalidRequest(_))
            ),
            "{request:?}"
        );
    }
    assert!(emulator.requests().is_empty(), "refused before sending");
}

#[tokio::test]
async fn a_bailian_app_keeps_its_session_thoughts_and_references() {
    use bailian::AppRequest;
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = client(&emulator, Transport::Compatible);
    let first = AppRequest {
        app_id: "a1b2c3".into(),
        prompt: "refund policy?".into(),
        has_thoughts: true,
        ..AppRequest::default()
    };
    let reply = client.app_call(&first).await.expect("app");
    assert_eq!(
        reply.text,
        "The emulated app a1b2c3 answers (turn 1): you asked \"refund policy?\". The emulator handbook covers this."
    );
    let session = reply.session_id.clone().expect("session id");
    assert_eq!(reply.thoughts[0]["action_name"], "searchDocument");
    assert_eq!(reply.doc_references[0]["doc_name"], "emulator-handbook.md");
    assert!(
        reply
            .usage
            .is_some_and(|u| u.output_tokens > 0 && u.input_tokens > 0),
        "usage summed over the app's models"
    );
    let second = AppRequest {
        session_id: Some(session.clone()),
        prompt: "and for tickets?".into(),
        ..first.clone()
    };
    let reply = client.app_call(&second).await.expect("app");
    assert!(reply.text.contains("(turn 2)"), "{}", reply.text);
    assert_eq!(reply.session_id.as_deref(), Some(session.as_str()));
    assert_eq!(
        emulator.requests()[0].path,
        "/api/v1/apps/a1b2c3/completion"
    );
    assert!(matches!(
        client
            .app_call(&AppRequest {
                app_id: "../x".into(),
                ..first
            })
            .await,
        Err(bailian::Error::InvalidRequest(_))
    ));
}
