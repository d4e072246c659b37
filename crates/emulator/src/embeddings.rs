//! Text embeddings, native and compatible (reference §6). Vectors are deterministic: character
//! trigrams hashed into the requested number of dimensions and normalised, so texts that share
//! words really are closer — good enough to exercise semantic search offline.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use crate::reply::token_count;
use crate::wire::{compat_error, json_response, native_error, request_id};
use crate::{Admission, Shared, Surface};

const V3_V4_DIMENSIONS: &[u64] = &[64, 128, 256, 512, 768, 1024, 1536, 2048];
const V1_V2_DIMENSION: u64 = 1536;

/// Per model: (rows per call, allowed dimensions, default dimension). v4 alone offers 1536/2048.
fn limits(model: &str) -> Option<(usize, Vec<u64>, u64)> {
    match model {
        "text-embedding-v4" => Some((10, V3_V4_DIMENSIONS.to_vec(), 1024)),
        "text-embedding-v3" => Some((
            10,
            V3_V4_DIMENSIONS
                .iter()
                .copied()
                .filter(|d| *d <= 1024)
                .collect(),
            1024,
        )),
        "text-embedding-v1" | "text-embedding-v2" => {
            Some((25, vec![V1_V2_DIMENSION], V1_V2_DIMENSION))
        }
        _ => None,
    }
}

/// The emulator's embedding of `text`, public so tests can compute the expected vector.
pub fn embedding(text: &str, dimension: usize) -> Vec<f64> {
    let mut vector = vec![0.0f64; dimension.max(1)];
    let chars: Vec<char> = text.to_lowercase().chars().collect();
    let grams = if chars.len() < 3 {
        vec![chars.clone()]
    } else {
        chars.windows(3).map(<[char]>::to_vec).collect()
    };
    for gram in grams {
        let hash = gram
            .iter()
            .fold(2166136261u32, |h, c| (h ^ *c as u32).wrapping_mul(16777619));
        let slot = hash as usize % vector.len();
        vector[slot] += if hash & 0x8000_0000 == 0 { 1.0 } else { -1.0 };
    }
    let norm = vector.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|v| *v /= norm);
    }
    vector
}

/// Why a request was refused: HTTP status, DashScope code, message.
type Refusal = (u16, &'static str, String);

/// Checks model, rows and dimension; returns the vectors and the tokens, or the refusal.
fn embed(
    model: &str,
    texts: &[String],
    dimension: Option<u64>,
) -> Result<(Vec<Vec<f64>>, u64), Refusal> {
    let (max_rows, dimensions, default) =
        limits(model).ok_or((400, "InvalidParameter", "Model not exist.".to_owned()))?;
    if texts.is_empty() || texts.iter().any(|t| t.trim().is_empty()) {
        return Err((
            400,
            "InvalidParameter",
            "Input texts must not be empty.".into(),
        ));
    }
    if texts.len() > max_rows {
        return Err((
            400,
            "InvalidParameter",
            format!("batch size is invalid, it should not be larger than {max_rows}."),
        ));
    }
    let dimension = dimension.unwrap_or(default);
    if !dimensions.contains(&dimension) {
        return Err((
            400,
            "InvalidParameter",
            format!("dimension {dimension} is not supported by {model}."),
        ));
    }
    let tokens = texts.iter().map(|t| token_count(t)).sum();
    Ok((
        texts
            .iter()
            .map(|t| embedding(t, dimension as usize))
            .collect(),
        tokens,
    ))
}

/// The texts of a request: a list of strings, or one string.
fn texts_of(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// `POST /api/v1/services/embeddings/text-embedding/text-embedding`
pub(crate) async fn native(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rid = request_id();
    let body = match shared
        .admit(Surface::Native, uri.path(), &headers, &body, false, &rid)
        .await
    {
        Admission::Proceed { body, .. } => body,
        Admission::Answered(response) => return response,
    };
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let texts = texts_of(body.pointer("/input/texts"));
    let dimension = body
        .pointer("/parameters/dimension")
        .and_then(Value::as_u64);
    match embed(model, &texts, dimension) {
        Ok((vectors, tokens)) => {
            let embeddings: Vec<Value> = vectors
                .into_iter()
                .enumerate()
                .map(|(i, v)| json!({ "embedding": v, "text_index": i }))
                .collect();
            json_response(
                200,
                &json!({ "output": { "embeddings": embeddings }, "usage": { "total_tokens": tokens }, "request_id": rid }),
                &rid,
                None,
            )
        }
        Err((status, code, message)) => native_error(status, code, &message, &rid, None),
    }
}

/// `POST /compatible-mode/v1/embeddings`
pub(crate) async fn compat(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rid = request_id();
    let body = match shared
        .admit(Surface::Compat, uri.path(), &headers, &body, false, &rid)
        .await
    {
        Admission::Proceed { body, .. } => body,
        Admission::Answered(response) => return response,
    };
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let texts = texts_of(body.get("input"));
    let dimension = body.get("dimensions").and_then(Value::as_u64);
    match embed(&model, &texts, dimension) {
        Ok((vectors, tokens)) => {
            let data: Vec<Value> = vectors
                .into_iter()
                .enumerate()
                .map(|(i, v)| json!({ "embedding": v, "index": i, "object": "embedding" }))
                .collect();
            json_response(
                200,
                &json!({ "data": data, "model": model, "object": "list", "usage": { "prompt_tokens": tokens, "total_tokens": tokens }, "id": rid }),
                &rid,
                None,
            )
        }
        Err((_, "InvalidParameter", message)) if message == "Model not exist." => {
            let message =
                format!("The model `{model}` does not exist or you do not have access to it.");
            compat_error(404, "ModelNotFound", &message, &rid, None)
        }
        Err((status, _, message)) => compat_error(status, "InvalidParameter", &message, &rid, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn related_texts_are_closer() {
        let cat = embedding("the cat sat on the mat", 256);
        let similar = embedding("a cat sat on a mat", 256);
        let other = embedding("quarterly revenue forecast", 256);
        assert!((cosine(&cat, &cat) - 1.0).abs() < 1e-9);
        assert!(cosine(&cat, &similar) > cosine(&cat, &other) + 0.2);
    }
}
