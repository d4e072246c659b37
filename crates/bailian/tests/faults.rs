//! Every emulator fault, seen through the client: how many attempts reached the server, which
//! error surfaced, and what the caller received before it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bailian::{
    ApiKey, ChatMessage, ChatRequest, Client, ClientConfig, Error, RetryNotice, RetryPolicy, Role,
};
use bailian_emulator::{DEFAULT_API_KEY, RunningEmulator, reply_text};

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        total_budget: Duration::from_secs(10),
    }
}

fn client_for(emulator: &RunningEmulator) -> Client {
    let mut config = ClientConfig::new(
        emulator.base_url(),
        ApiKey::new(DEFAULT_API_KEY).expect("key"),
    );
    config.retry = fast_policy();
    Client::new(config).expect("client")
}

fn hello() -> ChatRequest {
    ChatRequest::new(
        "qwen-plus",
        vec![ChatMessage::new(Role::User, "Hello there")],
    )
}

fn expected_reply() -> String {
    reply_text("qwen-plus", 1, "Hello there")
}

/// Streams to the end, returning the text received and the error that ended it, if any.
async fn drain(client: &Client, notices: &Arc<Mutex<Vec<RetryNotice>>>) -> (String, Option<Error>) {
    let sink = Arc::clone(notices);
    let mut stream = match client
        .chat_stream_observed(&hello(), move |n| {
            sink.lock().expect("lock").push(n.clone())
        })
        .await
    {
        Ok(stream) => stream,
        Err(e) => return (String::new(), Some(e)),
    };
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => text.push_str(&chunk.delta),
            Err(e) => return (text, Some(e)),
        }
    }
    (text, None)
}

fn api_code(error: &Option<Error>) -> Option<(u16, String)> {
    error
        .as_ref()
        .and_then(Error::api)
        .map(|api| (api.status, api.code.clone()))
}

#[tokio::test]
async fn clean_stream_delivers_the_whole_reply_and_usage() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = client_for(&emulator);
    let mut stream = client.chat_stream(&hello()).await.expect("stream");
    let mut text = String::new();
    let mut last = None;
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("chunk");
        text.push_str(&chunk.delta);
        chunks += 1;
        last = Some(chunk);
    }
    let last = last.expect("at least one chunk");
    assert_eq!(text, expected_reply());
    assert!(chunks > 10, "token by token, got {chunks} chunks");
    assert_eq!(last.finish_reason.as_deref(), Some("stop"));
    let usage = last.usage.expect("usage");
    assert_eq!(
        usage.output_tokens,
        bailian_emulator::token_count(&expected_reply())
    );
    assert_eq!(usage.total_tokens, usage.input_tokens + usage.output_tokens);
    assert!(last.request_id.is_some());
    assert_eq!(emulator.requests().len(), 1);
}

#[tokio::test]
async fn non_stream_chat_returns_the_same_text() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let response = client_for(&emulator).chat(&hello()).await.expect("chat");
    assert_eq!(response.text, expected_reply());
    assert_eq!(response.finish_reason.as_deref(), Some("stop"));
    assert!(!emulator.requests()[0].stream);
}

#[tokio::test]
async fn unauthorized_is_not_retried() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("status=401", 5).expect("fault");
    let notices = Arc::default();
    let (text, error) = drain(&client_for(&emulator), &notices).await;
    assert_eq!(api_code(&error), Some((401, "InvalidApiKey".into())));
    assert!(text.is_empty());
    assert_eq!(emulator.requests().len(), 1, "one attempt only");
    assert!(notices.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn wrong_key_gives_the_documented_401() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let client = Client::new(ClientConfig::new(
        emulator.base_url(),
        ApiKey::new("sk-wrong").expect("key"),
    ))
    .expect("client");
    let error = client.chat(&hello()).await.expect_err("refused");
    let api = error.api().expect("api error");
    assert_eq!(
        (api.status, api.code.as_str(), api.message.as_str()),
        (401, "InvalidApiKey", "Invalid API-key provided.")
    );
    assert!(api.request_id.is_some());
}

