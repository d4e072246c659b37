//! Text embeddings, native and compatible (reference §6).

use serde_json::{Value, json};

use crate::client::{Client, Transport};
use crate::error::{Error, Result};
use crate::limiter::estimate_tokens;

const NATIVE_PATH: &str = "/api/v1/services/embeddings/text-embedding/text-embedding";
const COMPAT_PATH: &str = "/compatible-mode/v1/embeddings";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextType {
    /// What is searched for.
    Query,
    /// What is searched in (the default).
    Document,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingRequest {
    pub model: String,
    pub texts: Vec<String>,
    /// v3/v4 only: 64–2048 (1536 and 2048 on v4); `None` for the model's default.
    pub dimension: Option<u32>,
    pub text_type: Option<TextType>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    /// One vector per text, in the order given.
    pub vectors: Vec<Vec<f32>>,
    pub total_tokens: u64,
    pub request_id: Option<String>,
}

impl EmbeddingRequest {
    pub fn new(model: impl Into<String>, texts: Vec<String>) -> Self {
        Self {
            model: model.into(),
            texts,
            dimension: None,
            text_type: None,
        }
    }

    /// The documented limits (§6), checked before sending.
    pub fn validate(&self) -> Result<()> {
        let (max_rows, dimensions): (usize, &[u32]) = match self.model.as_str() {
            "text-embedding-v4" => (10, &[64, 128, 256, 512, 768, 1024, 1536, 2048]),
            "text-embedding-v3" => (10, &[64, 128, 256, 512, 768, 1024]),
            "text-embedding-v1" | "text-embedding-v2" => (25, &[]),
            other if other.starts_with("text-embedding") => (10, &[]),
            other => {
                return Err(Error::InvalidRequest(format!(
                    "{other} is not a text embedding model"
                )));
            }
        };
        if self.texts.is_empty() || self.texts.iter().any(|t| t.trim().is_empty()) {
            return Err(Error::InvalidRequest("there is no text to embed".into()));
        }
        if self.texts.len() > max_rows {
            return Err(Error::InvalidRequest(format!(
                "{} embeds at most {max_rows} texts per call",
                self.model
            )));
        }
        if let Some(d) = self.dimension
            && !dimensions.contains(&d)
        {
            return Err(Error::InvalidRequest(format!(
                "{} does not offer {d} dimensions",
                self.model
            )));
        }
        Ok(())
    }
}

fn vector(value: &Value) -> Option<Vec<f32>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_f64().map(|f| f as f32))
        .collect()
}

impl Client {
    pub async fn embed(&self, request: &EmbeddingRequest) -> Result<Embeddings> {
        request.validate()?;
        let (path, body) = match self.config().transport {
            Transport::Native => {
                let mut parameters = json!({});
                if let Some(d) = request.dimension {
                    parameters["dimension"] = json!(d);
                }
                if let Some(t) = request.text_type {
                    parameters["text_type"] = json!(if t == TextType::Query {
                        "query"
                    } else {
                        "document"
                    });
                }
                (
                    NATIVE_PATH,
                    json!({ "model": request.model, "input": { "texts": request.texts }, "parameters": parameters }),
                )
            }
            Transport::Compatible => {
                let mut body = json!({ "model": request.model, "input": request.texts, "encoding_format": "float" });
                if let Some(d) = request.dimension {
                    body["dimensions"] = json!(d);
                }
                (COMPAT_PATH, body)
            }
        };
        let url = format!("{}{path}", self.base_url());
        // Indexing a history sends many batches: each attempt waits for the model's allowance,
        // and a 429 slows the pace down for the batches after it.
        let estimate: u64 = request.texts.iter().map(|t| estimate_tokens(t)).sum();
        let value: Value = self
            .with_retries(
                |_| {},
                || {
                    self.paced(&request.model, estimate, async {
                        let response = self.send(self.http().post(&url).json(&body), &url).await?;
                        let text = self.read_body(response, &url).await?;
                        serde_json::from_str(&text)
                            .map_err(|e| Error::Protocol(format!("embedding body: {e}")))
                    })
                },
            )
            .await?;
        let embeddings = parse_embeddings(&value)?;
        if embeddings.vectors.len() != request.texts.len() {
            return Err(Error::Protocol(format!(
                "asked for {} embeddings, got {}",
                request.texts.len(),
                embeddings.vectors.len()
            )));
        }
        Ok(embeddings)
    }
}

/// Reads a native (`output.embeddings[].text_index`) or compatible (`data[].index`) answer, in
/// the order of the texts sent.
pub fn parse_embeddings(value: &Value) -> Result<Embeddings> {
    let rows = value
        .pointer("/output/embeddings")
        .or_else(|| value.get("data"))
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Protocol("an embedding answer without vectors".into()))?;
    let mut indexed: Vec<(u64, Vec<f32>)> = rows
        .iter()
        .map(|row| {
            let index = row
                .get("text_index")
                .or_else(|| row.get("index"))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let v = row
                .get("embedding")
                .and_then(vector)
                .ok_or_else(|| Error::Protocol("a malformed embedding".into()))?;
            Ok((index, v))
        })
        .collect::<Result<_>>()?;
    indexed.sort_by_key(|(index, _)| *index);
    Ok(Embeddings {
        vectors: indexed.into_iter().map(|(_, v)| v).collect(),
        total_tokens: value
            .pointer("/usage/total_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        request_id: value
            .get("request_id")
            .or_else(|| value.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}
