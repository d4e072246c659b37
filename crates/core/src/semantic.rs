//! Semantic search: the profile's messages embedded with `text-embedding-v4` into the store's
//! vector table, and queries answered by cosine similarity, next to the full-text search.
//!
//! Indexing is incremental and resumable: each run embeds only messages without a vector of the
//! current model and dimension (the store drops a vector when its message is deleted, purged or
//! rewritten), at most 10 texts per call as the API allows, through the client's rate limiter and
//! retries, one ledger row per call. Every batch is stored as it arrives, so a run that stops (an
//! error, the budget, `max_messages`) keeps what it embedded and the next run goes on from there.
//!
//! Vectors are derived data, not ops (see `docs/ARCHITECTURE.md`): each device indexes its own
//! copy of the history.

use std::time::Instant;

use bailian::{EmbeddingRequest, Embeddings, TextType};
use desk_store::{SemanticHit, UsageKind};
use serde::{Deserialize, Serialize};

use crate::desk::{Connection, Desk};
use crate::error::{DeskError, ErrorCode};

/// The embedding model of the index.
pub const EMBEDDING_MODEL: &str = "text-embedding-v4";
/// Half of v4's default 1024: 2 KB per message (200 MB for 100,000 messages) and a scan twice as
/// fast, for a small loss of precision that ranking a personal history does not notice.
pub const DEFAULT_DIMENSION: u32 = 512;
/// The dimensions `text-embedding-v4` offers (reference §6).
pub const DIMENSIONS: &[u32] = &[64, 128, 256, 512, 768, 1024, 1536, 2048];
/// The settings table key of the chosen dimension.
pub const SETTING_DIMENSION: &str = "semantic.dimension";
/// Texts per embedding call: v3/v4 take 10 rows (reference §6).
pub const BATCH_ROWS: usize = 10;
/// Characters of a message that are embedded. v4 reads at most 8,192 tokens per row and a
/// Chinese character is about one token, so 6,000 characters fit whatever the language; what a
/// long message is about is in its first pages.
pub const MAX_EMBEDDED_CHARS: usize = 6_000;

/// The model and dimension the index is built with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SemanticConfig {
    pub model: String,
    pub dimension: u32,
}

/// How much of the history is indexed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexStatus {
    pub model: String,
    pub dimension: u32,
    /// Messages with a vector of this model and dimension.
    pub indexed: u64,
    /// Messages with text still waiting for one (conversations in the trash are not indexed).
    pub pending: u64,
}

/// What one indexing run did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexReport {
    pub model: String,
    pub dimension: u32,
    /// Messages embedded and stored by this run.
    pub embedded: u64,
    /// Embedding calls made (each of at most [`BATCH_ROWS`] messages).
    pub requests: u64,
    /// Tokens those calls consumed.
    pub tokens: u64,
    /// Messages with a vector after the run.
    pub indexed: u64,
    /// Messages still waiting after the run.
    pub pending: u64,
    /// Why the run stopped before `max_messages`, if it did: an API error after its retries, or
    /// the budget. What was embedded before it is kept.
    pub error: Option<DeskError>,
}

/// The part of `content` that is embedded.
fn embedded_text(content: &str) -> String {
    content.trim().chars().take(MAX_EMBEDDED_CHARS).collect()
}

impl Desk {
    /// The model and dimension of the index (the dimension from the settings, 512 by default).
    pub fn semantic_config(&self) -> Result<SemanticConfig, DeskError> {
        let stored = self.store().setting(SETTING_DIMENSION)?;
        let dimension = match stored.as_deref().map(str::parse::<u32>) {
            Some(Ok(d)) if DIMENSIONS.contains(&d) => d,
            Some(_) => {
                tracing::warn!(value = ?stored, "ignoring an invalid stored embedding dimension");
                DEFAULT_DIMENSION
            }
            None => DEFAULT_DIMENSION,
        };
        Ok(SemanticConfig {
            model: EMBEDDING_MODEL.to_owned(),
            dimension,
        })
    }

    /// Chooses the index's dimension. Vectors of another dimension stay stored but unused; the
    /// next indexing run embeds every message again at the new one (and costs accordingly).
    pub fn set_semantic_dimension(&self, dimension: u32) -> Result<SemanticConfig, DeskError> {
        if !DIMENSIONS.contains(&dimension) {
            return Err(DeskError::new(
                ErrorCode::BadRequest,
                format!("{EMBEDDING_MODEL} offers {DIMENSIONS:?} dimensions, not {dimension}"),
            ));
        }
        self.store()
            .set_setting(SETTING_DIMENSION, Some(&dimension.to_string()))?;
        self.semantic_config()
    }

    /// How much of the history is indexed for the current model and dimension.
    pub fn semantic_index_status(&self) -> Result<IndexStatus, DeskError> {
        let config = self.semantic_config()?;
        let counts = self
            .store()
            .vector_counts(&config.model, config.dimension)?;
        Ok(IndexStatus {
            model: config.model,
            dimension: config.dimension,
            indexed: counts.indexed,
            pending: counts.pending,
        })
    }

