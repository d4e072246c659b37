//! The local store: one SQLite file holding conversations, messages, their full-text index and
//! the op log that records every change for sync.
//!
//! A reply is written while it streams (status `streaming`), so a crash or a broken connection
//! never loses the text that arrived: [`Store::open`] turns replies left `streaming` by a crash into
//! `partial`, and the core marks a broken stream `partial` with its error.
//!
//! The user's history is never silently lost: a file that is damaged is reported as
//! [`StoreError::Corrupt`] (never replaced by an empty database), and every schema upgrade is
//! preceded by a backup that is restored if the upgrade fails.

mod assistants;
mod attachments;
mod backup;
mod chat;
mod images;
mod import;
mod meetings;
mod migrations;
mod oplog;
mod search;
mod transcriptions;
mod usage;
mod vectors;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use desk_domain::{
    Change, Clock, ConversationCreated, ConversationUpdated, HybridClock, MessageFinished,
    MessageInserted, SystemClock,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

pub use backup::{BackupInfo, backups_dir, list_backups, restore_backup};
pub use desk_domain::{
    Attachment, AttachmentData, ChatParams, Conversation, ConversationPatch, ConversationScope,
    DeviceId, FinishReason, Hlc, Message, MessageError, MessageRole, MessageStatus, NewMessage, Op,
    ResponseFormat, SearchSource, ToolCall, ToolChoice, ToolDefinition, ToolResult, Usage,
};
pub use images::{ImageInput, ImageTask, NewImageInput, StoredImage};
pub use import::{ImportCounts, ImportedConversation};
pub use meetings::{
    Meeting, MeetingAction, MeetingChapter, MeetingContent, MeetingFailure, MeetingRecord,
    MeetingSentence,
};
#[doc(hidden)]
pub use migrations::{MIGRATIONS, Migration};
pub use oplog::ApplyReport;
pub use search::{FALLBACK_SCAN_ROWS, HIGHLIGHT_END, HIGHLIGHT_START, SearchHit};
pub use transcriptions::{
    Transcription, TranscriptionFailure, TranscriptionRecord, TranscriptionResult,
    TranscriptionSentence, TranscriptionStatus,
};
pub use usage::{
    NewUsage, SETTING_BUDGET_AT_LIMIT, SETTING_BUDGET_MONTHLY_CNY, UsageGroup, UsageKind,
    UsageRecord, UsageStatus, UsageTotal,
};
pub use vectors::{PendingMessage, SemanticHit, VectorCounts, normalized_blob};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the database was written by a newer version of Bailian Desk (schema {found}, this build knows {known})"
    )]
    TooNew { found: i64, known: i64 },
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error(
        "conversation {id} is not in the trash; only a conversation in the trash can be deleted for good"
    )]
    NotInTrash { id: String },
    #[error("stored value {value:?} is not a valid {what}")]
    InvalidValue { what: &'static str, value: String },
    #[error(
        "the history database {path} is damaged and was not opened; nothing was deleted. {}",
        match latest_backup {
            Some(backup) => format!("The latest backup is {}.", backup.display()),
            None => "No backup was found.".to_owned(),
        }
    )]
    Corrupt {
        path: PathBuf,
        latest_backup: Option<PathBuf>,
    },
    #[error(
        "upgrading the history database to schema {version} failed ({reason}); your data was restored from the backup {backup} and is as it was before the upgrade"
    )]
    MigrationFailed {
        version: i64,
        backup: PathBuf,
        reason: String,
    },
    #[error(
        "upgrading the history database failed ({reason}) and restoring the backup failed too ({restore}); your data is safe in the backup {backup}"
    )]
    RestoreFailed {
        backup: PathBuf,
        reason: String,
        restore: String,
    },
    #[error("creating the history database failed at schema {version}: {reason}")]
    SchemaFailed { version: i64, reason: String },
    #[error("the backup {path} cannot be used: {reason}")]
    BackupUnusable { path: PathBuf, reason: String },
    #[error(
        "op {seq} of device {device_id} arrived with a different id than the one stored: two installs are writing one log"
    )]
    OpConflict { device_id: String, seq: u64 },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

type DeskClock = HybridClock<Box<dyn Clock + Send>>;

