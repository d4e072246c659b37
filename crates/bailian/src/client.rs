use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use serde_json::Value;

use crate::chat::{ChatChunk, ChatRequest, ChatResponse};
use crate::error::{ApiError, Error, Result, describe_transport_error};
use crate::limiter::{RateLimiter, estimate_tokens};
use crate::parse::{NativeParse, parse_compat, parse_error_body, parse_native};
use crate::prepare::{Prepared, prepare};
use crate::registry::lookup;
use crate::retry::{RetryNotice, RetryPolicy};
use crate::secret::ApiKey;
use crate::sse::{SseDecoder, SseEvent};
use crate::tasks::{PollPolicy, TaskState};
use crate::tools::ToolCallAssembler;

/// The Beijing gateway; other regions and workspace hosts are a configuration value away.
pub const DEFAULT_BASE_URL: &str = "https://dashscope.aliyuncs.com";

const COMPAT_CHAT_PATH: &str = "/compatible-mode/v1/chat/completions";
const COMPAT_MODELS_PATH: &str = "/compatible-mode/v1/models";

/// Which of DashScope's two chat surfaces requests use. Native is the default: it carries every
/// DashScope feature; compatible mode is the OpenAI-shaped alternative, kept equivalent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Transport {
    #[default]
    Native,
    Compatible,
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Scheme and host (and port), without a path: `https://dashscope.aliyuncs.com`.
    pub base_url: String,
    pub api_key: ApiKey,
    /// Sent as `X-DashScope-WorkSpace` when set.
    pub workspace: Option<String>,
    pub retry: RetryPolicy,
    pub transport: Transport,
    /// Shared across clients that share an account; `None` sends without local pacing.
    pub limiter: Option<Arc<RateLimiter>>,
    pub connect_timeout: Duration,
    /// The longest silence tolerated while waiting for response headers or the next stream bytes.
    pub idle_timeout: Duration,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, api_key: ApiKey) -> Self {
        Self {
            base_url: base_url.into(),
            api_key,
            workspace: None,
            retry: RetryPolicy::default(),
            transport: Transport::Native,
            limiter: None,
            connect_timeout: Duration::from_secs(10),
            // The gateway itself gives up after 180 s (`x-dashscope-timeout`).
            idle_timeout: Duration::from_secs(180),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// For result files on other hosts (OSS): it must never carry the API key.
    downloads: reqwest::Client,
    base_url: String,
    config: ClientConfig,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Self> {
        let base_url = normalize_base_url(&config.base_url)?;
        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.api_key.expose()))
            .map_err(|_| {
                Error::Config("the API key contains characters not allowed in a header".into())
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("bailian-desk/", env!("CARGO_PKG_VERSION"))),
        );
        if let Some(workspace) = &config.workspace {
            let value = HeaderValue::from_str(workspace)
                .map_err(|_| Error::Config(format!("invalid workspace id {workspace:?}")))?;
            headers.insert("X-DashScope-WorkSpace", value);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| Error::Config(describe_transport_error(&e)))?;
        let downloads = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| Error::Config(describe_transport_error(&e)))?;
        Ok(Self {
            http,
            downloads,
            base_url,
            config,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn config(&self) -> &ClientConfig {
        &self.config
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A whole reply in one response.
    pub async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse> {
        self.chat_observed(request, |_| {}).await
    }

    /// A whole reply. Models that only stream (or a thinking request) are streamed and
    /// assembled here, so the caller never sends them a call they would refuse.
    pub async fn chat_observed(
        &self,
        request: &ChatRequest,
        on_retry: impl FnMut(&RetryNotice),
    ) -> Result<ChatResponse> {
        let prepared = prepare(request.clone(), &lookup(&request.model), false)?;
        if prepared.stream {
            let mut stream = self.open_prepared_stream(&prepared, on_retry).await?;
            let mut response = ChatResponse::default();
            let mut tools = ToolCallAssembler::default();
            while let Some(chunk) = stream.next().await {
                response.accumulate(chunk?, &mut tools);
            }
            response.tool_calls = tools.finish();
            return Ok(response);
        }
        let (url, body) = self.wire(&prepared, false);
        let estimate = prepared_estimate(&prepared);
        self.with_retries(on_retry, || {
            self.paced(
                &prepared.request.model,
                estimate,
                self.chat_once(&url, &body),
            )
        })
        .await
    }

    /// A streamed reply. Retries happen only until the first event arrives: once the caller has
    /// text, a retry could duplicate or contradict it, so a later failure is reported instead.
    pub async fn chat_stream(&self, request: &ChatRequest) -> Result<ChatStream> {
        self.chat_stream_observed(request, |_| {}).await
    }

    pub async fn chat_stream_observed(
        &self,
        request: &ChatRequest,
        on_retry: impl FnMut(&RetryNotice),
    ) -> Result<ChatStream> {
        let prepared = prepare(request.clone(), &lookup(&request.model), true)?;
        self.open_prepared_stream(&prepared, on_retry).await
    }

    async fn open_prepared_stream(
        &self,
        prepared: &Prepared,
        on_retry: impl FnMut(&RetryNotice),
    ) -> Result<ChatStream> {
        let (url, body) = self.wire(prepared, true);
        let estimate = prepared_estimate(prepared);
        self.with_retries(on_retry, || {
            self.paced(
                &prepared.request.model,
                estimate,
                self.open_stream_once(&url, &body),
            )
        })
        .await
    }

    /// Runs one attempt under the rate limiter: waits for the model's allowance first, and tells
    /// the limiter how the attempt went.
    pub(crate) async fn paced<T>(
        &self,
        model: &str,
        estimate: u64,
        attempt: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let Some(limiter) = &self.config.limiter else {
            return attempt.await;
        };
        limiter.acquire(model, estimate).await;
        let result = attempt.await;
        match &result {
            Ok(_) => limiter.succeeded(model, estimate, None),
            Err(Error::Api(api)) if api.status == 429 => limiter.throttled(model),
            Err(_) => {}
        }
        result
    }

    /// The URL and body of a call on the configured transport.
    fn wire(&self, prepared: &Prepared, stream: bool) -> (String, Value) {
        match self.config.transport {
            Transport::Native => (
                format!("{}{}", self.base_url, prepared.endpoint.path()),
                prepared.request.native_body(prepared.endpoint, stream),
            ),
            Transport::Compatible => (
                format!("{}{COMPAT_CHAT_PATH}", self.base_url),
                prepared.request.compat_body(stream),
            ),
        }
    }

    /// Model ids the key can use, from the compatible-mode listing.
    pub async fn list_models(&self) -> Result<Vec<String>> {
        let url = format!("{}{COMPAT_MODELS_PATH}", self.base_url);
        let value: Value = self
            .with_retries(
                |_| {},
                || async {
                    let response = self.send(self.http.get(&url), &url).await?;
                    let text = self.read_body(response, &url).await?;
                    serde_json::from_str(&text)
                        .map_err(|e| Error::Protocol(format!("model list: {e}")))
                },
            )
            .await?;
        let ids = value
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::Protocol("model list without `data`".into()))?
            .iter()
            .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect();
        Ok(ids)
    }

    pub(crate) async fn with_retries<T, F, Fut>(
        &self,
        on_retry: impl FnMut(&RetryNotice),
        attempt: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.with_retries_if(on_retry, Error::is_retryable, attempt)
            .await
    }

    /// Like [`Client::with_retries`], with the caller's rule for which errors may be retried
    /// (a task submit is not idempotent, so only a refusal such as 429 may be).
    pub(crate) async fn with_retries_if<T, F, Fut>(
        &self,
        mut on_retry: impl FnMut(&RetryNotice),
        retry_if: impl Fn(&Error) -> bool,
        mut attempt: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let started = Instant::now();
        let mut attempt_number = 1;
        loop {
            let error = match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if !retry_if(&error) {
                return Err(error);
            }
            let retry_after = error.api().and_then(|api| api.retry_after);
            let Some(delay) =
                self.config
                    .retry
                    .next_delay(attempt_number, started.elapsed(), retry_after)
            else {
                tracing::warn!(attempts = attempt_number, %error, "giving up after retries");
                return Err(error);
            };
            attempt_number += 1;
            let notice = RetryNotice {
                next_attempt: attempt_number,
                delay,
                reason: error.to_string(),
            };
            tracing::info!(attempt = attempt_number, delay_ms = delay.as_millis() as u64, reason = %notice.reason, "retrying");
            on_retry(&notice);
            tokio::time::sleep(delay).await;
        }
    }

    pub(crate) async fn send(
        &self,
        builder: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<reqwest::Response> {
        let timeout = self.config.idle_timeout;
        let response = match tokio::time::timeout(timeout, builder.send()).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return Err(Error::from_transport(url, &e, timeout)),
            Err(_) => {
                return Err(Error::Timeout {
                    url: url.to_owned(),
                    seconds: timeout.as_secs(),
                });
            }
        };
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let request_id = header_string(response.headers(), "x-request-id");
        let text = self.read_body(response, url).await.unwrap_or_default();
        let mut api = parse_error_body(status, &text, request_id);
        api.retry_after = retry_after;
        Err(Error::Api(api))
    }

    pub(crate) async fn read_body(&self, response: reqwest::Response, url: &str) -> Result<String> {
        let timeout = self.config.idle_timeout;
        match tokio::time::timeout(timeout, response.text()).await {
            Ok(Ok(text)) => Ok(text),
            Ok(Err(e)) => Err(Error::from_transport(url, &e, timeout)),
            Err(_) => Err(Error::Timeout {
                url: url.to_owned(),
                seconds: timeout.as_secs(),
            }),
        }
    }

    async fn chat_once(&self, url: &str, body: &Value) -> Result<ChatResponse> {
        let builder = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .json(body);
        let response = self.send(builder, url).await?;
        let text = self.read_body(response, url).await?;
        let chunk = match self.config.transport {
            Transport::Native => match parse_native(&text, 200).map_err(Error::Protocol)? {
                NativeParse::Error(api) => return Err(Error::Api(api)),
                NativeParse::Chunk(chunk) => chunk,
            },
            Transport::Compatible => parse_compat(&text, 200).map_err(Error::Api)?,
        };
        let mut response = ChatResponse::default();
        let mut tools = ToolCallAssembler::default();
        response.accumulate(chunk, &mut tools);
        response.tool_calls = tools.finish();
        Ok(response)
    }

    async fn open_stream_once(&self, url: &str, body: &Value) -> Result<ChatStream> {
        self.open_stream_with(url, body, self.config.transport)
            .await
    }

    pub(crate) async fn open_stream_with(
        &self,
        url: &str,
        body: &Value,
        transport: Transport,
    ) -> Result<ChatStream> {
        let builder = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "text/event-stream")
            .header("X-DashScope-SSE", "enable")
            .json(body);
        let response = self.send(builder, url).await?;
        let mut stream = ChatStream {
            response,
            decoder: SseDecoder::new(),
            idle_timeout: self.config.idle_timeout,
            url: url.to_owned(),
            transport,
            events_received: 0,
            pending: None,
            saw_finish: false,
            finished: false,
        };
        // Wait for the first event here, inside the retry loop: until the caller has seen text,
        // a failure is as safe to retry as a refused connection.
        match stream.read_chunk().await {
            Some(Ok(first)) => {
                stream.pending = Some(first);
                Ok(stream)
            }
            Some(Err(Error::StreamInterrupted { reason, .. })) => Err(Error::Network {
                url: url.to_owned(),
                reason: format!("the stream ended before its first event: {reason}"),
            }),
            Some(Err(e)) => Err(e),
            None => Err(Error::Network {
                url: url.to_owned(),
                reason: "the stream ended before its first event".into(),
            }),
        }
    }
}

