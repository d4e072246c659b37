//! Synchronous image models on the multimodal endpoint (reference §2.5, §4.1): qwen-image-edit,
//! qwen-image-2.0 and the wan2.6 models' synchronous form. One call answers with the images in the
//! chat shape, as in the captured `qwen-image-edit-sync.response.json`:
//! `output.choices[{finish_reason, message{role, content[{image}]}}]`,
//! `usage{image_count, width, height}`.
//!
//! Deterministic rules: the images are `/emulator/files/sync-<id>-<i>.png` (served by
//! [`crate::tasks::file`]); `task_fail=CODE` answers that DashScope error instead; `partial_fail=K`
//! leaves K of the `n` images out (the chat shape has no slot for a failed image). Inputs are
//! checked as the gateway would: a text is required, images must be URLs or `data:image/…;base64,`
//! URIs, and an edit model needs an image.

use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use crate::wire::{json_response, native_error, request_id, status_for_code};
use crate::{Admission, Shared, Surface};

/// Images one call may produce, as for tasks.
const MAX_IMAGES: u64 = 4;

/// The models this endpoint draws with (the others on it chat, speak or transcribe).
pub(crate) fn is_image_model(model: &str) -> bool {
    model.starts_with("qwen-image") || model.starts_with("wan2.6") || model.starts_with("wan2.7")
}

/// The gateway's answer to a media item it cannot use [INF: the chat endpoint's wording].
const BAD_MEDIA: &str =
    "The provided URL does not appear to be valid. Ensure it is correctly formatted.";

/// A URL the service could fetch, or an inline image.
fn usable_image(item: &str) -> bool {
    if item.starts_with("http://") || item.starts_with("https://") || item.starts_with("oss://") {
        return true;
    }
    let Some((header, data)) = item
        .strip_prefix("data:image/")
        .and_then(|rest| rest.split_once(','))
    else {
        return false;
    };
    header.ends_with(";base64")
        && !data.is_empty()
        && data
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// `(width, height)` of a `W*H` size within 256–4096, the default for none.
fn size_of(parameters: &Value) -> Result<(u64, u64), ()> {
    let Some(size) = parameters.get("size").and_then(Value::as_str) else {
        return Ok((1024, 1024));
    };
    size.split_once('*')
        .and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)))
        .filter(|(w, h)| (256..=4096).contains(w) && (256..=4096).contains(h))
        .ok_or(())
}

/// `POST /api/v1/services/aigc/multimodal-generation/generation` for an image model.
pub(crate) async fn generate(
    shared: Shared,
    uri: Uri,
    headers: HeaderMap,
    body: &[u8],
    model: &str,
) -> Response {
    let rid = request_id();
    let (fault, body) = match shared
        .admit(Surface::Native, uri.path(), &headers, body, false, &rid)
        .await
    {
        Admission::Proceed { fault, body } => (fault, body),
        Admission::Answered(response) => return response,
    };
    let content: Vec<&Value> = body
        .pointer("/input/messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .filter_map(|m| m.get("content").and_then(Value::as_array))
        .flatten()
        .collect();
    let text: String = content
        .iter()
        .filter_map(|item| item.get("text").and_then(Value::as_str))
        .collect();
    let images: Vec<&str> = content
        .iter()
        .filter_map(|item| item.get("image").and_then(Value::as_str))
        .collect();
    if text.trim().is_empty() {
        return native_error(
            400,
            "InvalidParameter",
            "The text of input.messages[0].content is required.",
            &rid,
            None,
        );
    }
    if images.iter().any(|image| !usable_image(image)) {
        return native_error(400, "InvalidParameter", BAD_MEDIA, &rid, None);
    }
    if model.starts_with("qwen-image-edit") && images.is_empty() {
        return native_error(
            400,
            "InvalidParameter",
            "An image to edit is required in input.messages[0].content.",
            &rid,
            None,
        );
    }
    let parameters = body.get("parameters").cloned().unwrap_or(Value::Null);
    let n = parameters.get("n").and_then(Value::as_u64).unwrap_or(1);
    if !(1..=MAX_IMAGES).contains(&n) {
        return native_error(400, "InvalidParameter", "n should be in [1, 4]", &rid, None);
    }
    let Ok((width, height)) = size_of(&parameters) else {
        return native_error(
            400,
            "InvalidParameter",
            "size is invalid, it should be like 1024*1024",
            &rid,
            None,
        );
    };
    if let Some(code) = &fault.task_fail {
        let message = crate::wire::message_for_code(code)
            .unwrap_or("The emulator was told to fail this image call.");
        return native_error(status_for_code(code), code, message, &rid, None);
    }
    let base = format!(
        "http://{}",
        headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1")
    );
    let produced = n - u64::from(fault.partial_fail.unwrap_or(0)).min(n);
    let call = uuid::Uuid::new_v4().simple().to_string();
    let items: Vec<Value> = (0..produced)
        .map(|i| json!({ "image": format!("{base}/emulator/files/sync-{call}-{i}.png") }))
        .collect();
    let body = json!({
        "output": { "choices": [{
            "finish_reason": "stop",
            "message": { "content": items, "role": "assistant" },
        }] },
        "usage": { "height": height, "image_count": produced, "width": width },
        "request_id": rid,
    });
    json_response(200, &body, &rid, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_items_are_urls_or_inline_images() {
        assert!(usable_image("https://example.com/a.png"));
        assert!(usable_image("data:image/png;base64,iVBORw0KGgo="));
        assert!(!usable_image("data:image/png;base64,"));
        assert!(!usable_image("data:text/plain;base64,aGk="));
        assert!(!usable_image("data:image/png;base64,not base64!"));
        assert!(!usable_image("/home/me/a.png"));
    }
}
