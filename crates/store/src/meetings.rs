//! Meetings (migration 0007): Tingwu's transcript, summary, chapters and action items, kept here
//! because the result URLs expire after 24 h. A meeting row exists before the create call and
//! holds Tingwu's `dataId` as soon as it is known, so a restart can go on polling.
//!
//! Meetings are local results, like image tasks: plain rows, not ops (see docs/ARCHITECTURE.md).

use rusqlite::{OptionalExtension, Row, Transaction, TransactionBehavior, params};
use serde::Serialize;

use crate::{Result, Store, StoreError, new_id, now_ms};

/// A meeting without its transcript and analyses: what a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeetingRecord {
    pub id: String,
    /// Tingwu's id, once the create call returned it.
    pub data_id: Option<String>,
    pub file_url: String,
    /// `submitting`, `running`, `succeeded` or `failed`.
    pub status: String,
    /// Our error code (the error doctor's).
    pub error_code: Option<String>,
    /// DashScope's or Tingwu's own code (`TSC.FileError`, `InvalidParameter`, …).
    pub dashscope_code: Option<String>,
    pub error_message: Option<String>,
    pub summary: Option<String>,
    pub keywords: Vec<String>,
    pub duration_ms: Option<i64>,
    pub sentence_count: i64,
    pub chapter_count: i64,
    pub action_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One sentence of the transcript; times in ms from the start of the recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeetingSentence {
    pub speaker: Option<String>,
    pub begin_ms: i64,
    pub end_ms: i64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeetingChapter {
    pub title: String,
    pub summary: Option<String>,
    pub begin_ms: i64,
    pub end_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeetingAction {
    pub text: String,
    pub begin_ms: Option<i64>,
    pub end_ms: Option<i64>,
}

/// A meeting with everything stored for it, in recording order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meeting {
    #[serde(flatten)]
    pub record: MeetingRecord,
    pub sentences: Vec<MeetingSentence>,
    pub chapters: Vec<MeetingChapter>,
    pub actions: Vec<MeetingAction>,
}

/// What a finished meeting produced, stored in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeetingContent {
    pub summary: Option<String>,
    pub keywords: Vec<String>,
    pub duration_ms: Option<i64>,
    /// The result documents as JSON text.
    pub documents: Option<String>,
    pub sentences: Vec<MeetingSentence>,
    pub chapters: Vec<MeetingChapter>,
    pub actions: Vec<MeetingAction>,
}

/// Why a meeting failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingFailure<'a> {
    pub code: &'a str,
    pub dashscope_code: Option<&'a str>,
    pub message: &'a str,
}

const RECORD_COLUMNS: &str = "m.id, m.data_id, m.file_url, m.status, m.error_code, m.dashscope_code, m.error_message, \
     m.summary, m.keywords, m.duration_ms, \
     (SELECT count(*) FROM meeting_sentences s WHERE s.meeting = m.id), \
     (SELECT count(*) FROM meeting_chapters c WHERE c.meeting = m.id), \
     (SELECT count(*) FROM meeting_actions a WHERE a.meeting = m.id), \
     m.created_at, m.updated_at";

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<(MeetingRecord, Option<String>)> {
    Ok((
        MeetingRecord {
            id: row.get(0)?,
            data_id: row.get(1)?,
            file_url: row.get(2)?,
            status: row.get(3)?,
            error_code: row.get(4)?,
            dashscope_code: row.get(5)?,
            error_message: row.get(6)?,
            summary: row.get(7)?,
            keywords: Vec::new(),
            duration_ms: row.get(9)?,
            sentence_count: row.get(10)?,
            chapter_count: row.get(11)?,
            action_count: row.get(12)?,
            created_at: row.get(13)?,
            updated_at: row.get(14)?,
        },
        row.get(8)?,
    ))
}

/// The keywords column is JSON text written by this module; anything else is a damaged value.
fn with_keywords((mut record, keywords): (MeetingRecord, Option<String>)) -> Result<MeetingRecord> {
    if let Some(text) = keywords {
        record.keywords = serde_json::from_str(&text).map_err(|_| StoreError::InvalidValue {
            what: "meeting keyword list",
            value: text.clone(),
        })?;
    }
    Ok(record)
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        what: "meeting",
        id: id.to_owned(),
    }
}

impl Store {
    /// Records a meeting before the create call, so a crash during it is visible later.
    pub fn create_meeting(&self, file_url: &str) -> Result<MeetingRecord> {
        let id = new_id();
        let now = now_ms();
        self.conn().execute(
            "INSERT INTO meetings (id, file_url, status, created_at, updated_at) VALUES (?1, ?2, 'submitting', ?3, ?3)",
            params![id, file_url, now],
        )?;
        self.meeting_record(&id)
    }

    /// Stores Tingwu's `dataId` the moment the create call returns it; the meeting is running.
    pub fn set_meeting_submitted(&self, id: &str, data_id: &str) -> Result<()> {
        self.update_meeting(
            id,
            "UPDATE meetings SET data_id = ?2, status = 'running', updated_at = ?3 WHERE id = ?1",
            params![id, data_id, now_ms()],
        )
    }

    /// Touches a running meeting (a poll saw it still working).
    pub fn set_meeting_running(&self, id: &str) -> Result<()> {
        self.update_meeting(
            id,
            "UPDATE meetings SET status = 'running', updated_at = ?2 WHERE id = ?1 AND status IN ('submitting', 'running')",
            params![id, now_ms()],
        )
    }

