//! Semantic search over messages (migration 0008): one embedding per message, kept as a
//! little-endian `f32` blob normalised to length 1, searched by brute force.
//!
//! Brute force rather than an approximate index: a history is at most a few hundred thousand
//! messages, a scan of 100,000 vectors takes tens of milliseconds (`examples/semantic_bench.rs`,
//! numbers in `docs/ARCHITECTURE.md`), and it needs no extension, no second file to keep
//! consistent and no rebuild when messages are deleted. Vectors are derived data, not ops: see the
//! migration.
//!
//! The index follows the messages by itself (foreign key and trigger), so what needs embedding
//! is "messages with text and no vector of the current model and dimension".

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{MessageRole, Result, Store, StoreError, now_ms, parse_role};

/// The most vector bytes held in memory between searches (a million 256-dimension vectors, or
/// 500,000 of 512); a larger index is read from the file at every search.
pub const MAX_CACHED_VECTOR_BYTES: usize = 1 << 30;
/// At most this many hits, whatever the caller asks.
const MAX_LIMIT: usize = 200;
/// Characters of a message shown with a hit.
const SNIPPET_CHARS: usize = 160;

/// A message whose text has no vector of the current model and dimension yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingMessage {
    pub message_id: String,
    pub content: String,
}

/// A message whose meaning is close to the query.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SemanticHit {
    pub message_id: String,
    pub conversation_id: String,
    pub conversation_title: String,
    pub role: MessageRole,
    /// The start of the message's text (no highlights: nothing matched literally).
    pub snippet: String,
    /// Cosine similarity, -1 to 1; higher is closer.
    pub score: f32,
    pub created_at: i64,
}

/// How much of the history has a vector of one model and dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VectorCounts {
    pub indexed: u64,
    /// Messages with text and no vector of this model and dimension (trashed conversations
    /// excluded).
    pub pending: u64,
}

/// Messages worth indexing: said (complete, or the text a cut reply kept), with text, by the user
/// or a model, in a conversation that is not in the trash.
const INDEXABLE: &str = "m.content <> '' AND m.status IN ('complete', 'partial') \
     AND m.role IN ('user', 'assistant') AND c.deleted_at IS NULL";

/// `vector` scaled to length 1, as little-endian bytes; `None` for a zero or non-finite vector,
/// whose direction means nothing.
pub fn normalized_blob(vector: &[f32]) -> Option<Vec<u8>> {
    let norm = vector
        .iter()
        .map(|v| f64::from(*v) * f64::from(*v))
        .sum::<f64>()
        .sqrt();
    if !(norm.is_finite() && norm > 0.0) {
        return None;
    }
    let mut blob = Vec::with_capacity(vector.len() * 4);
    for v in vector {
        blob.extend_from_slice(&((f64::from(*v) / norm) as f32).to_le_bytes());
    }
    Some(blob)
}

/// The dot product of two vectors of the same length, in eight lanes so the compiler can use
/// SIMD (a single running sum is a dependency chain it may not reorder).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for ((lane, x), y) in lanes.iter_mut().zip(x).zip(y) {
            *lane += x * y;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// [`dot`] of a query with a stored little-endian blob.
fn dot_blob(query: &[f32], blob: &[u8]) -> f32 {
    query
        .iter()
        .zip(blob.chunks_exact(4))
        .map(|(q, b)| q * f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .sum()
}

/// A candidate in the top-k heap, ordered so the heap's top is the worst kept.
struct Scored {
    score: f32,
    local_id: i64,
}

impl PartialEq for Scored {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Scored {}
impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: a lower score (then an older message) is "greater", so it sits on top.
        other
            .score
            .total_cmp(&self.score)
            .then(other.local_id.cmp(&self.local_id))
    }
}