/// Files up to this size get the full `PRAGMA quick_check` on every open (under a second on the
/// reference machine); larger ones only after an unclean shutdown.
pub const FULL_CHECK_ON_OPEN_MAX_BYTES: u64 = 64 * 1024 * 1024;

pub struct Store {
    conn: Connection,
    device: DeviceId,
    clock: RefCell<DeskClock>,
    /// Semantic search's vectors between searches (see `vectors`).
    vector_cache: RefCell<Option<vectors::VectorCache>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.conn.path())
            .field("device", &self.device)
            .finish()
    }
}

pub fn now_ms() -> i64 {
    i64::try_from(SystemClock.now_ms()).unwrap_or(i64::MAX)
}

pub use desk_domain::new_id;

impl Store {
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, migrates it, and recovers replies a
    /// crash left half-written. A damaged file is refused with [`StoreError::Corrupt`]; a failed
    /// upgrade is undone from its backup and reported as [`StoreError::MigrationFailed`].
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with_migrations(path, MIGRATIONS)
    }

    /// [`Store::open`] with another list of migrations, which must begin with [`MIGRATIONS`]: lets
    /// tests append a step that fails.
    #[doc(hidden)]
    pub fn open_with_migrations(path: &Path, migrations: &[Migration]) -> Result<Self> {
        Self::open_with(path, migrations, FULL_CHECK_ON_OPEN_MAX_BYTES)
    }

    /// [`Store::open`] with the size above which a cleanly closed file gets only the cheap checks;
    /// lets tests exercise that path on small files.
    #[doc(hidden)]
    pub fn open_with_check_limit(path: &Path, full_check_max_bytes: u64) -> Result<Self> {
        Self::open_with(path, MIGRATIONS, full_check_max_bytes)
    }

    fn open_with(path: &Path, migrations: &[Migration], full_check_max_bytes: u64) -> Result<Self> {
        let data_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| Path::new("."));
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let corrupt = || StoreError::Corrupt {
            path: path.to_owned(),
            latest_backup: backup::latest_backup(data_dir),
        };
        let existing_len = std::fs::metadata(path).map(|m| m.len()).ok();
        // A clean close checkpoints and deletes the WAL; finding one with frames means the last
        // session crashed or was killed.
        let unclean = std::fs::metadata(backup::sidecar(path, "-wal")).is_ok_and(|m| m.len() > 0);
        // An empty file is what SQLite leaves when it crashes before its first write, so on its own
        // it is a new database. Next to backups it is a history that was lost: say so rather than
        // start afresh over it.
        if existing_len == Some(0) && backup::latest_backup(data_dir).is_some() {
            tracing::error!(path = %path.display(), "the database file is empty but backups exist");
            return Err(corrupt());
        }
        let mut conn = Connection::open(path)?;
        let prepared = (|| -> rusqlite::Result<i64> {
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            // WAL keeps readers unblocked while a reply streams in; NORMAL sync is durable across
            // application crashes, which is what streaming writes need to survive.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            migrations::version(&conn)
        })();
        let version = match prepared {
            Ok(version) => version,
            Err(error) if backup::is_corruption(&error) => {
                tracing::error!(path = %path.display(), %error, "the database file is damaged");
                return Err(corrupt());
            }
            Err(error) => return Err(error.into()),
        };
        if let Some(len) = existing_len.filter(|len| *len > 0) {
            // `quick_check` reads every page (about 90 MB/s on the reference machine, so ~20 s for
            // a history of a million messages): affordable on every start only for small files,
            // and always worth it after a crash. Otherwise the cheap checks catch what damage
            // usually looks like (foreign bytes, a cut file), and the full check is left to
            // `Store::quick_check`, which the app can run in the background.
            let verdict = if len <= full_check_max_bytes || unclean {
                backup::check(&conn, "quick_check")
            } else {
                backup::cheap_check(&conn, len)
            };
            if let Err(problem) = verdict {
                tracing::error!(path = %path.display(), %problem, "the database failed its check");
                return Err(corrupt());
            }
        }
        let latest = migrations::latest(migrations);
        if version > latest {
            return Err(StoreError::TooNew {
                found: version,
                known: latest,
            });
        }
        if version < latest {
            let safety_copy = if version > 0 {
                let dir = backups_dir(data_dir);
                let copy = backup::take(&conn, &dir, &format!("desk-pre-v{}", version + 1))?;
                tracing::info!(backup = %copy.display(), from = version, to = latest, "database backed up before upgrading");
                Some(copy)
            } else {
                None
            };
            if let Err((failed_version, reason)) = upgrade(&mut conn, migrations) {
                let Some(copy) = safety_copy else {
                    // A new database: there was no data to protect.
                    return Err(StoreError::SchemaFailed {
                        version: failed_version,
                        reason,
                    });
                };
                tracing::error!(version = failed_version, %reason, backup = %copy.display(), "upgrade failed; restoring the backup");
                drop(conn);
                return match backup::restore_over(path, &copy) {
                    Ok(()) => Err(StoreError::MigrationFailed {
                        version: failed_version,
                        backup: copy,
                        reason,
                    }),
                    Err(restore) => Err(StoreError::RestoreFailed {
                        backup: copy,
                        reason,
                        restore: restore.to_string(),
                    }),
                };
            }
        }
        Self::setup(conn)
    }

    pub fn open_in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::apply(&mut conn, MIGRATIONS).map_err(|failed| failed.error)?;
        Self::setup(conn)
    }

    fn setup(conn: Connection) -> Result<Self> {
        let device = oplog::ensure_device(&conn)?;
        let mut clock: DeskClock = HybridClock::new(device, Box::new(SystemClock));
        if let Some(latest) = oplog::latest_hlc(&conn)? {
            // Persisted timestamps carry the clock across restarts: a wall clock set back while
            // the app was closed must not produce ops that sort before earlier ones.
            if let Err(error) = clock.observe(&latest) {
                tracing::warn!(%error, "the op log holds a timestamp far ahead of this clock");
            }
        }
        let store = Self {
            conn,
            device,
            clock: RefCell::new(clock),
            vector_cache: RefCell::new(None),
        };
        store.apply_pending()?;
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
        Ok(migrations::version(&self.conn)?)
    }

    /// This database's identity as a writer of ops.
    pub fn device_id(&self) -> DeviceId {
        self.device
    }

    /// A consistent copy of the database (SQLite's online backup) written into `dir` as
    /// `desk-{unix_ms}.sqlite3`; `backups_dir(data_dir)` is where [`list_backups`] looks.
    pub fn backup_now(&self, dir: &Path) -> Result<PathBuf> {
        backup::take(&self.conn, dir, "desk")
    }

    /// Runs `PRAGMA quick_check` over the whole file. [`Store::open`] skips it for large files
    /// that were closed cleanly (see [`FULL_CHECK_ON_OPEN_MAX_BYTES`]); the app can run it in the
    /// background instead. A failure is [`StoreError::Corrupt`].
    pub fn quick_check(&self) -> Result<()> {
        backup::check(&self.conn, "quick_check").map_err(|problem| {
            tracing::error!(%problem, "the database failed its quick check");
            let path = PathBuf::from(self.conn.path().unwrap_or_default());
            let latest_backup = path.parent().and_then(backup::latest_backup);
            StoreError::Corrupt {
                path,
                latest_backup,
            }
        })
    }

    /// Runs `PRAGMA integrity_check`: `Ok(())` when the database is sound, else the problems.
    pub fn integrity_check(&self) -> Result<(), String> {
        backup::check(&self.conn, "integrity_check")
    }

    /// A write transaction. IMMEDIATE takes the write lock up front, so two processes on one
    /// file (the app and the CLI) cannot both read the same last `seq` and then both append.
    fn write<T>(&self, body: impl FnOnce(&mut oplog::Writer<'_>) -> Result<T>) -> Result<T> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let mut clock = self.clock.borrow_mut();
        let mut writer = oplog::Writer::new(&tx, self.device, &mut clock);
        let value = body(&mut writer)?;
        tx.commit()?;
        Ok(value)
    }

    /// Replies still `streaming` when no stream can be running (at start-up) were cut by a crash.
    /// Only this device's: a reply another device is streaming arrives as `streaming` and is
    /// finished by that device's own op. Each recovery is a finish op, so other devices learn the
    /// outcome and the text, reasoning and search sources saved so far.
    fn recover_interrupted(&self) -> Result<usize> {
        self.write(|writer| {
            let stuck: Vec<String> = {
                let mut statement = writer.conn().prepare(
                    "SELECT id FROM messages WHERE status = 'streaming' \
                     AND (origin_device = ?1 OR origin_device IS NULL) ORDER BY local_id",
                )?;
                let rows = statement.query_map(params![self.device.to_string()], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let now = now_ms();
            for id in &stuck {
                let saved = message_in(writer.conn(), id)?;
                writer.record(Change::MessageFinished(MessageFinished {
                    reasoning: saved.reasoning,
                    search_sources: saved.search_sources,
                    tool_calls: saved.tool_calls,
                    ..MessageFinished::plain(
                        id.clone(),
                        saved.content,
                        MessageStatus::Partial,
                        Some(MessageError {
                            code: "stream_interrupted".into(),
                            message: "The app closed before this reply finished.".into(),
                        }),
                        now,
                    )
                }))?;
            }
            Ok(stuck.len())
        })
    }

    pub fn create_conversation(&self, title: &str, model: &str) -> Result<Conversation> {
        self.create_conversation_with(title, model, &ChatParams::default())
    }

    /// A new conversation with its own parameters: its creation and (when they are not the
    /// defaults) its parameters are two ops of one transaction.
    pub fn create_conversation_with(
        &self,
        title: &str,
        model: &str,
        chat_params: &ChatParams,
    ) -> Result<Conversation> {
        let now = now_ms();
        let id = new_id();
        self.write(|writer| {
            writer.record(Change::ConversationCreated(ConversationCreated {
                id: id.clone(),
                title: title.to_owned(),
                model: model.to_owned(),
                created_at: now,
            }))?;
            if *chat_params != ChatParams::default() {
                writer.record(Change::ConversationUpdated(ConversationUpdated {
                    id: id.clone(),
                    patch: ConversationPatch {
                        params: Some(chat_params.clone()),
                        ..ConversationPatch::default()
                    },
                }))?;
            }
            conversation_in(writer.conn(), &id)
        })
    }

    /// Every conversation, whatever its scope (archived, in the trash), most recently active
    /// first. Timestamps have millisecond resolution, so ties are broken by the newest id in each
    /// conversation (UUIDv7 ids increase): a message written in the same millisecond as another
    /// conversation's creation still counts as the later activity. See
    /// [`Store::list_conversations_in`] for what the app lists.
    pub fn list_conversations(&self) -> Result<Vec<Conversation>> {
        self.conversations_where("1", ACTIVITY_ORDER)
    }

    pub(crate) fn conversations_where(
        &self,
        filter: &str,
        order: &str,
    ) -> Result<Vec<Conversation>> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE {filter} ORDER BY {order}"
        ))?;
        let rows = statement.query_map([], raw_conversation)?;
        rows.map(|row| {
            row.map_err(StoreError::from)
                .and_then(RawConversation::into_conversation)
        })
        .collect()
    }

    pub fn conversation(&self, id: &str) -> Result<Conversation> {
        conversation_in(&self.conn, id)
    }

    /// Every message of the conversation, all branches, oldest first.
    pub fn messages(&self, conversation_id: &str) -> Result<Vec<Message>> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 ORDER BY created_at, id"
        ))?;
        let rows = statement.query_map(params![conversation_id], raw_message)?;
        let mut messages: Vec<Message> = rows
            .map(|row| {
                row.map_err(StoreError::from)
                    .and_then(RawMessage::into_message)
            })
            .collect::<Result<_>>()?;
        let mut attachments = attachments::of_conversation(&self.conn, conversation_id)?;
        for message in &mut messages {
            if let Some(list) = attachments.remove(&message.id) {
                message.attachments = list;
            }
        }
        Ok(messages)
    }

    pub fn message(&self, id: &str) -> Result<Message> {
        message_in(&self.conn, id)
    }

    /// Inserts messages atomically after the conversation's newest message, each following the
    /// one before: a prompt and the placeholder for its reply land together, with their ops.
    pub fn insert_messages(
        &mut self,
        conversation_id: &str,
        new: &[NewMessage],
    ) -> Result<Vec<Message>> {
        self.insert_chain(conversation_id, Anchor::Newest, new)
    }

    /// Inserts messages atomically as a chain below `parent_id` (`None`: a new root), each the
    /// parent of the next. A parent that is not a message of this conversation is
    /// [`StoreError::NotFound`] and nothing is written.
    pub fn insert_messages_after(
        &mut self,
        conversation_id: &str,
        parent_id: Option<&str>,
        new: &[NewMessage],
    ) -> Result<Vec<Message>> {
        let anchor = match parent_id {
            Some(id) => Anchor::Message(id),
            None => Anchor::Root,
        };
        self.insert_chain(conversation_id, anchor, new)
    }

    fn insert_chain(
        &mut self,
        conversation_id: &str,
        anchor: Anchor<'_>,
        new: &[NewMessage],
    ) -> Result<Vec<Message>> {
        let now = now_ms();
        self.write(|writer| {
            // Checked inside the transaction: the conversation must exist and not be a
            // tombstone, whose apply would silently absorb the insert.
            conversation_in(writer.conn(), conversation_id)?;
            let mut parent = match anchor {
                Anchor::Root => None,
                Anchor::Newest => newest_message_in(writer.conn(), conversation_id)?,
                Anchor::Message(id) => {
                    let found = message_in(writer.conn(), id)?;
                    if found.conversation_id != conversation_id {
                        return Err(StoreError::NotFound {
                            what: "message",
                            id: id.to_owned(),
                        });
                    }
                    Some(found.id)
                }
            };
            let mut inserted = Vec::with_capacity(new.len());
            for message in new {
                // Rows written in the same millisecond keep their order through their ids:
                // UUIDv7s from one process increase monotonically, and reads sort by
                // (created_at, id).
                let id = new_id();
                writer.record(Change::MessageInserted(MessageInserted {
                    id: id.clone(),
                    conversation_id: conversation_id.to_owned(),
                    role: message.role,
                    content: message.content.clone(),
                    status: message.status,
                    model: message.model.clone(),
                    demo: message.demo,
                    created_at: now,
                    parent_id: Some(parent.clone()),
                    tool_call_id: message.tool_call_id.clone(),
                }))?;
                let attachments = attachments::insert(writer.conn(), &id, &message.attachments)?;
                inserted.push(Message {
                    id: id.clone(),
                    conversation_id: conversation_id.to_owned(),
                    role: message.role,
                    content: message.content.clone(),
                    status: message.status,
                    model: message.model.clone(),
                    demo: message.demo,
                    error: None,
                    usage: None,
                    request_id: None,
                    created_at: now,
                    updated_at: now,
                    parent_id: parent.take(),
                    reasoning: None,
                    search_sources: Vec::new(),
                    tool_calls: Vec::new(),
                    attachments,
                    cost_cny: None,
                    tool_call_id: message.tool_call_id.clone(),
                    finish_reason: None,
                });
                parent = Some(id);
            }
            Ok(inserted)
        })
    }

    /// Saves the text a streaming reply has so far. Local durability only, not an op: see
    /// [`desk_domain::op`] for why only the finished reply is synced.
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

    /// [`Store::save_streaming_text`] with the reasoning and search sources that arrived so far,
    /// which a crash must not lose either.
    pub fn save_streaming_reply(
        &self,
        message_id: &str,
        content: &str,
        reasoning: Option<&str>,
        search_sources: &[SearchSource],
    ) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE messages SET content = ?2, reasoning = ?3, search_sources = ?4, updated_at = ?5 \
             WHERE id = ?1 AND status = 'streaming'",
            params![
                message_id,
                content,
                reasoning,
                json_list(search_sources)?,
                now_ms()
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "streaming message",
                id: message_id.to_owned(),
            });
        }
        Ok(())
    }

    /// Makes a cut reply (`partial`, or `complete` with the finish reason `length`: cut by its
    /// token limit) stream again, keeping its text, so a continuation appends to it. Local state
    /// like `save_streaming_text`, not an op: the finish that follows is the op, and a crash
    /// meanwhile is recovered to `partial` as at any start.
    pub fn reopen_for_continuation(&self, message_id: &str) -> Result<Message> {
        let changed = self.conn.execute(
            "UPDATE messages SET status = 'streaming', error_code = NULL, error_message = NULL, \
             finish_reason = NULL, updated_at = ?2 \
             WHERE id = ?1 AND role = 'assistant' \
             AND (status = 'partial' OR (status = 'complete' AND finish_reason = 'length'))",
            params![message_id, now_ms()],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "partial reply",
                id: message_id.to_owned(),
            });
        }
        self.message(message_id)
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
        self.finish_reply(
            message_id,
            ReplyEnding {
                usage,
                request_id: request_id.map(str::to_owned),
                ..ReplyEnding::new(content, status, error.cloned())
            },
        )
    }

    /// Records how a reply ended, with everything it carried.
    pub fn finish_reply(&self, message_id: &str, ending: ReplyEnding) -> Result<Message> {
        let ReplyEnding {
            content,
            status,
            usage,
            error,
            request_id,
            reasoning,
            search_sources,
            tool_calls,
            cost_cny,
            finish_reason,
        } = ending;
        self.write(|writer| {
            writer.record(Change::MessageFinished(MessageFinished {
                id: message_id.to_owned(),
                content,
                status,
                usage,
                error,
                request_id,
                finished_at: now_ms(),
                reasoning,
                search_sources,
                tool_calls,
                cost_cny: cost_cny.filter(|c| c.is_finite()),
                finish_reason,
            }))
        })?;
        self.message(message_id)
    }
}

