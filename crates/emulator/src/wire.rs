//! The byte-level shapes DashScope answers with: error bodies per API family and SSE framing.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::fault::Fault;

/// The DashScope code and message documented for an HTTP status (reference §7.2).
pub fn default_error(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => (
            "InvalidParameter",
            "Required parameter(s) missing or invalid, please check the request parameters.",
        ),
        401 => ("InvalidApiKey", "Invalid API-key provided."),
        403 => ("AccessDenied", "Access denied."),
        404 => ("ModelNotFound", "Model can not be found."),
        408 => (
            "RequestTimeOut",
            "Request timed out, please try again later.",
        ),
        413 => ("BadRequest.TooLarge", "Payload Too Large."),
        429 => (
            "Throttling.RateQuota",
            "Requests rate limit exceeded, please try again later.",
        ),
        503 => (
            "ModelUnavailable",
            "Model is unavailable, please try again later.",
        ),
        504 => ("GatewayTimeout", "Gateway timeout."),
        _ => (
            "InternalError",
            "An internal error has occured, please try again later or contact service support.",
        ),
    }
}

/// The message documented for a DashScope error code (reference §7.2), so a fault that names only
/// a code (`code=DataInspectionFailed`) reads like the real error instead of a generic one.
pub fn message_for_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "InvalidParameter" => {
            "Required parameter(s) missing or invalid, please check the request parameters."
        }
        "DataInspectionFailed" => "Input or output data may contain inappropriate content.",
        "Arrearage" => "Access denied, please make sure your account is in good standing.",
        "InvalidApiKey" => "Invalid API-key provided.",
        "AccessDenied" => "Access denied.",
        "WorkSpaceNotFound" => "WorkSpace can not be found.",
        "ModelNotFound" => "Model can not be found.",
        "RequestTimeOut" => "Request timed out, please try again later.",
        "BadRequest.TooLarge" => "Payload Too Large.",
        "Throttling" => "Requests throttling triggered.",
        "Throttling.RateQuota" => "Requests rate limit exceeded, please try again later.",
        "Throttling.AllocationQuota" => {
            "Allocated quota exceeded, please increase your quota limit."
        }
        "LimitRequests" => "You exceeded your current requests list.",
        "ModelUnavailable" => "Model is unavailable, please try again later.",
        "InternalError" => {
            "An internal error has occured, please try again later or contact service support."
        }
        _ => return None,
    })
}

/// The code and message a fault answers with: its own if given, else those documented for its
/// code, else those documented for `status`.
pub fn fault_error(fault: &Fault, status: u16) -> (&str, &str) {
    let (default_code, default_message) = default_error(status);
    let code = fault.code.as_deref().unwrap_or(default_code);
    let message = fault
        .message
        .as_deref()
        .or_else(|| message_for_code(code))
        .unwrap_or(default_message);
    (code, message)
}

/// The HTTP status an in-stream error code belongs to, for its `:HTTP_STATUS/<n>` line.
pub fn status_for_code(code: &str) -> u16 {
    match code {
        c if c.starts_with("Throttling") || c == "LimitRequests" => 429,
        "InvalidApiKey" => 401,
        c if c.starts_with("AccessDenied") => 403,
        "ModelUnavailable" => 503,
        c if c.starts_with("InternalError") || c == "SystemError" || c == "ModelServiceFailed" => {
            500
        }
        _ => 400,
    }
}

pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

pub fn json_response(
    status: u16,
    body: &Value,
    request_id: &str,
    retry_after: Option<u32>,
) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    with_request_id(response, request_id)
}

/// Native error body: `{"code","message","request_id"}`.
pub fn native_error(
    status: u16,
    code: &str,
    message: &str,
    request_id: &str,
    retry_after: Option<u32>,
) -> Response {
    let body = json!({ "code": code, "message": message, "request_id": request_id });
    json_response(status, &body, request_id, retry_after)
}

/// Compatible-mode error body: the OpenAI shape plus `request_id` (reference §3).
pub fn compat_error_body(status: u16, code: &str, message: &str, request_id: &str) -> Value {
    let (code, kind, message) = match status {
        401 => (
            "invalid_api_key",
            "invalid_request_error",
            "Incorrect API key provided. For details, see: https://help.aliyun.com/zh/model-studio/error-code#apikey-error",
        ),
        404 if code == "ModelNotFound" => ("model_not_found", "invalid_request_error", message),
        // A refused parameter is `invalid_parameter_error` of type `invalid_request_error` in
        // compatible mode, e.g. for `enable_thinking` on a non-stream call (public 2025 error
        // reports from qwen3 / qwen-plus users; reference §3 lists the shape, not this code).
        _ if code == "InvalidParameter" => {
            ("invalid_parameter_error", "invalid_request_error", message)
        }
        // Compatible mode spells moderation failures in snake case (reference §3).
        _ if code == "DataInspectionFailed" => {
            ("data_inspection_failed", "data_inspection_failed", message)
        }
        _ => (code, code, message),
    };
    json!({
        "error": { "message": message, "type": kind, "param": null, "code": code },
        "request_id": request_id,
    })
}

pub fn compat_error(
    status: u16,
    code: &str,
    message: &str,
    request_id: &str,
    retry_after: Option<u32>,
) -> Response {
    json_response(
        status,
        &compat_error_body(status, code, message, request_id),
        request_id,
        retry_after,
    )
}

/// What a streaming handler writes into; the receiving half becomes the response body.
pub struct StreamSink {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl StreamSink {
    /// `false` when the client has gone away.
    pub async fn send(&self, text: String) -> bool {
        self.tx.send(Ok(Bytes::from(text))).await.is_ok()
    }

    /// Ends the response without the terminating chunk, so the client sees the connection drop.
    pub async fn abort(self) {
        // hyper tears the connection down as soon as the body yields an error, discarding what is
        // still in its write buffer; a real network drop happens after the sent bytes left, so
        // give them time to reach the socket first.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let _ = self
            .tx
            .send(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "emulated network drop",
            )))
            .await;
    }
}

pub fn sse_response(content_type: &'static str, request_id: &str) -> (StreamSink, Response) {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-dashscope-finished", HeaderValue::from_static("false"));
    (StreamSink { tx }, with_request_id(response, request_id))
}

/// One native SSE event exactly as the gateway frames it: no space after colons, the status as a
/// comment line, and (unless emulating an old gateway) a blank line after it.
pub fn native_event(id: u32, kind: &str, status: u16, data: &Value, blank_line: bool) -> String {
    let separator = if blank_line { "\n" } else { "" };
    format!("id:{id}\nevent:{kind}\n:HTTP_STATUS/{status}\ndata:{data}\n{separator}")
}

pub fn compat_event(data: &Value) -> String {
    format!("data: {data}\n\n")
}