    pub fn set_meeting_failed(&self, id: &str, failure: MeetingFailure<'_>) -> Result<()> {
        self.update_meeting(
            id,
            "UPDATE meetings SET status = 'failed', error_code = ?2, dashscope_code = ?3, error_message = ?4, updated_at = ?5 WHERE id = ?1",
            params![id, failure.code, failure.dashscope_code, failure.message, now_ms()],
        )
    }

    fn update_meeting(&self, id: &str, sql: &str, params: impl rusqlite::Params) -> Result<()> {
        if self.conn().execute(sql, params)? == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }

    /// Stores a finished meeting's results and marks it succeeded, all or nothing. Storing again
    /// (a resumed meeting whose first storing was cut) replaces the parts.
    pub fn save_meeting_result(&self, id: &str, content: &MeetingContent) -> Result<()> {
        let keywords = crate::json_list(&content.keywords)?;
        let tx = Transaction::new_unchecked(self.conn(), TransactionBehavior::Immediate)?;
        let updated = tx.execute(
            "UPDATE meetings SET status = 'succeeded', summary = ?2, keywords = ?3, duration_ms = ?4, documents = ?5, \
             error_code = NULL, dashscope_code = NULL, error_message = NULL, updated_at = ?6 WHERE id = ?1",
            params![id, content.summary, keywords, content.duration_ms, content.documents, now_ms()],
        )?;
        if updated == 0 {
            return Err(not_found(id));
        }
        for table in ["meeting_sentences", "meeting_chapters", "meeting_actions"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE meeting = ?1"),
                params![id],
            )?;
        }
        {
            let mut insert = tx.prepare(
                "INSERT INTO meeting_sentences (meeting, position, speaker, begin_ms, end_ms, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (position, s) in content.sentences.iter().enumerate() {
                insert.execute(params![
                    id,
                    position as i64,
                    s.speaker,
                    s.begin_ms,
                    s.end_ms,
                    s.text
                ])?;
            }
            let mut insert = tx.prepare(
                "INSERT INTO meeting_chapters (meeting, position, title, summary, begin_ms, end_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (position, c) in content.chapters.iter().enumerate() {
                insert.execute(params![
                    id,
                    position as i64,
                    c.title,
                    c.summary,
                    c.begin_ms,
                    c.end_ms
                ])?;
            }
            let mut insert = tx.prepare(
                "INSERT INTO meeting_actions (meeting, position, text, begin_ms, end_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (position, a) in content.actions.iter().enumerate() {
                insert.execute(params![id, position as i64, a.text, a.begin_ms, a.end_ms])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn meeting_record(&self, id: &str) -> Result<MeetingRecord> {
        let row = self
            .conn()
            .query_row(
                &format!("SELECT {RECORD_COLUMNS} FROM meetings m WHERE m.id = ?1"),
                params![id],
                record_from_row,
            )
            .optional()?
            .ok_or_else(|| not_found(id))?;
        with_keywords(row)
    }

    /// A meeting with its transcript, chapters and action items.
    pub fn meeting(&self, id: &str) -> Result<Meeting> {
        let record = self.meeting_record(id)?;
        let conn = self.conn();
        let sentences = conn
            .prepare("SELECT speaker, begin_ms, end_ms, text FROM meeting_sentences WHERE meeting = ?1 ORDER BY position")?
            .query_map(params![id], |r| {
                Ok(MeetingSentence { speaker: r.get(0)?, begin_ms: r.get(1)?, end_ms: r.get(2)?, text: r.get(3)? })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let chapters = conn
            .prepare("SELECT title, summary, begin_ms, end_ms FROM meeting_chapters WHERE meeting = ?1 ORDER BY position")?
            .query_map(params![id], |r| {
                Ok(MeetingChapter { title: r.get(0)?, summary: r.get(1)?, begin_ms: r.get(2)?, end_ms: r.get(3)? })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let actions = conn
            .prepare("SELECT text, begin_ms, end_ms FROM meeting_actions WHERE meeting = ?1 ORDER BY position")?
            .query_map(params![id], |r| {
                Ok(MeetingAction { text: r.get(0)?, begin_ms: r.get(1)?, end_ms: r.get(2)? })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Meeting {
            record,
            sentences,
            chapters,
            actions,
        })
    }

    /// The result documents as Tingwu wrote them (JSON text), once the meeting succeeded.
    pub fn meeting_documents(&self, id: &str) -> Result<Option<String>> {
        self.conn()
            .query_row(
                "SELECT documents FROM meetings WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| not_found(id))
    }

    /// Newest first.
    pub fn meetings(&self, limit: usize) -> Result<Vec<MeetingRecord>> {
        self.meetings_where(
            "1 ORDER BY m.created_at DESC, m.id DESC LIMIT ?1",
            params![i64::try_from(limit).unwrap_or(i64::MAX)],
        )
    }

    /// Meetings to follow again after a restart, oldest first.
    pub fn unfinished_meetings(&self) -> Result<Vec<MeetingRecord>> {
        self.meetings_where(
            "m.status IN ('submitting', 'running') ORDER BY m.created_at, m.id",
            [],
        )
    }

    fn meetings_where(
        &self,
        condition: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<MeetingRecord>> {
        let mut statement = self.conn().prepare(&format!(
            "SELECT {RECORD_COLUMNS} FROM meetings m WHERE {condition}"
        ))?;
        let rows = statement
            .query_map(params, record_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(with_keywords).collect()
    }
}