/// Where a chain of new messages hangs.
#[derive(Debug, Clone, Copy)]
enum Anchor<'a> {
    Root,
    /// After the conversation's newest message (a root when it has none).
    Newest,
    Message(&'a str),
}

/// How a reply ended, for [`Store::finish_reply`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyEnding {
    pub content: String,
    pub status: MessageStatus,
    pub usage: Option<Usage>,
    pub error: Option<MessageError>,
    pub request_id: Option<String>,
    pub reasoning: Option<String>,
    pub search_sources: Vec<SearchSource>,
    pub tool_calls: Vec<ToolCall>,
    pub cost_cny: Option<f64>,
    /// Why the model stopped, when it said.
    pub finish_reason: Option<FinishReason>,
}

impl ReplyEnding {
    pub fn new(content: &str, status: MessageStatus, error: Option<MessageError>) -> Self {
        Self {
            content: content.to_owned(),
            status,
            usage: None,
            error,
            request_id: None,
            reasoning: None,
            search_sources: Vec::new(),
            tool_calls: Vec::new(),
            cost_cny: None,
            finish_reason: None,
        }
    }
}

/// Runs the migrations, then what every schema needs before use, then the full integrity check.
/// On failure: the version that failed and why.
fn upgrade(conn: &mut Connection, migrations: &[Migration]) -> Result<(), (i64, String)> {
    migrations::apply(conn, migrations)
        .map_err(|failed| (failed.version, failed.error.to_string()))?;
    let latest = migrations::latest(migrations);
    oplog::ensure_device(conn).map_err(|error| (latest, error.to_string()))?;
    backup::check(conn, "integrity_check").map_err(|problem| {
        (
            latest,
            format!("integrity check after upgrading: {problem}"),
        )
    })
}