impl Client {
    /// Submits an image task. Returns once the task id exists; persist it before anything else.
    pub async fn submit_image(&self, request: &crate::images::ImageRequest) -> Result<TaskState> {
        request.validate()?;
        if request.is_synchronous() {
            return Err(Error::InvalidRequest(format!(
                "{} has no task endpoint; it answers one synchronous call (generate_image)",
                request.model
            )));
        }
        let (path, body) = request.wire();
        let url = format!("{}{path}", self.base_url);
        self.submit_task(&url, &body).await
    }

    /// Generates or edits images with a synchronous model (qwen-image-edit, qwen-image-2.0): one
    /// call that returns the result URLs. Like a task submit it is paid once it arrives, so only a
    /// refusal that created nothing (429) is retried.
    pub async fn generate_image(
        &self,
        request: &crate::images::ImageRequest,
    ) -> Result<crate::images::ImageResults> {
        request.validate()?;
        if !request.is_synchronous() {
            return Err(Error::InvalidRequest(format!(
                "{} runs as a task; submit it with submit_image",
                request.model
            )));
        }
        let (path, body) = request.wire();
        let url = format!("{}{path}", self.base_url);
        let refused = |e: &Error| {
            e.api()
                .is_some_and(|api| api.status == 429 && api.is_retryable())
        };
        let value: Value = self
            .with_retries_if(
                |_| {},
                refused,
                || async {
                    let builder = self
                        .http
                        .post(&url)
                        .header(CONTENT_TYPE, "application/json")
                        .json(&body);
                    let response = self.send(builder, &url).await?;
                    let text = self.read_body(response, &url).await?;
                    serde_json::from_str(&text)
                        .map_err(|e| Error::Protocol(format!("image body: {e}")))
                },
            )
            .await?;
        if let Some(api) = business_error(&value) {
            return Err(Error::Api(api));
        }
        crate::images::ImageResults::from_body(&value)
            .ok_or_else(|| Error::Protocol("an image answer without `output`".into()))
    }