    /// Embeds up to `max_messages` messages that have no vector yet, newest first. Refused before
    /// any call without a key or with a spent budget that blocks; an API failure (after the
    /// client's retries and pacing) or the budget running out stops the run with the reason in
    /// [`IndexReport::error`], keeping every batch stored before it.
    pub async fn index_for_semantic_search(
        &self,
        max_messages: usize,
    ) -> Result<IndexReport, DeskError> {
        let connection = self.connection()?;
        self.check_budget(connection.demo)?;
        let config = self.semantic_config()?;
        let pending =
            self.store()
                .messages_to_embed(&config.model, config.dimension, max_messages)?;
        let mut report = IndexReport {
            model: config.model.clone(),
            dimension: config.dimension,
            embedded: 0,
            requests: 0,
            tokens: 0,
            indexed: 0,
            pending: 0,
            error: None,
        };
        let pending: Vec<_> = pending
            .into_iter()
            .map(|p| (p.message_id, embedded_text(&p.content)))
            // A text of only exotic whitespace has nothing to embed and the API refuses it.
            .filter(|(_, text)| !text.is_empty())
            .collect();
        tracing::info!(
            messages = pending.len(),
            dimension = config.dimension,
            "indexing for semantic search"
        );
        for (number, batch) in pending.chunks(BATCH_ROWS).enumerate() {
            // The budget was checked above for the first batch; a long run can spend it.
            if number > 0
                && let Err(error) = self.check_budget(connection.demo)
            {
                report.error = Some(error);
                break;
            }
            let texts = batch.iter().map(|(_, text)| text.clone()).collect();
            report.requests += 1;
            match self
                .embed_with(&connection, &config, texts, TextType::Document)
                .await
            {
                Ok(embeddings) => {
                    report.tokens += embeddings.total_tokens;
                    let vectors: Vec<(String, Vec<f32>)> = batch
                        .iter()
                        .map(|(id, _)| id.clone())
                        .zip(embeddings.vectors)
                        .collect();
                    let stored = self.store().save_message_vectors(
                        &config.model,
                        config.dimension,
                        &vectors,
                    )?;
                    report.embedded += u64::try_from(stored).unwrap_or(u64::MAX);
                }
                Err(error) => {
                    tracing::warn!(code = error.code.as_str(), %error, embedded = report.embedded, "indexing stopped");
                    report.error = Some(error);
                    break;
                }
            }
        }
        let counts = self
            .store()
            .vector_counts(&config.model, config.dimension)?;
        report.indexed = counts.indexed;
        report.pending = counts.pending;
        Ok(report)
    }

    /// The `limit` messages closest in meaning to `query`, best first; conversations in the trash
    /// are left out. Only indexed messages can be found (see
    /// [`Desk::index_for_semantic_search`]); with nothing indexed the answer is empty and no call
    /// is made. The query itself is embedded (one paid call, in the ledger).
    pub async fn semantic_search(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<SemanticHit>, DeskError> {
        let query = embedded_text(query);
        if query.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let config = self.semantic_config()?;
        if !self.store().has_vectors(&config.model, config.dimension)? {
            return Ok(Vec::new());
        }
        let connection = self.connection()?;
        self.check_budget(connection.demo)?;
        let embeddings = self
            .embed_with(&connection, &config, vec![query], TextType::Query)
            .await?;
        let vector = embeddings
            .vectors
            .into_iter()
            .next()
            .ok_or_else(|| DeskError::new(ErrorCode::ServerError, "no embedding came back"))?;
        Ok(self
            .store()
            .semantic_search(&vector, &config.model, limit)?)
    }

    /// One embedding call at the index's model and dimension, recorded in the ledger.
    async fn embed_with(
        &self,
        connection: &Connection,
        config: &SemanticConfig,
        texts: Vec<String>,
        text_type: TextType,
    ) -> Result<Embeddings, DeskError> {
        let mut request = EmbeddingRequest::new(config.model.clone(), texts);
        request.dimension = Some(config.dimension);
        request.text_type = Some(text_type);
        let started = Instant::now();
        let result = connection
            .client
            .embed(&request)
            .await
            .map_err(DeskError::from)
            .and_then(|embeddings| {
                // A vector of another size would be stored under the wrong index.
                match embeddings
                    .vectors
                    .iter()
                    .find(|v| v.len() != config.dimension as usize)
                {
                    Some(v) => Err(DeskError::new(
                        ErrorCode::ServerError,
                        format!("asked for {} dimensions, got {}", config.dimension, v.len()),
                    )),
                    None => Ok(embeddings),
                }
            });
        self.record_call(
            UsageKind::Embedding,
            &config.model,
            "tokens",
            started,
            result.as_ref().map(|e| Some(e.total_tokens)),
        );
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_and_whitespace_is_nothing() {
        assert_eq!(embedded_text("  hello \n"), "hello");
        assert_eq!(embedded_text("\u{3000}\n"), "");
        let long = "字".repeat(MAX_EMBEDDED_CHARS + 10);
        assert_eq!(embedded_text(&long).chars().count(), MAX_EMBEDDED_CHARS);
        assert!(bailian::limiter::estimate_tokens(&embedded_text(&long)) <= 8_192);
    }
}