fn snippet(content: &str) -> String {
    let mut snippet: String = content.chars().take(SNIPPET_CHARS).collect();
    if content.chars().nth(SNIPPET_CHARS).is_some() {
        snippet.push('…');
    }
    snippet
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl Store {
    /// Up to `limit` messages that need a vector of `model`/`dimension`, newest first (what is
    /// searched most is indexed first when indexing runs in slices).
    pub fn messages_to_embed(
        &self,
        model: &str,
        dimension: u32,
        limit: usize,
    ) -> Result<Vec<PendingMessage>> {
        let mut statement = self.conn().prepare_cached(&format!(
            "SELECT m.id, m.content FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             LEFT JOIN message_vectors v ON v.message_id = m.id AND v.model = ?1 AND v.dimension = ?2 \
             WHERE v.message_id IS NULL AND {INDEXABLE} \
             ORDER BY m.local_id DESC LIMIT ?3"
        ))?;
        let rows = statement.query_map(
            params![model, dimension, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| {
                Ok(PendingMessage {
                    message_id: r.get(0)?,
                    content: r.get(1)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores vectors (one transaction: a batch is kept whole or not at all), replacing any
    /// earlier vector of the message. A message deleted while its text was being embedded is
    /// skipped; one whose text changed meanwhile gets the vector and loses it again at its next
    /// change, which the trigger already made. Returns how many were stored.
    pub fn save_message_vectors(
        &self,
        model: &str,
        dimension: u32,
        vectors: &[(String, Vec<f32>)],
    ) -> Result<usize> {
        let tx = self.conn().unchecked_transaction()?;
        let mut stored = 0;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO message_vectors (message_id, model, dimension, vector, indexed_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM messages WHERE id = ?1) \
                 ON CONFLICT (message_id) DO UPDATE SET model = excluded.model, \
                 dimension = excluded.dimension, vector = excluded.vector, indexed_at = excluded.indexed_at",
            )?;
            let now = now_ms();
            for (message_id, vector) in vectors {
                if vector.len() != dimension as usize {
                    return Err(StoreError::InvalidValue {
                        what: "embedding",
                        value: format!(
                            "{} dimensions for message {message_id}, expected {dimension}",
                            vector.len()
                        ),
                    });
                }
                let Some(blob) = normalized_blob(vector) else {
                    tracing::warn!(message = %message_id, "an all-zero embedding was not stored");
                    continue;
                };
                stored += insert.execute(params![message_id, model, dimension, blob, now])?;
            }
        }
        tx.commit()?;
        Ok(stored)
    }

    /// How much of the history has vectors of `model`/`dimension`.
    pub fn vector_counts(&self, model: &str, dimension: u32) -> Result<VectorCounts> {
        let (indexed, pending): (i64, i64) = self.conn().query_row(
            &format!(
                "SELECT \
                   (SELECT COUNT(*) FROM message_vectors WHERE model = ?1 AND dimension = ?2), \
                   (SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
                    LEFT JOIN message_vectors v ON v.message_id = m.id AND v.model = ?1 AND v.dimension = ?2 \
                    WHERE v.message_id IS NULL AND {INDEXABLE})"
            ),
            params![model, dimension],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(VectorCounts {
            indexed: count(indexed),
            pending: count(pending),
        })
    }

    /// Whether any message has a vector of `model`/`dimension` (a query need not be embedded
    /// when none has).
    pub fn has_vectors(&self, model: &str, dimension: u32) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM message_vectors WHERE model = ?1 AND dimension = ?2 LIMIT 1",
                params![model, dimension],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// The `limit` messages closest in meaning to `query` (an embedding of `model`/`dimension`),
    /// best first, by cosine similarity over every stored vector. Conversations in the trash are
    /// left out, as in full-text search.
    ///
    /// The vectors are held in memory between searches (up to [`MAX_CACHED_VECTOR_BYTES`]) and
    /// read again only when a change counter kept by triggers says they changed; a larger index is
    /// read from the file on every search.
    pub fn semantic_search(
        &self,
        query: &[f32],
        model: &str,
        limit: usize,
    ) -> Result<Vec<SemanticHit>> {
        let limit = limit.min(MAX_LIMIT);
        let dimension = u32::try_from(query.len()).unwrap_or(u32::MAX);
        let Some(blob) = normalized_blob(query) else {
            return Ok(Vec::new());
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        let query: Vec<f32> = floats(&blob);
        let generation: i64 = self.conn().query_row(
            "SELECT generation FROM message_vectors_generation WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        let trashed: HashSet<String> = {
            let mut statement = self
                .conn()
                .prepare_cached("SELECT id FROM conversations WHERE deleted_at IS NOT NULL")?;
            let rows = statement.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut cache = self.vector_cache.borrow_mut();
        let fresh = cache.as_ref().is_some_and(|c| {
            c.generation == generation && c.model == model && c.dimension == dimension
        });
        if !fresh {
            *cache = self.load_vectors(model, dimension, generation)?;
        }
        let best = match cache.as_ref() {
            Some(cached) => cached.best(&query, &trashed, limit),
            None => self.best_from_file(&query, model, dimension, limit)?,
        };
        drop(cache);
        self.hits_for(best)
    }

    /// Every vector of `model`/`dimension` with its message's row and conversation, or `None`
    /// when they would take more than [`MAX_CACHED_VECTOR_BYTES`].
    fn load_vectors(
        &self,
        model: &str,
        dimension: u32,
        generation: i64,
    ) -> Result<Option<VectorCache>> {
        let rows: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM message_vectors WHERE model = ?1 AND dimension = ?2",
            params![model, dimension],
            |r| r.get(0),
        )?;
        let rows = usize::try_from(rows).unwrap_or(usize::MAX);
        let width = dimension as usize;
        if rows.saturating_mul(width).saturating_mul(4) > MAX_CACHED_VECTOR_BYTES {
            tracing::info!(
                rows,
                dimension,
                "too many vectors to keep in memory; searching the file"
            );
            return Ok(None);
        }
        let mut cache = VectorCache {
            generation,
            model: model.to_owned(),
            dimension,
            local_ids: Vec::with_capacity(rows),
            conversations: Vec::with_capacity(rows),
            conversation_ids: Vec::new(),
            data: Vec::with_capacity(rows * width),
        };
        let mut positions: HashMap<String, u32> = HashMap::new();
        let mut statement = self.conn().prepare_cached(
            "SELECT m.local_id, m.conversation_id, v.vector FROM message_vectors v \
             JOIN messages m ON m.id = v.message_id WHERE v.model = ?1 AND v.dimension = ?2",
        )?;
        let mut found = statement.query(params![model, dimension])?;
        while let Some(row) = found.next()? {
            let blob = blob_of(row, 2)?;
            if blob.len() != width * 4 {
                continue;
            }
            let conversation: String = row.get(1)?;
            let next = u32::try_from(cache.conversation_ids.len()).unwrap_or(u32::MAX);
            let position = *positions.entry(conversation.clone()).or_insert_with(|| {
                cache.conversation_ids.push(conversation);
                next
            });
            cache.local_ids.push(row.get(0)?);
            cache.conversations.push(position);
            cache.data.extend(
                blob.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
        }
        tracing::debug!(
            vectors = cache.local_ids.len(),
            dimension,
            "vectors loaded for semantic search"
        );
        Ok(Some(cache))
    }

    /// The best `limit` rows scored straight from the file, for an index too large to cache.
    fn best_from_file(
        &self,
        query: &[f32],
        model: &str,
        dimension: u32,
        limit: usize,
    ) -> Result<Vec<Scored>> {
        let mut best = TopK::new(limit);
        let mut statement = self.conn().prepare_cached(
            "SELECT m.local_id, v.vector FROM message_vectors v \
             JOIN messages m ON m.id = v.message_id \
             JOIN conversations c ON c.id = m.conversation_id \
             WHERE v.model = ?1 AND v.dimension = ?2 AND c.deleted_at IS NULL",
        )?;
        let mut rows = statement.query(params![model, dimension])?;
        while let Some(row) = rows.next()? {
            let blob = blob_of(row, 1)?;
            if blob.len() == query.len() * 4 {
                best.offer(dot_blob(query, blob), row.get(0)?);
            }
        }
        Ok(best.into_sorted())
    }

    /// The hits for scored rows, in their order.
    fn hits_for(&self, best: Vec<Scored>) -> Result<Vec<SemanticHit>> {
        let mut statement = self.conn().prepare_cached(
            "SELECT m.id, m.conversation_id, c.title, m.role, m.content, m.created_at \
             FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.local_id = ?1",
        )?;
        best.into_iter()
            .map(|scored| {
                let (message_id, conversation_id, conversation_title, role, content, created_at) =
                    statement.query_row(params![scored.local_id], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, i64>(5)?,
                        ))
                    })?;
                Ok(SemanticHit {
                    message_id,
                    conversation_id,
                    conversation_title,
                    role: parse_role(role)?,
                    snippet: snippet(&content),
                    score: scored.score,
                    created_at,
                })
            })
            .collect()
    }
}

/// The vectors of one model and dimension, in memory: row `i` is `data[i*d..(i+1)*d]`.
#[derive(Debug)]
pub(crate) struct VectorCache {
    generation: i64,
    model: String,
    dimension: u32,
    local_ids: Vec<i64>,
    /// Each row's conversation, as an index into `conversation_ids`.
    conversations: Vec<u32>,
    conversation_ids: Vec<String>,
    data: Vec<f32>,
}

impl VectorCache {
    fn best(&self, query: &[f32], trashed: &HashSet<String>, limit: usize) -> Vec<Scored> {
        let hidden: Vec<bool> = self
            .conversation_ids
            .iter()
            .map(|id| trashed.contains(id))
            .collect();
        let mut best = TopK::new(limit);
        for ((row, local_id), conversation) in self
            .data
            .chunks_exact(self.dimension as usize)
            .zip(&self.local_ids)
            .zip(&self.conversations)
        {
            if hidden.get(*conversation as usize).copied().unwrap_or(true) {
                continue;
            }
            best.offer(dot(query, row), *local_id);
        }
        best.into_sorted()
    }
}

/// The best `limit` of what is offered.
struct TopK {
    limit: usize,
    heap: BinaryHeap<Scored>,
}

impl TopK {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            heap: BinaryHeap::with_capacity(limit + 1),
        }
    }

    fn offer(&mut self, score: f32, local_id: i64) {
        if self.heap.len() < self.limit {
            self.heap.push(Scored { score, local_id });
        } else if self.heap.peek().is_some_and(|worst| score > worst.score) {
            self.heap.pop();
            self.heap.push(Scored { score, local_id });
        }
    }

    /// Best first.
    fn into_sorted(self) -> Vec<Scored> {
        self.heap.into_sorted_vec()
    }
}

fn blob_of<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> Result<&'r [u8]> {
    row.get_ref(column)?.as_blob().map_err(|e| {
        StoreError::Sqlite(rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Blob,
            Box::new(e),
        ))
    })
}