    /// Submits an asynchronous task. Submitting twice could create two paid tasks, so only a
    /// refusal (429: nothing was created) is retried.
    pub(crate) async fn submit_task(&self, url: &str, body: &Value) -> Result<TaskState> {
        let refused = |e: &Error| {
            e.api()
                .is_some_and(|api| api.status == 429 && api.is_retryable())
        };
        self.with_retries_if(
            |_| {},
            refused,
            || async {
                let builder = self
                    .http
                    .post(url)
                    .header(CONTENT_TYPE, "application/json")
                    .header("X-DashScope-Async", "enable")
                    .json(body);
                let response = self.send(builder, url).await?;
                self.task_body(response, url).await
            },
        )
        .await
    }

    /// The task's state now. `UNKNOWN` means expired, never existed, or another key's task.
    pub async fn task(&self, task_id: &str) -> Result<TaskState> {
        let url = format!(
            "{}/api/v1/tasks/{}",
            self.base_url,
            encode_path_segment(task_id)
        );
        self.with_retries(
            |_| {},
            || async {
                let response = self.send(self.http.get(&url), &url).await?;
                self.task_body(response, &url).await
            },
        )
        .await
    }

    /// Cancels a task that is still `PENDING`; later states answer 400 `UnsupportedOperation`.
    pub async fn cancel_task(&self, task_id: &str) -> Result<()> {
        let url = format!(
            "{}/api/v1/tasks/{}/cancel",
            self.base_url,
            encode_path_segment(task_id)
        );
        let response = self.send(self.http.post(&url), &url).await?;
        self.read_body(response, &url).await.map(drop)
    }

