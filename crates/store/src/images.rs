//! Image tasks and their results (migration 0004). Bytes live in the database so backups, export
//! and restore carry them, and nothing depends on a URL that expires.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use crate::{Result, Store, StoreError, new_id, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageTask {
    pub id: String,
    /// DashScope's id, once the submit returned it.
    pub task_id: Option<String>,
    pub model: String,
    pub prompt: String,
    /// The request's parameters (size, n, seed, …) as JSON text.
    pub parameters: String,
    /// `submitting`, `pending`, `running`, `succeeded`, `partial`, `failed` or `canceled`.
    pub status: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One image of a task: stored (with its bytes kept apart) or failed with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredImage {
    pub id: String,
    pub task: String,
    pub position: i64,
    pub status: String,
    pub actual_prompt: Option<String>,
    pub mime: Option<String>,
    pub bytes: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// An image a task was given to edit (its bytes are read with [`Store::image_input_data`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageInput {
    pub task: String,
    pub position: i64,
    /// The stored result image it was taken from, when it was one.
    pub source_image: Option<String>,
    pub mime: String,
    pub bytes: i64,
}

/// An input image for [`Store::create_image_task_with_inputs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewImageInput<'a> {
    pub source_image: Option<&'a str>,
    pub mime: &'a str,
    pub data: &'a [u8],
}

const TASK_COLUMNS: &str = "id, task_id, model, prompt, parameters, status, error_code, error_message, created_at, updated_at";

fn task_from_row(row: &Row<'_>) -> rusqlite::Result<ImageTask> {
    Ok(ImageTask {
        id: row.get(0)?,
        task_id: row.get(1)?,
        model: row.get(2)?,
        prompt: row.get(3)?,
        parameters: row.get(4)?,
        status: row.get(5)?,
        error_code: row.get(6)?,
        error_message: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
    })
}

impl Store {
    /// Records a task before it is submitted, so a crash during the submit is visible later.
    pub fn create_image_task(
        &self,
        model: &str,
        prompt: &str,
        parameters: &str,
    ) -> Result<ImageTask> {
        let now = now_ms();
        let id = new_id();
        self.conn().execute(
            "INSERT INTO image_tasks (id, model, prompt, parameters, status, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, 'submitting', ?5, ?5)",
            params![id, model, prompt, parameters, now],
        )?;
        self.image_task(&id)
    }

