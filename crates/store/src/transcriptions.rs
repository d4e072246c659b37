//! File transcriptions (migration 0011): Paraformer / Fun-ASR asynchronous tasks kept as jobs. A
//! job row exists before the submit call and holds DashScope's `task_id` as soon as it is known, so
//! a restart can go on polling; the transcript is stored here because its URL expires after 24 h.
//!
//! Jobs are local results, like meetings and image tasks: plain rows, not ops.

use rusqlite::{OptionalExtension, Row, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::{Result, Store, StoreError, new_id, now_ms};

/// Where a job stands. DashScope's states fold into these: `PENDING` (and the time before the
/// submit answered) is pending, `RUNNING`/`SUSPENDED` running, `SUCCEEDED` succeeded once the
/// transcript is stored, everything that ends otherwise failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptionStatus {
    Pending,
    Running,
    Succeeded,
    Failed,
}

impl TranscriptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TranscriptionStatus::Pending => "pending",
            TranscriptionStatus::Running => "running",
            TranscriptionStatus::Succeeded => "succeeded",
            TranscriptionStatus::Failed => "failed",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        [
            TranscriptionStatus::Pending,
            TranscriptionStatus::Running,
            TranscriptionStatus::Succeeded,
            TranscriptionStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }

    /// Pending or running: a job to follow.
    pub fn is_unfinished(self) -> bool {
        matches!(
            self,
            TranscriptionStatus::Pending | TranscriptionStatus::Running
        )
    }
}

/// A job without its sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptionRecord {
    pub id: String,
    pub file_url: String,
    pub model: String,
    pub language_hints: Vec<String>,
    /// DashScope's task id, once the submit returned it.
    pub task_id: Option<String>,
    pub status: TranscriptionStatus,
    /// Our error code (the error doctor's).
    pub error_code: Option<String>,
    /// DashScope's own code (`InvalidFile.DecodeFailed`, …).
    pub dashscope_code: Option<String>,
    pub error_message: Option<String>,
    /// The whole text, once succeeded.
    pub text: Option<String>,
    /// The billed length, when DashScope or the document reported it.
    pub duration_seconds: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One sentence of a transcript; times in ms from the start of the recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptionSentence {
    pub begin_ms: i64,
    pub end_ms: Option<i64>,
    pub text: String,
}

/// A job with its sentences (none until it succeeded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcription {
    pub record: TranscriptionRecord,
    pub sentences: Vec<TranscriptionSentence>,
}

/// What a finished job produced, stored in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TranscriptionResult {
    pub text: String,
    pub duration_seconds: Option<i64>,
    pub sentences: Vec<TranscriptionSentence>,
}

/// Why a job failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TranscriptionFailure<'a> {
    pub code: &'a str,
    pub dashscope_code: Option<&'a str>,
    pub message: &'a str,
}

const COLUMNS: &str = "id, file_url, model, language_hints, task_id, status, error_code, \
     dashscope_code, error_message, text, duration_seconds, created_at, updated_at";

/// The row as read, with the two columns that still need checking (hints JSON, status text).
type RawRecord = (TranscriptionRecord, Option<String>, String);

fn raw_record(row: &Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok((
        TranscriptionRecord {
            id: row.get(0)?,
            file_url: row.get(1)?,
            model: row.get(2)?,
            language_hints: Vec::new(),
            task_id: row.get(4)?,
            status: TranscriptionStatus::Pending,
            error_code: row.get(6)?,
            dashscope_code: row.get(7)?,
            error_message: row.get(8)?,
            text: row.get(9)?,
            duration_seconds: row.get(10)?,
            created_at: row.get(11)?,
            updated_at: row.get(12)?,
        },
        row.get(3)?,
        row.get(5)?,
    ))
}

/// Both columns are written by this module; anything else is a damaged value.
fn checked((mut record, hints, status): RawRecord) -> Result<TranscriptionRecord> {
    record.status =
        TranscriptionStatus::parse(&status).ok_or_else(|| StoreError::InvalidValue {
            what: "transcription status",
            value: status.clone(),
        })?;
    if let Some(text) = hints {
        record.language_hints =
            serde_json::from_str(&text).map_err(|_| StoreError::InvalidValue {
                what: "language hint list",
                value: text.clone(),
            })?;
    }
    Ok(record)
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        what: "transcription",
        id: id.to_owned(),
    }
}

impl Store {
    /// Records a job before the submit call, so a crash during it is visible later.
    pub fn create_transcription(
        &self,
        file_url: &str,
        model: &str,
        language_hints: &[String],
    ) -> Result<TranscriptionRecord> {
        let id = new_id();
        let now = now_ms();
        let hints = crate::json_list(language_hints)?;
        self.conn().execute(
            "INSERT INTO transcriptions (id, file_url, model, language_hints, status, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5)",
            params![id, file_url, model, hints, now],
        )?;
        self.transcription_record(&id)
    }

