//! Images attached to messages. Their bytes stay local to this store: they are written in the
//! transaction that inserts their message but are not ops (see `desk_domain::op`), and are read
//! one at a time, on demand, so listing a conversation never loads megabytes of images.

use std::collections::HashMap;

use desk_domain::{Attachment, AttachmentData, new_id};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Result, Store, StoreError};

fn length(bytes: &[u8]) -> i64 {
    i64::try_from(bytes.len()).unwrap_or(i64::MAX)
}

fn attachment_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Attachment> {
    Ok(Attachment {
        id: row.get(0)?,
        mime: row.get(1)?,
        bytes: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
    })
}

/// Stores `data` as the attachments of `message_id`, in order.
pub(crate) fn insert(
    conn: &Connection,
    message_id: &str,
    data: &[AttachmentData],
) -> Result<Vec<Attachment>> {
    let mut stored = Vec::with_capacity(data.len());
    for (position, item) in data.iter().enumerate() {
        let id = new_id();
        conn.prepare_cached(
            "INSERT INTO message_attachments (id, message_id, position, mime, byte_length, bytes) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            id,
            message_id,
            i64::try_from(position).unwrap_or(i64::MAX),
            item.mime,
            length(&item.bytes),
            item.bytes
        ])?;
        stored.push(Attachment {
            id,
            mime: item.mime.clone(),
            bytes: u64::try_from(item.bytes.len()).unwrap_or(u64::MAX),
        });
    }
    Ok(stored)
}

pub(crate) fn of_message(conn: &Connection, message_id: &str) -> Result<Vec<Attachment>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, mime, byte_length FROM message_attachments WHERE message_id = ?1 ORDER BY position",
    )?;
    let rows = statement.query_map(params![message_id], attachment_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The attachments of every message of a conversation, by message id.
pub(crate) fn of_conversation(
    conn: &Connection,
    conversation_id: &str,
) -> Result<HashMap<String, Vec<Attachment>>> {
    let mut statement = conn.prepare_cached(
        "SELECT a.id, a.mime, a.byte_length, a.message_id FROM message_attachments a \
         JOIN messages m ON m.id = a.message_id WHERE m.conversation_id = ?1 \
         ORDER BY a.message_id, a.position",
    )?;
    let rows = statement.query_map(params![conversation_id], |row| {
        Ok((row.get::<_, String>(3)?, attachment_from_row(row)?))
    })?;
    let mut by_message: HashMap<String, Vec<Attachment>> = HashMap::new();
    for row in rows {
        let (message_id, attachment) = row?;
        by_message.entry(message_id).or_default().push(attachment);
    }
    Ok(by_message)
}

impl Store {
    /// An attachment's MIME type and bytes.
    pub fn attachment_data(&self, attachment_id: &str) -> Result<(String, Vec<u8>)> {
        self.conn()
            .query_row(
                "SELECT mime, bytes FROM message_attachments WHERE id = ?1",
                params![attachment_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "attachment",
                id: attachment_id.to_owned(),
            })
    }
}