#[tokio::test]
async fn rate_limit_without_retry_after_backs_off_then_succeeds() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("status=429", 2).expect("fault");
    let notices = Arc::default();
    let (text, error) = drain(&client_for(&emulator), &notices).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text, expected_reply());
    assert_eq!(emulator.requests().len(), 3, "two refusals and one success");
    let notices = notices.lock().expect("lock");
    assert_eq!(
        notices.iter().map(|n| n.next_attempt).collect::<Vec<_>>(),
        vec![2, 3]
    );
    let policy = fast_policy();
    assert!(
        notices.iter().all(|n| n.delay <= policy.max_delay),
        "{notices:?}"
    );
    assert!(notices[0].reason.contains("Throttling.RateQuota"));
}

#[tokio::test]
async fn rate_limit_with_retry_after_waits_as_told() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator
        .push_fault("status=429,retry_after=1", 1)
        .expect("fault");
    let notices = Arc::default();
    let (text, error) = drain(&client_for(&emulator), &notices).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text, expected_reply());
    assert_eq!(emulator.requests().len(), 2);
    assert_eq!(
        notices.lock().expect("lock")[0].delay,
        Duration::from_secs(1),
        "Retry-After wins over back-off"
    );
}

#[tokio::test]
async fn retry_after_longer_than_the_budget_gives_up_at_once() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator
        .push_fault("status=429,retry_after=60", 1)
        .expect("fault");
    let notices = Arc::default();
    let (_, error) = drain(&client_for(&emulator), &notices).await;
    let api = error.as_ref().and_then(Error::api).expect("api error");
    assert_eq!(
        (api.status, api.retry_after),
        (429, Some(Duration::from_secs(60)))
    );
    assert_eq!(emulator.requests().len(), 1);
}

#[tokio::test]
async fn free_quota_exhaustion_is_not_retried() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator
        .push_fault(
            "status=429,code=Throttling.AllocationQuota,message=Free allocated quota exceeded.",
            3,
        )
        .expect("fault");
    let notices = Arc::default();
    let (_, error) = drain(&client_for(&emulator), &notices).await;
    assert_eq!(
        api_code(&error),
        Some((429, "Throttling.AllocationQuota".into()))
    );
    assert_eq!(emulator.requests().len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_until_the_attempt_limit() {
    for (status, code) in [(500, "InternalError"), (503, "ModelUnavailable")] {
        let emulator = RunningEmulator::start_local().await.expect("emulator");
        emulator
            .push_fault(&format!("status={status}"), 10)
            .expect("fault");
        let notices = Arc::default();
        let (text, error) = drain(&client_for(&emulator), &notices).await;
        assert_eq!(api_code(&error), Some((status, code.to_owned())));
        assert!(text.is_empty());
        assert_eq!(
            emulator.requests().len(),
            4,
            "max_attempts = 4 for HTTP {status}"
        );
    }
}

#[tokio::test]
async fn transient_500_then_success() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("status=500", 1).expect("fault");
    let response = client_for(&emulator)
        .chat(&hello())
        .await
        .expect("second attempt succeeds");
    assert_eq!(response.text, expected_reply());
    assert_eq!(emulator.requests().len(), 2);
}

#[tokio::test]
async fn cut_stream_keeps_the_text_and_is_never_retried() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("cut_after=5", 1).expect("fault");
    let notices = Arc::default();
    let (text, error) = drain(&client_for(&emulator), &notices).await;
    match error {
        Some(Error::StreamInterrupted {
            events_received, ..
        }) => assert_eq!(events_received, 5),
        other => panic!(
            "expected an interrupted stream, got {other:?}; text {text:?}; requests {:?}",
            emulator.requests()
        ),
    }
    let reply = expected_reply();
    let pieces = bailian_emulator::pieces(&reply);
    assert_eq!(
        text,
        pieces[..5].concat(),
        "the five delivered pieces are kept"
    );
    assert_eq!(
        emulator.requests().len(),
        1,
        "no retry after the first event"
    );
    assert!(notices.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn cut_before_the_first_event_is_retried() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("cut_after=0", 1).expect("fault");
    let notices = Arc::default();
    let (text, error) = drain(&client_for(&emulator), &notices).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text, expected_reply());
    assert_eq!(emulator.requests().len(), 2);
}

#[tokio::test]
async fn error_event_inside_a_200_stream_surfaces_with_its_code() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator
        .push_fault("error_after=3,code=DataInspectionFailed,message=Output data may contain inappropriate content.", 1)
        .expect("fault");
    let notices = Arc::default();
    let (text, error) = drain(&client_for(&emulator), &notices).await;
    let api = error.as_ref().and_then(Error::api).expect("api error");
    assert_eq!(
        (api.status, api.code.as_str()),
        (400, "DataInspectionFailed")
    );
    assert!(api.request_id.is_some());
    assert_eq!(
        text,
        bailian_emulator::pieces(&expected_reply())[..3].concat()
    );
    assert_eq!(emulator.requests().len(), 1);
}