/// `list` as a JSON array, or NULL when it is empty (most replies have no sources or calls).
pub(crate) fn json_list<T: serde::Serialize>(list: &[T]) -> Result<Option<String>> {
    if list.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(list)
        .map(Some)
        .map_err(|e| StoreError::InvalidValue {
            what: "JSON list",
            value: e.to_string(),
        })
}

fn parse_json_list<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: Option<String>,
) -> Result<Vec<T>> {
    match text {
        None => Ok(Vec::new()),
        Some(text) => {
            serde_json::from_str(&text).map_err(|_| StoreError::InvalidValue { what, value: text })
        }
    }
}

pub(crate) fn message_in(conn: &Connection, id: &str) -> Result<Message> {
    let mut message = conn
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
        .into_message()?;
    message.attachments = attachments::of_message(conn, id)?;
    Ok(message)
}

/// The conversation's newest message by `(created_at, id)`, the order every list shows.
pub(crate) fn newest_message_in(
    conn: &Connection,
    conversation_id: &str,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM messages WHERE conversation_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 1",
        )?
        .query_row(params![conversation_id], |r| r.get(0))
        .optional()?)
}

pub(crate) fn conversation_in(conn: &Connection, id: &str) -> Result<Conversation> {
    conn.query_row(
        &format!("SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?1"),
        params![id],
        raw_conversation,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound {
        what: "conversation",
        id: id.to_owned(),
    })?
    .into_conversation()
}

