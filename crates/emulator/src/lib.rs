//! A local server that speaks the Bailian (DashScope) wire protocol, built from the reference in
//! `shared/docs/bailian-api.md`, with switchable faults. Tests start it on `127.0.0.1:0`; the app
//! starts it for the offline demo; `bailian-emulator --listen ADDR:PORT` runs it alone.

mod apps;
mod audio;
mod chat;
mod embeddings;
mod fault;
mod images;
mod reply;
mod speech;
mod tasks;
mod tingwu;
mod uploads;
mod wire;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub use embeddings::embedding;
pub use fault::{FAULT_HEADER, Fault, FaultSpecError};
pub use reply::{CHAT_MODELS, VISION_MODELS, pieces, reply_text, token_count};

/// The key the emulator accepts unless told otherwise.
pub const DEFAULT_API_KEY: &str = "sk-emulator";

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub api_keys: Vec<String>,
    /// Pause between stream events, so a person watching sees tokens arrive.
    pub token_delay: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            api_keys: vec![DEFAULT_API_KEY.to_owned()],
            token_delay: Duration::ZERO,
        }
    }
}

/// How many requests the log keeps (the oldest half goes when it is full).
pub const MAX_RECORDED_REQUESTS: usize = 1000;

/// One request as the emulator saw it, for tests that count attempts and check what was sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedRequest {
    pub path: String,
    pub model: Option<String>,
    pub stream: bool,
    /// The fault spec applied to this request, if any.
    pub fault: Option<String>,
    /// The JSON body, when it was JSON: lets a test see the history, parameters and images a
    /// client sent.
    pub body: Option<Value>,
}

#[derive(Debug, Default)]
struct QueuedFault {
    spec: String,
    fault: Fault,
    remaining: u32,
}

#[derive(Debug)]
struct EmulatorState {
    config: EmulatorConfig,
    queued_faults: Mutex<VecDeque<QueuedFault>>,
    requests: Mutex<Vec<RecordedRequest>>,
    tasks: tasks::Tasks,
    sessions: apps::Sessions,
    meetings: tingwu::Meetings,
    uploads: uploads::Uploads,
}

#[derive(Debug, Clone)]
pub(crate) struct Shared(Arc<EmulatorState>);

impl std::ops::Deref for Shared {
    type Target = EmulatorState;
    fn deref(&self) -> &EmulatorState {
        &self.0
    }
}

/// Which error shapes a route answers with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Surface {
    Native,
    Compat,
}

pub(crate) enum Admission {
    Proceed { fault: Fault, body: Value },
    Answered(Response),
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in another handler must not take the emulator down with it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn error(
        &self,
        surface: Surface,
        status: u16,
        code: &str,
        message: &str,
        rid: &str,
        retry_after: Option<u32>,
    ) -> Response {
        match surface {
            Surface::Native => wire::native_error(status, code, message, rid, retry_after),
            Surface::Compat => wire::compat_error(status, code, message, rid, retry_after),
        }
    }

    fn take_queued_fault(&self) -> Option<(String, Fault)> {
        let mut queue = lock(&self.queued_faults);
        let front = queue.front_mut()?;
        front.remaining -= 1;
        let taken = (front.spec.clone(), front.fault.clone());
        if front.remaining == 0 {
            queue.pop_front();
        }
        Some(taken)
    }

