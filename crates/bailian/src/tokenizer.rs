//! DashScope's tokenizer (`POST /api/v1/tokenizer`, fixture `native-tokenizer.*`): how a model
//! splits a text into tokens. Only the answer is read here; the limiter's estimates do not need
//! the round trip.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokenization {
    pub token_ids: Vec<u64>,
    pub tokens: Vec<String>,
    pub input_tokens: Option<u64>,
    pub request_id: Option<String>,
}

impl Tokenization {
    /// Reads a tokenizer body; `None` without `output.token_ids`, or when the ids and tokens
    /// disagree in number (a body that does not describe one tokenization).
    pub fn from_body(body: &Value) -> Option<Self> {
        let output = body.get("output")?;
        let token_ids = output
            .get("token_ids")?
            .as_array()?
            .iter()
            .map(Value::as_u64)
            .collect::<Option<Vec<_>>>()?;
        let tokens = output
            .get("tokens")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|t| t.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            })
            .unwrap_or_else(|| Some(Vec::new()))?;
        if !tokens.is_empty() && tokens.len() != token_ids.len() {
            return None;
        }
        Some(Tokenization {
            token_ids,
            tokens,
            input_tokens: body.pointer("/usage/input_tokens").and_then(Value::as_u64),
            request_id: body
                .get("request_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }
}