/// The order of [`Store::list_conversations`]: most recent activity first.
pub(crate) const ACTIVITY_ORDER: &str = "c.updated_at DESC, \
     COALESCE((SELECT MAX(m.id) FROM messages m WHERE m.conversation_id = c.id), c.id) DESC, c.id DESC";

const CONVERSATION_COLUMNS: &str = "c.id, c.title, c.model, c.created_at, c.updated_at, \
     (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id), \
     c.pinned, c.folder, c.archived, c.deleted_at, c.params";

/// A conversation row as stored, before its parameters' JSON is read.
struct RawConversation {
    conversation: Conversation,
    params: Option<String>,
}

fn raw_conversation(row: &Row<'_>) -> rusqlite::Result<RawConversation> {
    Ok(RawConversation {
        conversation: Conversation {
            id: row.get(0)?,
            title: row.get(1)?,
            model: row.get(2)?,
            created_at: row.get(3)?,
            updated_at: row.get(4)?,
            message_count: row.get(5)?,
            pinned: row.get(6)?,
            folder: row.get(7)?,
            archived: row.get(8)?,
            deleted_at: row.get(9)?,
            params: ChatParams::default(),
        },
        params: row.get(10)?,
    })
}

impl RawConversation {
    fn into_conversation(self) -> Result<Conversation> {
        let mut conversation = self.conversation;
        if let Some(text) = self.params {
            conversation.params =
                serde_json::from_str(&text).map_err(|_| StoreError::InvalidValue {
                    what: "conversation parameters",
                    value: text,
                })?;
        }
        Ok(conversation)
    }
}