    /// [`Store::create_image_task`] with the images the task edits, in one transaction: the
    /// inputs are recorded before anything is sent, like the task.
    pub fn create_image_task_with_inputs(
        &self,
        model: &str,
        prompt: &str,
        parameters: &str,
        inputs: &[NewImageInput<'_>],
    ) -> Result<ImageTask> {
        let now = now_ms();
        let id = new_id();
        let tx = self.conn().unchecked_transaction()?;
        tx.execute(
            "INSERT INTO image_tasks (id, model, prompt, parameters, status, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, 'submitting', ?5, ?5)",
            params![id, model, prompt, parameters, now],
        )?;
        for (position, input) in inputs.iter().enumerate() {
            tx.execute(
                "INSERT INTO image_task_inputs (task, position, source_image, mime, data) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, i64::try_from(position).unwrap_or(i64::MAX), input.source_image, input.mime, input.data],
            )?;
        }
        tx.commit()?;
        self.image_task(&id)
    }

    /// The images `task` was given to edit, in order.
    pub fn image_inputs_of(&self, task: &str) -> Result<Vec<ImageInput>> {
        let mut statement = self.conn().prepare(
            "SELECT task, position, source_image, mime, length(data) FROM image_task_inputs \
             WHERE task = ?1 ORDER BY position",
        )?;
        let rows = statement.query_map(params![task], |row| {
            Ok(ImageInput {
                task: row.get(0)?,
                position: row.get(1)?,
                source_image: row.get(2)?,
                mime: row.get(3)?,
                bytes: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// An input image's MIME type and bytes.
    pub fn image_input_data(&self, task: &str, position: i64) -> Result<(String, Vec<u8>)> {
        self.conn()
            .query_row(
                "SELECT mime, data FROM image_task_inputs WHERE task = ?1 AND position = ?2",
                params![task, position],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "image input",
                id: format!("{task}#{position}"),
            })
    }

    /// Stores DashScope's task id the moment the submit returns it.
    pub fn set_image_task_submitted(&self, id: &str, task_id: &str) -> Result<()> {
        self.update_image_task(id, "UPDATE image_tasks SET task_id = ?2, status = 'pending', updated_at = ?3 WHERE id = ?1", params![id, task_id, now_ms()])
    }

    pub fn set_image_task_status(
        &self,
        id: &str,
        status: &str,
        error: Option<(&str, &str)>,
    ) -> Result<()> {
        self.update_image_task(
            id,
            "UPDATE image_tasks SET status = ?2, error_code = ?3, error_message = ?4, updated_at = ?5 WHERE id = ?1",
            params![id, status, error.map(|e| e.0), error.map(|e| e.1), now_ms()],
        )
    }

    fn update_image_task(&self, id: &str, sql: &str, params: impl rusqlite::Params) -> Result<()> {
        if self.conn().execute(sql, params)? == 0 {
            return Err(StoreError::NotFound {
                what: "image task",
                id: id.to_owned(),
            });
        }
        Ok(())
    }

    /// Keeps an image's bytes; storing the same position twice (a resumed download) replaces it.
    pub fn save_image(
        &self,
        task: &str,
        position: i64,
        source_url: &str,
        actual_prompt: Option<&str>,
        mime: &str,
        data: &[u8],
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO images (id, task, position, status, source_url, actual_prompt, mime, data, created_at) \
             VALUES (?1, ?2, ?3, 'stored', ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (task, position) DO UPDATE SET status = 'stored', source_url = excluded.source_url, \
             actual_prompt = excluded.actual_prompt, mime = excluded.mime, data = excluded.data, error_code = NULL, error_message = NULL",
            params![new_id(), task, position, source_url, actual_prompt, mime, data, now_ms()],
        )?;
        Ok(())
    }

    /// Records why one image of a batch failed; the others keep theirs.
    pub fn save_image_failure(
        &self,
        task: &str,
        position: i64,
        code: &str,
        message: &str,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO images (id, task, position, status, error_code, error_message, created_at) \
             VALUES (?1, ?2, ?3, 'failed', ?4, ?5, ?6) \
             ON CONFLICT (task, position) DO UPDATE SET status = 'failed', error_code = excluded.error_code, error_message = excluded.error_message",
            params![new_id(), task, position, code, message, now_ms()],
        )?;
        Ok(())
    }

    pub fn image_task(&self, id: &str) -> Result<ImageTask> {
        self.conn()
            .query_row(
                &format!("SELECT {TASK_COLUMNS} FROM image_tasks WHERE id = ?1"),
                params![id],
                task_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "image task",
                id: id.to_owned(),
            })
    }

    /// Newest first.
    pub fn image_tasks(&self, limit: usize) -> Result<Vec<ImageTask>> {
        let mut statement = self.conn().prepare(&format!(
            "SELECT {TASK_COLUMNS} FROM image_tasks ORDER BY created_at DESC, id DESC LIMIT ?1"
        ))?;
        let rows = statement.query_map(
            params![i64::try_from(limit).unwrap_or(i64::MAX)],
            task_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Tasks to follow again after a restart: not yet finished on the server, or not yet stored here.
    pub fn unfinished_image_tasks(&self) -> Result<Vec<ImageTask>> {
        let mut statement = self.conn().prepare(&format!(
            "SELECT {TASK_COLUMNS} FROM image_tasks WHERE status IN ('submitting', 'pending', 'running') ORDER BY created_at, id"
        ))?;
        let rows = statement.query_map([], task_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn images_of(&self, task: &str) -> Result<Vec<StoredImage>> {
        let mut statement = self.conn().prepare(
            "SELECT id, task, position, status, actual_prompt, mime, COALESCE(length(data), 0), error_code, error_message \
             FROM images WHERE task = ?1 ORDER BY position",
        )?;
        let rows = statement.query_map(params![task], |row| {
            Ok(StoredImage {
                id: row.get(0)?,
                task: row.get(1)?,
                position: row.get(2)?,
                status: row.get(3)?,
                actual_prompt: row.get(4)?,
                mime: row.get(5)?,
                bytes: row.get(6)?,
                error_code: row.get(7)?,
                error_message: row.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// An image's bytes and MIME type.
    pub fn image_data(&self, image_id: &str) -> Result<(String, Vec<u8>)> {
        self.conn()
            .query_row(
                "SELECT COALESCE(mime, 'application/octet-stream'), data FROM images WHERE id = ?1 AND status = 'stored'",
                params![image_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound { what: "image", id: image_id.to_owned() })
    }
}