    /// Polls until the task ends, calling `on_progress` with each state seen.
    pub async fn wait_task(
        &self,
        task_id: &str,
        policy: &PollPolicy,
        mut on_progress: impl FnMut(&TaskState),
    ) -> Result<TaskState> {
        let started = Instant::now();
        let mut poll = 0;
        loop {
            let state = self.task(task_id).await?;
            on_progress(&state);
            if state.status.is_terminal() {
                return Ok(state);
            }
            if started.elapsed() >= policy.give_up_after {
                return Err(Error::Timeout {
                    url: format!("task {task_id}"),
                    seconds: policy.give_up_after.as_secs(),
                });
            }
            tokio::time::sleep(policy.delay(poll)).await;
            poll += 1;
        }
    }

    /// Fetches a result file (a signed OSS URL, valid about 24 h) without sending the API key.
    pub async fn download(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>> {
        let response =
            match tokio::time::timeout(self.config.idle_timeout, self.downloads.get(url).send())
                .await
            {
                Ok(Ok(response)) => response,
                Ok(Err(e)) => return Err(Error::from_transport(url, &e, self.config.idle_timeout)),
                Err(_) => {
                    return Err(Error::Timeout {
                        url: url.to_owned(),
                        seconds: self.config.idle_timeout.as_secs(),
                    });
                }
            };
        if !response.status().is_success() {
            return Err(Error::Api(ApiError {
                status: response.status().as_u16(),
                code: "DownloadFailed".into(),
                message: format!(
                    "the result file answered HTTP {}",
                    response.status().as_u16()
                ),
                request_id: None,
                retry_after: None,
            }));
        }
        if response
            .content_length()
            .is_some_and(|len| len > max_bytes as u64)
        {
            return Err(Error::Protocol(format!(
                "the result file is larger than {max_bytes} bytes"
            )));
        }
        let mut response = response;
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Error::from_transport(url, &e, self.config.idle_timeout))?
        {
            if bytes.len() + chunk.len() > max_bytes {
                return Err(Error::Protocol(format!(
                    "the result file is larger than {max_bytes} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    pub(crate) async fn task_body(
        &self,
        response: reqwest::Response,
        url: &str,
    ) -> Result<TaskState> {
        let text = self.read_body(response, url).await?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| Error::Protocol(format!("task body: {e}")))?;
        if let Some(api) = business_error(&value) {
            return Err(Error::Api(api));
        }
        TaskState::from_body(&value)
            .ok_or_else(|| Error::Protocol(format!("not a task body: {text}")))
    }
}

/// A DashScope error carried in an HTTP 200 body: a `code` and no `output`.
fn business_error(value: &Value) -> Option<ApiError> {
    let code = value
        .get("code")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())?;
    if value.get("output").is_some() {
        return None;
    }
    Some(ApiError {
        status: 400,
        code: code.to_owned(),
        message: value
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        request_id: value
            .get("request_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        retry_after: None,
    })
}

/// Task ids come from the server, but never let one smuggle a path into the URL.
fn encode_path_segment(segment: &str) -> String {
    segment
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect()
}

/// A reply being streamed. Call [`ChatStream::next`] until it returns `None`.
#[derive(Debug)]
pub struct ChatStream {
    response: reqwest::Response,
    decoder: SseDecoder,
    idle_timeout: Duration,
    url: String,
    transport: Transport,
    events_received: u64,
    pending: Option<ChatChunk>,
    /// A finish reason arrived; compatible mode still sends a usage chunk and `[DONE]` after it.
    saw_finish: bool,
    finished: bool,
}

impl ChatStream {
    /// The next chunk; `None` after the chunk that carried the finish reason. A stream that ends
    /// without one, or breaks, yields [`Error::StreamInterrupted`] (or the in-stream API error).
    pub async fn next(&mut self) -> Option<Result<ChatChunk>> {
        if let Some(first) = self.pending.take() {
            return Some(Ok(first));
        }
        self.read_chunk().await
    }

    pub fn events_received(&self) -> u64 {
        self.events_received
    }

    async fn read_chunk(&mut self) -> Option<Result<ChatChunk>> {
        if self.finished {
            return None;
        }
        loop {
            if let Some(event) = self.decoder.next_event() {
                if let Some(result) = self.handle_event(event) {
                    return Some(result);
                }
                continue;
            }
            match tokio::time::timeout(self.idle_timeout, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.decoder.push(&bytes),
                Ok(Ok(None)) => {
                    if let Some(event) = self.decoder.finish()
                        && let Some(result) = self.handle_event(event)
                    {
                        return Some(result);
                    }
                    if self.saw_finish {
                        // Compatible mode closed without `[DONE]` after the reply was whole.
                        self.finished = true;
                        return None;
                    }
                    return self
                        .interrupted("the connection closed before the reply finished".into());
                }
                Ok(Err(e)) => return self.interrupted(describe_transport_error(&e)),
                Err(_) => {
                    return self.interrupted(format!(
                        "no data for {} s from {}",
                        self.idle_timeout.as_secs(),
                        self.url
                    ));
                }
            }
        }
    }

    fn interrupted(&mut self, reason: String) -> Option<Result<ChatChunk>> {
        self.finished = true;
        Some(Err(Error::StreamInterrupted {
            events_received: self.events_received,
            reason,
        }))
    }

    /// `None` for events that carry nothing for the caller (an empty `[DONE]`-style sentinel).
    fn handle_event(&mut self, event: SseEvent) -> Option<Result<ChatChunk>> {
        let data = event.data.trim();
        if data.is_empty() {
            return None;
        }
        if data == "[DONE]" {
            self.finished = true;
            return None;
        }
        let status = event
            .http_status
            .unwrap_or(if event.is_error() { 400 } else { 200 });
        self.events_received += 1;
        let parsed = match self.transport {
            Transport::Native => parse_native(data, status)
                .map_err(Error::Protocol)
                .and_then(|parsed| match parsed {
                    NativeParse::Chunk(chunk) if event.is_error() => Err(Error::Api(ApiError {
                        status,
                        code: "UnknownError".into(),
                        message: "the stream reported an error without a code".into(),
                        request_id: chunk.request_id,
                        retry_after: None,
                    })),
                    NativeParse::Chunk(chunk) => Ok(chunk),
                    NativeParse::Error(mut api) => {
                        if event.is_error() {
                            api.status = status;
                        }
                        Err(Error::Api(api))
                    }
                }),
            Transport::Compatible => parse_compat(data, status).map_err(Error::Api),
        };
        match parsed {
            Ok(chunk) => {
                if chunk.finish_reason.is_some() {
                    self.saw_finish = true;
                    // Native streams end with the finish reason; compatible ones at `[DONE]`.
                    self.finished = self.transport == Transport::Native;
                }
                Some(Ok(chunk))
            }
            Err(error) => {
                self.finished = true;
                Some(Err(error))
            }
        }
    }
}

/// Tokens the request will probably use: its text plus the reply it may ask for.
fn prepared_estimate(prepared: &Prepared) -> u64 {
    let prompt: u64 = prepared
        .request
        .messages
        .iter()
        .map(|m| estimate_tokens(&m.content))
        .sum();
    prompt + u64::from(prepared.request.parameters.max_tokens.unwrap_or(0))
}

fn normalize_base_url(raw: &str) -> Result<String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed)
        .map_err(|e| Error::Config(format!("base URL {raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Config(format!(
            "base URL {raw:?} must be http(s)://host"
        )));
    }
    Ok(trimmed.to_owned())
}

fn header_string(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_owned)
}

/// `Retry-After-Ms` (milliseconds) or `Retry-After` in seconds; the HTTP-date form is not used by
/// DashScope and is ignored.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) =
        header_string(headers, "retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok())
    {
        return (ms.is_finite() && ms >= 0.0).then(|| Duration::from_secs_f64(ms / 1000.0));
    }
    let secs = header_string(headers, "retry-after")?
        .trim()
        .parse::<f64>()
        .ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_validation() {
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080/").ok().as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert!(normalize_base_url("ftp://x").is_err());
        assert!(normalize_base_url("not a url").is_err());
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut d = HeaderMap::new();
        d.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&d), None);
    }
}