fn floats(blob: &[u8]) -> Vec<f32> {
    blob.chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_stored_normalised_and_zero_vectors_refused() {
        let blob = normalized_blob(&[3.0, 4.0]).expect("blob");
        assert_eq!(blob.len(), 8);
        let back: Vec<f32> = blob
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        assert!((back[0] - 0.6).abs() < 1e-6 && (back[1] - 0.8).abs() < 1e-6);
        assert!(normalized_blob(&[0.0, 0.0]).is_none());
        assert!(normalized_blob(&[f32::NAN, 1.0]).is_none());
        assert!((dot_blob(&back, &blob) - 1.0).abs() < 1e-6);
        let long: Vec<f32> = (0..19).map(|i| i as f32).collect();
        let plain: f32 = long.iter().map(|x| x * x).sum();
        assert_eq!(dot(&long, &long), plain);
    }

    #[test]
    fn the_heap_keeps_the_best_on_the_bottom() {
        let mut heap = BinaryHeap::new();
        for (score, local_id) in [(0.5, 1), (0.9, 2), (0.1, 3)] {
            heap.push(Scored { score, local_id });
        }
        assert_eq!(heap.peek().map(|s| s.local_id), Some(3), "the worst on top");
        let order: Vec<i64> = heap.into_sorted_vec().iter().map(|s| s.local_id).collect();
        assert_eq!(order, vec![2, 1, 3], "best first");
    }
}