    /// Stores DashScope's task id the moment the submit returns it; the job stays pending.
    pub fn set_transcription_task(&self, id: &str, task_id: &str) -> Result<()> {
        self.update_transcription(
            id,
            "UPDATE transcriptions SET task_id = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, task_id, now_ms()],
        )
    }

    /// Moves an unfinished job to `status` (pending or running, as a poll saw it). Returns whether
    /// anything changed: a job that already ended, or is already in that state, is left alone.
    pub fn set_transcription_progress(
        &self,
        id: &str,
        status: TranscriptionStatus,
    ) -> Result<bool> {
        if !status.is_unfinished() {
            return Err(StoreError::InvalidValue {
                what: "transcription progress",
                value: status.as_str().to_owned(),
            });
        }
        let changed = self.conn().execute(
            "UPDATE transcriptions SET status = ?2, updated_at = ?3 \
             WHERE id = ?1 AND status IN ('pending', 'running') AND status <> ?2",
            params![id, status.as_str(), now_ms()],
        )?;
        if changed == 0 {
            // Tell a missing job from one that needed no change.
            self.transcription_record(id)?;
        }
        Ok(changed > 0)
    }

    pub fn set_transcription_failed(
        &self,
        id: &str,
        failure: TranscriptionFailure<'_>,
    ) -> Result<()> {
        self.update_transcription(
            id,
            "UPDATE transcriptions SET status = 'failed', error_code = ?2, dashscope_code = ?3, \
             error_message = ?4, updated_at = ?5 WHERE id = ?1",
            params![
                id,
                failure.code,
                failure.dashscope_code,
                failure.message,
                now_ms()
            ],
        )
    }

    fn update_transcription(
        &self,
        id: &str,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<()> {
        if self.conn().execute(sql, params)? == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }

    /// Stores a finished job's transcript and marks it succeeded, all or nothing. Storing again
    /// (a resumed job whose first storing was cut) replaces the sentences.
    pub fn save_transcription_result(&self, id: &str, result: &TranscriptionResult) -> Result<()> {
        let tx = Transaction::new_unchecked(self.conn(), TransactionBehavior::Immediate)?;
        let updated = tx.execute(
            "UPDATE transcriptions SET status = 'succeeded', text = ?2, duration_seconds = ?3, \
             error_code = NULL, dashscope_code = NULL, error_message = NULL, updated_at = ?4 WHERE id = ?1",
            params![id, result.text, result.duration_seconds, now_ms()],
        )?;
        if updated == 0 {
            return Err(not_found(id));
        }
        tx.execute(
            "DELETE FROM transcription_sentences WHERE transcription = ?1",
            params![id],
        )?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO transcription_sentences (transcription, position, begin_ms, end_ms, text) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (position, s) in result.sentences.iter().enumerate() {
                let position = i64::try_from(position).unwrap_or(i64::MAX);
                insert.execute(params![id, position, s.begin_ms, s.end_ms, s.text])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn transcription_record(&self, id: &str) -> Result<TranscriptionRecord> {
        let row = self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM transcriptions WHERE id = ?1"),
                params![id],
                raw_record,
            )
            .optional()?
            .ok_or_else(|| not_found(id))?;
        checked(row)
    }

    /// A job with its sentences.
    pub fn transcription(&self, id: &str) -> Result<Transcription> {
        let record = self.transcription_record(id)?;
        let sentences = self.transcription_sentences(id)?;
        Ok(Transcription { record, sentences })
    }

    fn transcription_sentences(&self, id: &str) -> Result<Vec<TranscriptionSentence>> {
        Ok(self
            .conn()
            .prepare(
                "SELECT begin_ms, end_ms, text FROM transcription_sentences \
                 WHERE transcription = ?1 ORDER BY position",
            )?
            .query_map(params![id], |r| {
                Ok(TranscriptionSentence {
                    begin_ms: r.get(0)?,
                    end_ms: r.get(1)?,
                    text: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Newest first, with their sentences.
    pub fn transcriptions(&self, limit: usize) -> Result<Vec<Transcription>> {
        let records = self.transcriptions_where(
            "1 ORDER BY created_at DESC, id DESC LIMIT ?1",
            params![i64::try_from(limit).unwrap_or(i64::MAX)],
        )?;
        records
            .into_iter()
            .map(|record| {
                let sentences = self.transcription_sentences(&record.id)?;
                Ok(Transcription { record, sentences })
            })
            .collect()
    }

    /// Jobs to follow again after a restart (pending or running), oldest first.
    pub fn unfinished_transcriptions(&self) -> Result<Vec<TranscriptionRecord>> {
        self.transcriptions_where(
            "status IN ('pending', 'running') ORDER BY created_at, id",
            [],
        )
    }

    /// Deletes a job and its transcript. Returns whether there was one.
    pub fn delete_transcription(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn()
            .execute("DELETE FROM transcriptions WHERE id = ?1", params![id])?
            > 0)
    }

    fn transcriptions_where(
        &self,
        condition: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<TranscriptionRecord>> {
        let mut statement = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM transcriptions WHERE {condition}"
        ))?;
        let rows = statement
            .query_map(params, raw_record)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(checked).collect()
    }
}
