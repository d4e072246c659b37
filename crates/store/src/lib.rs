//! The local store: one SQLite file holding conversations and messages.
//!
//! A reply is written while it streams (status `streaming`), so a crash or a broken connection
//! never loses the text that arrived: [`Store::open`] turns replies left `streaming` by a crash into
//! `partial`, and the core marks a broken stream `partial` with its error.

mod migrations;
mod model;

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, Row, params};

pub use model::{
    Conversation, Message, MessageError, MessageRole, MessageStatus, NewMessage, Usage,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the database was written by a newer version of Bailian Desk (schema {found}, this build knows {known})"
    )]
    TooNew { found: i64, known: i64 },
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("stored value {value:?} is not a valid {what}")]
    Corrupt { what: &'static str, value: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub struct Store {
    conn: Connection,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.conn.path())
            .finish()
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

const MESSAGE_COLUMNS: &str = "id, conversation_id, role, content, status, model, demo, error_code, error_message, \
     request_id, input_tokens, output_tokens, total_tokens, created_at, updated_at";

impl Store {
    /// Opens (creating if needed) the database at `path`, migrates it, and recovers replies a
    /// crash left half-written.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::DataDir {
                path: parent.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open(path)?;
        // WAL keeps readers unblocked while a reply streams in; NORMAL sync is durable across
        // application crashes, which is what streaming writes need to survive.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::setup(conn)
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Self> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::apply(&mut conn)?;
        let store = Self { conn };
        let recovered = store.recover_interrupted()?;
        if recovered > 0 {
            tracing::warn!(
                recovered,
                "replies interrupted by a previous crash were marked partial"
            );
        }
        Ok(store)
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Replies still `streaming` when no stream can be running (at start-up) were cut by a crash.
    fn recover_interrupted(&self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE messages SET status = 'partial', error_code = 'stream_interrupted', \
             error_message = 'The app closed before this reply finished.', updated_at = ?1 \
             WHERE status = 'streaming'",
            params![now_ms()],
        )?)
    }

    pub fn create_conversation(&self, title: &str, model: &str) -> Result<Conversation> {
        let now = now_ms();
        let conversation = Conversation {
            id: new_id(),
            title: title.to_owned(),
            model: model.to_owned(),
            created_at: now,
            updated_at: now,
            message_count: 0,
        };
        self.conn.execute(
            "INSERT INTO conversations (id, title, model, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![conversation.id, conversation.title, conversation.model, now, now],
        )?;
        Ok(conversation)
    }

    /// Newest first.
    pub fn list_conversations(&self) -> Result<Vec<Conversation>> {
        let mut statement = self.conn.prepare(
            "SELECT c.id, c.title, c.model, c.created_at, c.updated_at, \
                    (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) \
             FROM conversations c ORDER BY c.updated_at DESC, c.id DESC",
        )?;
        let rows = statement.query_map([], conversation_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn conversation(&self, id: &str) -> Result<Conversation> {
        self.conn
            .query_row(
                "SELECT c.id, c.title, c.model, c.created_at, c.updated_at, \
                        (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) \
                 FROM conversations c WHERE c.id = ?1",
                params![id],
                conversation_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "conversation",
                id: id.to_owned(),
            })
    }

    /// Oldest first.
    pub fn messages(&self, conversation_id: &str) -> Result<Vec<Message>> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 ORDER BY created_at, id"
        ))?;
        let rows = statement.query_map(params![conversation_id], raw_message)?;
        rows.map(|row| {
            row.map_err(StoreError::from)
                .and_then(RawMessage::into_message)
        })
        .collect()
    }

    pub fn message(&self, id: &str) -> Result<Message> {
        self.conn
            .query_row(
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"),
                params![id],
                raw_message,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "message",
                id: id.to_owned(),
            })?
            .into_message()
    }

    /// Inserts messages atomically: a prompt and the placeholder for its reply land together.
    pub fn insert_messages(
        &mut self,
        conversation_id: &str,
        new: &[NewMessage],
    ) -> Result<Vec<Message>> {
        let tx = self.conn.transaction()?;
        let now = now_ms();
        let mut inserted = Vec::with_capacity(new.len());
        for message in new {
            // Rows written in the same millisecond keep their order through their ids: UUIDv7s
            // from one process increase monotonically, and reads sort by (created_at, id).
            let created_at = now;
            let id = new_id();
            tx.execute(
                &format!("INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, NULL, NULL, NULL, NULL, NULL, ?8, ?8)"),
                params![
                    id,
                    conversation_id,
                    message.role.as_str(),
                    message.content,
                    message.status.as_str(),
                    message.model,
                    message.demo,
                    created_at
                ],
            )?;
            inserted.push(Message {
                id,
                conversation_id: conversation_id.to_owned(),
                role: message.role,
                content: message.content.clone(),
                status: message.status,
                model: message.model.clone(),
                demo: message.demo,
                error: None,
                usage: None,
                request_id: None,
                created_at,
                updated_at: created_at,
            });
        }
        let touched = tx.execute(
            "UPDATE conversations SET updated_at = ?2 WHERE id = ?1",
            params![conversation_id, now],
        )?;
        if touched == 0 {
            return Err(StoreError::NotFound {
                what: "conversation",
                id: conversation_id.to_owned(),
            });
        }
        tx.commit()?;
        Ok(inserted)
    }

    /// Saves the text a streaming reply has so far.
    pub fn save_streaming_text(&self, message_id: &str, content: &str) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE messages SET content = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'streaming'",
            params![message_id, content, now_ms()],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "streaming message",
                id: message_id.to_owned(),
            });
        }
        Ok(())
    }

    /// Records how a reply ended: its final text, status, usage and error.
    pub fn finish_message(
        &self,
        message_id: &str,
        content: &str,
        status: MessageStatus,
        usage: Option<Usage>,
        error: Option<&MessageError>,
        request_id: Option<&str>,
    ) -> Result<Message> {
        let tokens = |f: fn(&Usage) -> u64| {
            usage
                .as_ref()
                .map(|u| i64::try_from(f(u)).unwrap_or(i64::MAX))
        };
        let changed = self.conn.execute(
            "UPDATE messages SET content = ?2, status = ?3, error_code = ?4, error_message = ?5, request_id = ?6, \
             input_tokens = ?7, output_tokens = ?8, total_tokens = ?9, updated_at = ?10 WHERE id = ?1",
            params![
                message_id,
                content,
                status.as_str(),
                error.map(|e| e.code.as_str()),
                error.map(|e| e.message.as_str()),
                request_id,
                tokens(|u| u.input_tokens),
                tokens(|u| u.output_tokens),
                tokens(|u| u.total_tokens),
                now_ms()
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "message",
                id: message_id.to_owned(),
            });
        }
        self.message(message_id)
    }
}