#[tokio::test]
async fn retryable_error_event_before_any_text_is_retried() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator
        .push_fault("error_after=0,code=InternalError", 1)
        .expect("fault");
    let notices = Arc::default();
    let (text, error) = drain(&client_for(&emulator), &notices).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text, expected_reply());
    assert_eq!(emulator.requests().len(), 2);
}

#[tokio::test]
async fn events_without_blank_lines_parse_the_same() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator.push_fault("no_blank_lines", 1).expect("fault");
    let notices = Arc::default();
    let (text, error) = drain(&client_for(&emulator), &notices).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text, expected_reply());
}

#[tokio::test]
async fn slow_first_byte_within_the_idle_timeout_succeeds() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator
        .push_fault("first_byte_delay_ms=300", 1)
        .expect("fault");
    let notices = Arc::default();
    let (text, error) = drain(&client_for(&emulator), &notices).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text, expected_reply());
    assert_eq!(emulator.requests().len(), 1);
}

#[tokio::test]
async fn slow_first_byte_past_the_idle_timeout_is_a_retried_timeout() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    emulator
        .push_fault("first_byte_delay_ms=2000", 2)
        .expect("fault");
    let mut config = ClientConfig::new(
        emulator.base_url(),
        ApiKey::new(DEFAULT_API_KEY).expect("key"),
    );
    config.retry = RetryPolicy {
        max_attempts: 2,
        ..fast_policy()
    };
    config.idle_timeout = Duration::from_millis(200);
    let client = Client::new(config).expect("client");
    let error = client.chat_stream(&hello()).await.expect_err("times out");
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(
        emulator.requests().len(),
        2,
        "a timeout is retried, within max_attempts"
    );
}

#[tokio::test]
async fn unreachable_host_is_a_network_error_after_bounded_retries() {
    // Bind then drop a listener so the port is known to be closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut config = ClientConfig::new(
        format!("http://127.0.0.1:{port}"),
        ApiKey::new("sk-x").expect("key"),
    );
    config.retry = fast_policy();
    let client = Client::new(config).expect("client");
    let notices = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&notices);
    let error = client
        .chat_observed(&hello(), move |n| {
            sink.lock().expect("lock").push(n.clone())
        })
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::Network { .. }), "{error:?}");
    assert_eq!(
        notices.lock().expect("lock").len(),
        3,
        "4 attempts = 3 retries"
    );
}

#[tokio::test]
async fn unknown_model_is_a_400_without_retry() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let request = ChatRequest::new("qwen-nonexistent", vec![ChatMessage::new(Role::User, "hi")]);
    let error = client_for(&emulator)
        .chat(&request)
        .await
        .expect_err("unknown");
    let api = error.api().expect("api");
    assert_eq!(
        (api.status, api.code.as_str(), api.message.as_str()),
        (400, "InvalidParameter", "Model not exist.")
    );
    assert_eq!(emulator.requests().len(), 1);
}

#[tokio::test]
async fn history_reaches_the_server() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let request = ChatRequest::new(
        "qwen-turbo",
        vec![
            ChatMessage::new(Role::System, "Be brief."),
            ChatMessage::new(Role::User, "first"),
            ChatMessage::new(Role::Assistant, "ok"),
            ChatMessage::new(Role::User, "second"),
        ],
    );
    let response = client_for(&emulator).chat(&request).await.expect("chat");
    assert_eq!(response.text, reply_text("qwen-turbo", 2, "second"));
}

#[tokio::test]
async fn models_are_listed() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let models = client_for(&emulator).list_models().await.expect("models");
    assert!(models.iter().any(|m| m == "qwen-plus"));
}

#[tokio::test]
async fn max_tokens_truncates_with_length() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let mut request = hello();
    request.parameters.max_tokens = Some(4);
    let response = client_for(&emulator).chat(&request).await.expect("chat");
    assert_eq!(response.finish_reason.as_deref(), Some("length"));
    assert_eq!(
        response.text,
        bailian_emulator::pieces(&expected_reply())[..4].concat()
    );
}