    /// Everything every API route does before its own work: pick the fault, log the request,
    /// delay, authenticate, inject an error status, parse the JSON body.
    pub(crate) async fn admit(
        &self,
        surface: Surface,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
        stream: bool,
        rid: &str,
    ) -> Admission {
        let header_spec = headers
            .get(FAULT_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (spec, fault) = match header_spec {
            Some(spec) => match Fault::parse(&spec) {
                Ok(fault) => (Some(spec), fault),
                Err(e) => {
                    return Admission::Answered(self.error(
                        surface,
                        400,
                        "InvalidParameter",
                        &e.to_string(),
                        rid,
                        None,
                    ));
                }
            },
            None => match self.take_queued_fault() {
                Some((spec, fault)) => (Some(spec), fault),
                None => (None, Fault::default()),
            },
        };
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        {
            let mut requests = lock(&self.requests);
            // The log serves tests, which look at recent requests; a long demo session (images
            // inline) must not grow it without bound.
            if requests.len() >= MAX_RECORDED_REQUESTS {
                requests.drain(..MAX_RECORDED_REQUESTS / 2);
            }
            requests.push(RecordedRequest {
                path: path.to_owned(),
                model: parsed
                    .as_ref()
                    .and_then(|b| b.get("model"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                stream,
                fault: spec,
                body: parsed.clone(),
            });
        }
        if let Some(ms) = fault.first_byte_delay_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let key = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if !key.is_some_and(|k| self.config.api_keys.iter().any(|accepted| accepted == k)) {
            let (code, message) = wire::default_error(401);
            return Admission::Answered(self.error(surface, 401, code, message, rid, None));
        }
        if let Some(status) = fault.status {
            let (code, message) = wire::fault_error(&fault, status);
            return Admission::Answered(self.error(
                surface,
                status,
                code,
                message,
                rid,
                fault.retry_after,
            ));
        }
        let body = match (body.is_empty(), parsed) {
            (true, _) => Value::Null,
            (false, Some(value)) => value,
            (false, None) => {
                return Admission::Answered(self.error(
                    surface,
                    400,
                    "InvalidParameter",
                    "The request body is not valid JSON.",
                    rid,
                    None,
                ));
            }
        };
        Admission::Proceed { fault, body }
    }
}

async fn compat_models(State(shared): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    let rid = wire::request_id();
    if let Admission::Answered(response) = shared
        .admit(Surface::Compat, uri.path(), &headers, &[], false, &rid)
        .await
    {
        return response;
    }
    let data: Vec<Value> = CHAT_MODELS
        .iter()
        .map(|id| json!({ "id": id, "object": "model", "created": 1_700_000_000, "owned_by": "system" }))
        .collect();
    wire::json_response(200, &json!({ "object": "list", "data": data }), &rid, None)
}

/// `GET /api/v1/models?page_no=&page_size=&model=`: the SDKs page through it and look one model up
/// with `model=NAME&page_size=1` (reference §8; dashscope `models.py`, `v2/resources/models.py`).
async fn native_models(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let rid = wire::request_id();
    if let Admission::Answered(response) = shared
        .admit(Surface::Native, uri.path(), &headers, &[], false, &rid)
        .await
    {
        return response;
    }
    let matching: Vec<&str> = CHAT_MODELS
        .iter()
        .copied()
        .filter(|id| query.get("model").is_none_or(|wanted| wanted == id))
        .collect();
    let number = |key: &str| query.get(key).and_then(|v| v.parse::<usize>().ok());
    let page_no = number("page_no").unwrap_or(1).max(1);
    let page_size = number("page_size").unwrap_or(matching.len()).max(1);
    let models: Vec<Value> = matching
        .iter()
        .skip((page_no - 1).saturating_mul(page_size))
        .take(page_size)
        .map(|id| json!({ "model": id, "provider": "qwen" }))
        .collect();
    let body = json!({
        "output": { "models": models, "page_no": page_no, "page_size": page_size, "total": matching.len() },
        "request_id": rid,
    });
    wire::json_response(200, &body, &rid, None)
}

#[derive(Deserialize)]
struct FaultRequest {
    fault: String,
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

async fn push_fault_route(
    State(shared): State<Shared>,
    axum::Json(request): axum::Json<FaultRequest>,
) -> Response {
    match Fault::parse(&request.fault) {
        Ok(fault) => {
            shared.push(request.fault, fault, request.times);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

async fn clear_faults_route(State(shared): State<Shared>) -> StatusCode {
    lock(&shared.queued_faults).clear();
    StatusCode::NO_CONTENT
}

async fn requests_route(State(shared): State<Shared>) -> axum::Json<Vec<RecordedRequest>> {
    axum::Json(lock(&shared.requests).clone())
}

async fn clear_requests_route(State(shared): State<Shared>) -> StatusCode {
    lock(&shared.requests).clear();
    StatusCode::NO_CONTENT
}

async fn not_found(uri: Uri) -> Response {
    let rid = wire::request_id();
    wire::native_error(
        404,
        "NotFound",
        &format!("The emulator does not implement {}.", uri.path()),
        &rid,
        None,
    )
}

impl Shared {
    fn push(&self, spec: String, fault: Fault, times: u32) {
        if times > 0 {
            lock(&self.queued_faults).push_back(QueuedFault {
                spec,
                fault,
                remaining: times,
            });
        }
    }
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route(
            "/api/v1/services/aigc/text-generation/generation",
            post(chat::native),
        )
        .route(
            "/api/v1/services/aigc/multimodal-generation/generation",
            post(chat::multimodal),
        )
        // SDK 1.x `TingWu.call` has no task group, task or function, so it posts to its
        // `base_address` plus "/": pointed at this endpoint, that is the path with a slash.
        .route(
            "/api/v1/services/aigc/multimodal-generation/generation/",
            post(chat::multimodal),
        )
        .route("/api/v1/apps/{app_id}/completion", post(apps::completion))
        .route("/api/v1/models", get(native_models))
        .route(
            "/api/v1/services/aigc/text2image/image-synthesis",
            post(tasks::submit),
        )
        .route(
            "/api/v1/services/aigc/image2image/image-synthesis",
            post(tasks::submit),
        )
        .route(
            "/api/v1/services/aigc/image-generation/generation",
            post(tasks::submit),
        )
        .route(
            "/api/v1/services/audio/asr/transcription",
            post(tasks::submit),
        )
        .route("/api/v1/tasks", get(tasks::list_tasks))
        .route("/api/v1/tasks/{task_id}", get(tasks::get_task))
        .route("/api/v1/tasks/{task_id}/cancel", post(tasks::cancel_task))
        .route("/emulator/files/{name}", get(tasks::file))
        .route("/api/v1/uploads", get(uploads::policy))
        .route("/emulator/oss", post(uploads::upload))
        .route("/api-ws/v1/inference", get(speech::inference))
        .route("/compatible-mode/v1/chat/completions", post(chat::compat))
        .route("/compatible-mode/v1/models", get(compat_models))
        .route("/compatible-mode/v1/embeddings", post(embeddings::compat))
        .route(
            "/api/v1/services/embeddings/text-embedding/text-embedding",
            post(embeddings::native),
        )
        .route(
            "/emulator/faults",
            post(push_fault_route).delete(clear_faults_route),
        )
        .route(
            "/emulator/requests",
            get(requests_route).delete(clear_requests_route),
        )
        .fallback(not_found)
        .with_state(shared)
}

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    shared: Shared,
    shutdown: Option<oneshot::Sender<()>>,
}

impl RunningEmulator {
    /// Binds `listen` (port 0 picks a free port) and serves on the current Tokio runtime.
    pub async fn start(config: EmulatorConfig, listen: SocketAddr) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let shared = Shared(Arc::new(EmulatorState {
            config,
            queued_faults: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            tasks: tasks::Tasks::default(),
            sessions: apps::Sessions::default(),
            meetings: tingwu::Meetings::default(),
            uploads: uploads::Uploads::default(),
        }));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = router(shared.clone());
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "emulator server stopped");
            }
        });
        tracing::info!(%addr, "Bailian emulator listening");
        Ok(Self {
            addr,
            shared,
            shutdown: Some(shutdown),
        })
    }

    /// On `127.0.0.1:0`, with the default configuration.
    pub async fn start_local() -> std::io::Result<Self> {
        Self::start(
            EmulatorConfig::default(),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the value for `BAILIAN_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Applies `fault` to the next `times` API requests that carry no fault header.
    pub fn push_fault(&self, spec: &str, times: u32) -> Result<(), FaultSpecError> {
        let fault = Fault::parse(spec)?;
        self.shared.push(spec.to_owned(), fault, times);
        Ok(())
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
