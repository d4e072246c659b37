//! Temporary uploads for local files (reference §1.2 "upload policy", §2.5): the SDKs ask
//! `GET /api/v1/uploads?action=getPolicy&model=M` for a form-upload policy, POST the file as a
//! multipart form to `upload_host` with `key = upload_dir/<file name>`, then send
//! `oss://<key>` in the request with `X-DashScope-OssResourceResolve: enable`
//! (SDK 1.x `utils/oss_utils.py`). The policy answers in `data`, as the upload doc shows.
//!
//! Here `upload_host` is the emulator's own `POST /emulator/oss`, which keeps the keys it was
//! given (not the bytes), so a chat request can tell an uploaded `oss://` URL from an invented one.

use std::collections::HashSet;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::wire::{json_response, native_error, request_id};
use crate::{Admission, Shared, Surface};

#[derive(Debug, Default)]
pub(crate) struct Uploads {
    keys: Mutex<HashSet<String>>,
}

impl Uploads {
    /// Whether `oss://KEY` names a file uploaded to this emulator.
    pub(crate) fn holds(&self, url: &str) -> bool {
        url.strip_prefix("oss://")
            .is_some_and(|key| lock(&self.keys).contains(key))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// `GET /api/v1/uploads?action=getPolicy&model=M`
pub(crate) async fn policy(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let rid = request_id();
    if let Admission::Answered(response) = shared
        .admit(Surface::Native, uri.path(), &headers, &[], false, &rid)
        .await
    {
        return response;
    }
    if query.get("action").map(String::as_str) != Some("getPolicy") {
        return native_error(
            400,
            "InvalidParameter",
            "action must be getPolicy.",
            &rid,
            None,
        );
    }
    let Some(model) = query.get("model").filter(|m| !m.is_empty()) else {
        return native_error(400, "InvalidParameter", "model is required.", &rid, None);
    };
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let dir = format!(
        "dashscope-instant/emulator/{model}/{}",
        uuid::Uuid::new_v4().simple()
    );
    json_response(
        200,
        &json!({
            "request_id": rid,
            "data": {
                "policy": "ZW11bGF0b3ItcG9saWN5",
                "signature": "emulator-signature",
                "upload_dir": dir,
                "upload_host": format!("http://{host}/emulator/oss"),
                "expire_in_seconds": 300,
                "max_file_size_mb": 100,
                "capacity_limit_mb": 999_999_999,
                "oss_access_key_id": "emulator-access-key",
                "x_oss_object_acl": "private",
                "x_oss_forbid_overwrite": "true",
            },
        }),
        &rid,
        None,
    )
}

/// `POST /emulator/oss`: the OSS form upload. Reads the `key` field of the multipart form and
/// answers 200 with an empty body, as OSS does for `success_action_status=200`.
pub(crate) async fn upload(State(shared): State<Shared>, body: Bytes) -> Response {
    match form_field(&body, "key") {
        Some(key) if !key.is_empty() && form_field(&body, "file").is_some() => {
            lock(&shared.uploads.keys).insert(key);
            StatusCode::OK.into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            "the form needs a key and a file field",
        )
            .into_response(),
    }
}

/// The value of a `multipart/form-data` field, found by its `name="…"` header; enough for the
/// SDK's form, whose text fields are short and whose file is the last part.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let at = find(body, marker.as_bytes())?;
    let rest = &body[at..];
    let start = find(rest, b"\r\n\r\n")? + 4;
    let value = &rest[start..];
    let end = find(value, b"\r\n--").unwrap_or(value.len());
    Some(String::from_utf8_lossy(&value[..end]).into_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Media items of a native multimodal request that are `oss://` URLs.
pub(crate) fn oss_urls(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let messages = body
        .pointer("/input/messages")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for message in messages {
        let Some(items) = message.get("content").and_then(Value::as_array) else {
            continue;
        };
        for item in items {
            for key in ["image", "video", "audio"] {
                match item.get(key) {
                    Some(Value::String(url)) => out.push(url.clone()),
                    Some(Value::Array(frames)) => {
                        out.extend(frames.iter().filter_map(Value::as_str).map(str::to_owned))
                    }
                    _ => {}
                }
            }
        }
    }
    out.retain(|u| u.starts_with("oss://"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_form_fields() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\ndir/a.png\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--b--\r\n";
        assert_eq!(form_field(body, "key").as_deref(), Some("dir/a.png"));
        assert!(form_field(body, "file").is_some());
        assert_eq!(form_field(body, "policy"), None);
    }
}