fn conversation_from_row(row: &Row<'_>) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: row.get(0)?,
        title: row.get(1)?,
        model: row.get(2)?,
        created_at: row.get(3)?,
        updated_at: row.get(4)?,
        message_count: row.get(5)?,
    })
}

/// A row as stored, before its enum columns are checked.
struct RawMessage {
    id: String,
    conversation_id: String,
    role: String,
    content: String,
    status: String,
    model: Option<String>,
    demo: bool,
    error_code: Option<String>,
    error_message: Option<String>,
    request_id: Option<String>,
    tokens: [Option<i64>; 3],
    created_at: i64,
    updated_at: i64,
}

fn raw_message(row: &Row<'_>) -> rusqlite::Result<RawMessage> {
    Ok(RawMessage {
        id: row.get(0)?,
        conversation_id: row.get(1)?,
        role: row.get(2)?,
        content: row.get(3)?,
        status: row.get(4)?,
        model: row.get(5)?,
        demo: row.get(6)?,
        error_code: row.get(7)?,
        error_message: row.get(8)?,
        request_id: row.get(9)?,
        tokens: [row.get(10)?, row.get(11)?, row.get(12)?],
        created_at: row.get(13)?,
        updated_at: row.get(14)?,
    })
}

impl RawMessage {
    fn into_message(self) -> Result<Message> {
        let role = MessageRole::parse(&self.role).ok_or(StoreError::Corrupt {
            what: "message role",
            value: self.role.clone(),
        })?;
        let status = MessageStatus::parse(&self.status).ok_or(StoreError::Corrupt {
            what: "message status",
            value: self.status.clone(),
        })?;
        let error = self.error_code.map(|code| MessageError {
            code,
            message: self.error_message.unwrap_or_default(),
        });
        let usage = match self.tokens {
            [Some(input), Some(output), Some(total)] => Some(Usage {
                input_tokens: u64::try_from(input).unwrap_or(0),
                output_tokens: u64::try_from(output).unwrap_or(0),
                total_tokens: u64::try_from(total).unwrap_or(0),
            }),
            _ => None,
        };
        Ok(Message {
            id: self.id,
            conversation_id: self.conversation_id,
            role,
            content: self.content,
            status,
            model: self.model,
            demo: self.demo,
            error,
            usage,
            request_id: self.request_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