const MESSAGE_COLUMNS: &str = "id, conversation_id, role, content, status, model, demo, error_code, error_message, \
     request_id, input_tokens, output_tokens, total_tokens, created_at, updated_at, \
     parent_id, reasoning, search_sources, tool_calls, cost_cny, tool_call_id, finish_reason";

/// A row as stored, before its enum and JSON columns are checked.
pub(crate) struct RawMessage {
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
    parent_id: Option<String>,
    reasoning: Option<String>,
    search_sources: Option<String>,
    tool_calls: Option<String>,
    cost_cny: Option<f64>,
    tool_call_id: Option<String>,
    finish_reason: Option<String>,
}

pub(crate) fn raw_message(row: &Row<'_>) -> rusqlite::Result<RawMessage> {
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
        parent_id: row.get(15)?,
        reasoning: row.get(16)?,
        search_sources: row.get(17)?,
        tool_calls: row.get(18)?,
        cost_cny: row.get(19)?,
        tool_call_id: row.get(20)?,
        finish_reason: row.get(21)?,
    })
}

pub(crate) fn parse_role(text: String) -> Result<MessageRole> {
    MessageRole::parse(&text).ok_or(StoreError::InvalidValue {
        what: "message role",
        value: text,
    })
}

impl RawMessage {
    /// The message without its attachments, which live in their own table.
    pub(crate) fn into_message(self) -> Result<Message> {
        let role = parse_role(self.role)?;
        let status = MessageStatus::parse(&self.status).ok_or(StoreError::InvalidValue {
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
            parent_id: self.parent_id,
            reasoning: self.reasoning,
            search_sources: parse_json_list("search sources", self.search_sources)?,
            tool_calls: parse_json_list("tool calls", self.tool_calls)?,
            attachments: Vec::new(),
            cost_cny: self.cost_cny,
            tool_call_id: self.tool_call_id,
            finish_reason: self
                .finish_reason
                .map(|text| {
                    FinishReason::parse(&text).ok_or(StoreError::InvalidValue {
                        what: "finish reason",
                        value: text,
                    })
                })
                .transpose()?,
        })
    }
}
