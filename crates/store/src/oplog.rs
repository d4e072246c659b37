//! The op log and the one `apply` that local writes and remote ops share.
//!
//! A local write, in one transaction: allocate the next `seq` (so a rollback leaves no gap),
//! stamp it with the hybrid logical clock, insert the op, apply it to the tables. A remote op
//! goes through the same [`apply_change`], so the tables are a function of the set of ops and can
//! be rebuilt from the log alone. Apply is idempotent: creates do nothing when the row exists, and
//! a finish only wins over an older finish (by HLC), whatever order ops arrive in.

use desk_domain::{Change, DeviceId, Hlc, HybridClock, Op, SystemClock};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;

use crate::chat::subtree_ids;
use crate::{DeskClock, MessageStatus, Result, Store, StoreError, json_list};

/// What [`Store::apply_remote_ops`] did with a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    /// New ops stored and applied (including older pending ops this batch unblocked).
    pub applied: usize,
    /// Ops already stored; nothing changed.
    pub duplicates: usize,
    /// Ops stored but waiting: what they refer to has not arrived, or this version does not know
    /// their kind.
    pub pending: usize,
}

/// Appends this device's ops inside one write transaction.
pub(crate) struct Writer<'a> {
    conn: &'a Connection,
    device: DeviceId,
    clock: &'a mut DeskClock,
    next_seq: Option<u64>,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(conn: &'a Connection, device: DeviceId, clock: &'a mut DeskClock) -> Self {
        Self {
            conn,
            device,
            clock,
            next_seq: None,
        }
    }

    pub(crate) fn conn(&self) -> &Connection {
        self.conn
    }

    /// Records `change` as this device's next op and applies it.
    pub(crate) fn record(&mut self, change: Change) -> Result<Op> {
        let seq = match self.next_seq {
            Some(seq) => seq,
            None => {
                // Read inside the transaction, every time: another process may have written since
                // (its ops and its clock), and what a rolled-back transaction took is given back.
                let last: i64 = self.conn.query_row(
                    "SELECT COALESCE(MAX(seq), 0) FROM ops WHERE device_id = ?1",
                    params![self.device.to_string()],
                    |r| r.get(0),
                )?;
                if let Some(latest) = latest_hlc(self.conn)? {
                    let _ = self.clock.observe(&latest);
                }
                u64::try_from(last).unwrap_or(0) + 1
            }
        };
        self.next_seq = Some(seq + 1);
        let op = Op {
            op_id: uuid::Uuid::now_v7(),
            device_id: self.device,
            seq,
            hlc: self.clock.now(),
            kind: change.kind().to_owned(),
            payload: change.payload(),
        };
        insert_op(self.conn, &op, true)?;
        match apply_change(self.conn, &op, &change)? {
            Applied::Done => Ok(op),
            Applied::Missing { what, id } => Err(StoreError::NotFound { what, id }),
        }
    }
}

/// Whether an op took effect.
enum Applied {
    Done,
    /// It refers to a row that does not exist (yet).
    Missing {
        what: &'static str,
        id: String,
    },
}

fn insert_op(conn: &Connection, op: &Op, applied: bool) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO ops (op_id, device_id, seq, hlc, kind, payload, applied) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
            op.op_id.to_string(),
            op.device_id.to_string(),
            i64::try_from(op.seq).unwrap_or(i64::MAX),
            op.hlc.to_string(),
            op.kind,
            op.payload.to_string(),
            applied
        ])?;
    Ok(())
}

fn exists(conn: &Connection, sql: &str, id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![id], |_| Ok(()))
        .optional()?
        .is_some())
}

fn tokens(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn tombstoned(conn: &Connection, id: &str) -> Result<bool> {
    exists(conn, "SELECT 1 FROM tombstones WHERE id = ?1", id)
}

fn bury(conn: &Connection, id: &str, kind: &str, hlc: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tombstones (id, kind, hlc) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![id, kind, hlc])?;
    Ok(())
}

/// What an op about conversation `id` does when the conversation is not there: nothing, if it was
/// purged (the op lost the race with the purge); otherwise it waits for the conversation.
fn missing_conversation(conn: &Connection, id: &str) -> Result<Applied> {
    if tombstoned(conn, id)? {
        Ok(Applied::Done)
    } else {
        Ok(Applied::Missing {
            what: "conversation",
            id: id.to_owned(),
        })
    }
}

/// The columns of a conversation that are last-writer-wins registers, each with its HLC column.
const REGISTERS: [(&str, &str); 5] = [
    ("title", "title_hlc"),
    ("pinned", "pinned_hlc"),
    ("folder", "folder_hlc"),
    ("archived", "archived_hlc"),
    ("params", "params_hlc"),
];

/// Sets register `column` of conversation `id` to `value` unless a later op already set it.
fn set_register(
    conn: &Connection,
    id: &str,
    (column, clock): (&str, &str),
    value: rusqlite::types::Value,
    hlc: &str,
) -> Result<()> {
    conn.prepare_cached(&format!(
        "UPDATE conversations SET {column} = ?2, {clock} = ?3 \
         WHERE id = ?1 AND ({clock} IS NULL OR {clock} < ?3)"
    ))?
    .execute(params![id, value, hlc])?;
    Ok(())
}

/// The one apply, for local and remote ops alike.
fn apply_change(conn: &Connection, op: &Op, change: &Change) -> Result<Applied> {
    use rusqlite::types::Value;

    let hlc = op.hlc.to_string();
    let conversation_exists =
        |id: &str| exists(conn, "SELECT 1 FROM conversations WHERE id = ?1", id);
    match change {
        Change::ConversationCreated(c) => {
            // A purge that arrived first wins: the conversation stays deleted.
            if !tombstoned(conn, &c.id)? {
                conn.prepare_cached(
                    "INSERT INTO conversations (id, title, model, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) \
                     ON CONFLICT (id) DO NOTHING",
                )?
                .execute(params![c.id, c.title, c.model, c.created_at])?;
            }
        }
        Change::ConversationUpdated(u) => {
            if !conversation_exists(&u.id)? {
                return missing_conversation(conn, &u.id);
            }
            let [title, pinned, folder, archived, chat_params] = REGISTERS;
            if let Some(value) = &u.patch.title {
                set_register(conn, &u.id, title, Value::Text(value.clone()), &hlc)?;
            }
            if let Some(value) = u.patch.pinned {
                set_register(conn, &u.id, pinned, Value::Integer(value.into()), &hlc)?;
            }
            if let Some(value) = &u.patch.folder {
                let value = value.clone().map_or(Value::Null, Value::Text);
                set_register(conn, &u.id, folder, value, &hlc)?;
            }
            if let Some(value) = u.patch.archived {
                set_register(conn, &u.id, archived, Value::Integer(value.into()), &hlc)?;
            }
            if let Some(value) = &u.patch.params {
                let text = serde_json::to_string(value).map_err(|e| StoreError::InvalidValue {
                    what: "conversation parameters",
                    value: e.to_string(),
                })?;
                set_register(conn, &u.id, chat_params, Value::Text(text), &hlc)?;
            }
        }
        Change::ConversationTrashed(t) => {
            if !conversation_exists(&t.id)? {
                return missing_conversation(conn, &t.id);
            }
            conn.prepare_cached(
                "UPDATE conversations SET deleted_at = ?2, trash_hlc = ?3 \
                 WHERE id = ?1 AND (trash_hlc IS NULL OR trash_hlc < ?3)",
            )?
            .execute(params![t.id, t.deleted_at, hlc])?;
        }
        Change::ConversationRestored(r) => {
            if !conversation_exists(&r.id)? {
                return missing_conversation(conn, &r.id);
            }
            conn.prepare_cached(
                "UPDATE conversations SET deleted_at = NULL, trash_hlc = ?2 \
                 WHERE id = ?1 AND (trash_hlc IS NULL OR trash_hlc < ?2)",
            )?
            .execute(params![r.id, hlc])?;
        }
        Change::ConversationPurged(p) => {
            // Its messages are buried too, so a late finish of one of them is absorbed rather
            // than left waiting for a message that will never come.
            conn.prepare_cached(
                "INSERT INTO tombstones (id, kind, hlc) SELECT id, 'message', ?2 FROM messages \
                 WHERE conversation_id = ?1 ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![p.id, hlc])?;
            bury(conn, &p.id, "conversation", &hlc)?;
            // Messages first, explicitly, so their FTS delete triggers run; attachments follow
            // their messages by foreign key.
            conn.prepare_cached("DELETE FROM messages WHERE conversation_id = ?1")?
                .execute(params![p.id])?;
            conn.prepare_cached("DELETE FROM conversations WHERE id = ?1")?
                .execute(params![p.id])?;
        }
        Change::MessageInserted(m) => {
            if !conversation_exists(&m.conversation_id)? {
                if tombstoned(conn, &m.conversation_id)? {
                    bury(conn, &m.id, "message", &hlc)?;
                    return Ok(Applied::Done);
                }
                return Ok(Applied::Missing {
                    what: "conversation",
                    id: m.conversation_id.clone(),
                });
            }
            // `max` rather than "now": the same result whatever order ops arrive in. Done even
            // for a message absorbed below (deleted before it arrived here): it was activity
            // where it was written, and skipping it would make the time depend on arrival order.
            conn.prepare_cached(
                "UPDATE conversations SET updated_at = MAX(updated_at, ?2) WHERE id = ?1",
            )?
            .execute(params![m.conversation_id, m.created_at])?;
            if tombstoned(conn, &m.id)? {
                return Ok(Applied::Done);
            }
            let parent_id: Option<String> = match &m.parent_id {
                Some(None) => None,
                Some(Some(parent)) => {
                    let in_conversation: Option<String> = conn
                        .prepare_cached("SELECT conversation_id FROM messages WHERE id = ?1")?
                        .query_row(params![parent], |r| r.get(0))
                        .optional()?;
                    match in_conversation {
                        Some(c) if c == m.conversation_id => Some(parent.clone()),
                        // A reply to a deleted message is deleted with it.
                        None if tombstoned(conn, parent)? => {
                            bury(conn, &m.id, "message", &hlc)?;
                            return Ok(Applied::Done);
                        }
                        _ => {
                            return Ok(Applied::Missing {
                                what: "message",
                                id: parent.clone(),
                            });
                        }
                    }
                }
                // Written before the tree: the message follows the one before it, the rule
                // migration 0006 applied to the rows such versions left.
                None => conn
                    .prepare_cached(
                        "SELECT id FROM messages WHERE conversation_id = ?1 \
                         AND (created_at < ?2 OR (created_at = ?2 AND id < ?3)) \
                         ORDER BY created_at DESC, id DESC LIMIT 1",
                    )?
                    .query_row(params![m.conversation_id, m.created_at, m.id], |r| r.get(0))
                    .optional()?,
            };
            conn.prepare_cached(
                    "INSERT INTO messages (id, conversation_id, role, content, status, model, demo, created_at, updated_at, origin_device, parent_id, tool_call_id) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11) ON CONFLICT (id) DO NOTHING",
                )?
                .execute(params![
                    m.id,
                    m.conversation_id,
                    m.role.as_str(),
                    m.content,
                    m.status.as_str(),
                    m.model,
                    m.demo,
                    m.created_at,
                    op.device_id.to_string(),
                    parent_id,
                    m.tool_call_id,
                ])?;
        }
        Change::MessageFinished(f) => {
            let current: Option<Option<String>> = conn
                .prepare_cached("SELECT finish_hlc FROM messages WHERE id = ?1")?
                .query_row(params![f.id], |r| r.get(0))
                .optional()?;
            let Some(current) = current else {
                if tombstoned(conn, &f.id)? {
                    return Ok(Applied::Done);
                }
                return Ok(Applied::Missing {
                    what: "message",
                    id: f.id.clone(),
                });
            };
            // Last finish wins by HLC: a replay or an older finish arriving late changes nothing.
            if current.is_none_or(|current| current < hlc) {
                conn.prepare_cached(
                    "UPDATE messages SET content = ?2, status = ?3, error_code = ?4, error_message = ?5, request_id = ?6, \
                     input_tokens = ?7, output_tokens = ?8, total_tokens = ?9, updated_at = ?10, finish_hlc = ?11, \
                     reasoning = ?12, search_sources = ?13, tool_calls = ?14, cost_cny = ?15, finish_reason = ?16 WHERE id = ?1",
                )?
                .execute(params![
                        f.id,
                        f.content,
                        f.status.as_str(),
                        f.error.as_ref().map(|e| e.code.as_str()),
                        f.error.as_ref().map(|e| e.message.as_str()),
                        f.request_id,
                        f.usage.map(|u| tokens(u.input_tokens)),
                        f.usage.map(|u| tokens(u.output_tokens)),
                        f.usage.map(|u| tokens(u.total_tokens)),
                        f.finished_at,
                        hlc,
                        f.reasoning,
                        json_list(&f.search_sources)?,
                        json_list(&f.tool_calls)?,
                        f.cost_cny.filter(|c| c.is_finite()),
                        f.finish_reason.map(|r| r.as_str()),
                    ])?;
            }
        }
        Change::MessageDeleted(d) => {
            // Everything below the message goes with it, and is buried so that late ops for any
            // of it (a finish, a reply written elsewhere meanwhile) are absorbed.
            for id in subtree_ids(conn, &d.id)? {
                bury(conn, &id, "message", &hlc)?;
                conn.prepare_cached("DELETE FROM messages WHERE id = ?1")?
                    .execute(params![id])?;
            }
            bury(conn, &d.id, "message", &hlc)?;
        }
    }
    Ok(Applied::Done)
}

pub(crate) fn latest_hlc(conn: &Connection) -> Result<Option<Hlc>> {
    let text: Option<String> = conn.query_row("SELECT MAX(hlc) FROM ops", [], |r| r.get(0))?;
    text.map(|t| parse_hlc(&t)).transpose()
}

fn parse_hlc(text: &str) -> Result<Hlc> {
    text.parse().map_err(|_| StoreError::InvalidValue {
        what: "hybrid logical timestamp",
        value: text.to_owned(),
    })
}

/// The device id of this database, made on first use. A database that predates the op log gets
/// its history written as ops by this device, so the log describes every row.
pub(crate) fn ensure_device(conn: &Connection) -> Result<DeviceId> {
    let read = |conn: &Connection| -> Result<Option<DeviceId>> {
        let text: Option<String> = conn
            .query_row("SELECT device_id FROM device", [], |r| r.get(0))
            .optional()?;
        text.map(|t| {
            t.parse().map_err(|_| StoreError::InvalidValue {
                what: "device id",
                value: t.clone(),
            })
        })
        .transpose()
    };
    if let Some(device) = read(conn)? {
        return Ok(device);
    }
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    if let Some(device) = read(&tx)? {
        return Ok(device);
    }
    let device = DeviceId::generate();
    tx.execute(
        "INSERT INTO device (singleton, device_id) VALUES (1, ?1)",
        params![device.to_string()],
    )?;
    tx.execute(
        "UPDATE messages SET origin_device = ?1 WHERE origin_device IS NULL",
        params![device.to_string()],
    )?;
    let backfilled = backfill(&tx, device)?;
    tx.commit()?;
    if backfilled > 0 {
        tracing::info!(%device, ops = backfilled, "existing history recorded in the op log");
    }
    Ok(device)
}

/// Writes ops describing rows made before the op log existed. Applying them changes nothing here
/// (the rows exist); elsewhere they recreate the rows.
fn backfill(conn: &Connection, device: DeviceId) -> Result<usize> {
    use desk_domain::{ConversationCreated, MessageFinished, MessageInserted};

    let mut clock: DeskClock = HybridClock::new(device, Box::new(SystemClock));
    let mut writer = Writer::new(conn, device, &mut clock);
    let mut count = 0;
    let conversations: Vec<ConversationCreated> = {
        let mut statement = conn.prepare(
            "SELECT id, title, model, created_at FROM conversations ORDER BY created_at, id",
        )?;
        let rows = statement.query_map([], |r| {
            Ok(ConversationCreated {
                id: r.get(0)?,
                title: r.get(1)?,
                model: r.get(2)?,
                created_at: r.get(3)?,
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for conversation in conversations {
        writer.record(Change::ConversationCreated(conversation))?;
        count += 1;
    }
    let ids: Vec<String> = {
        let mut statement = conn.prepare("SELECT id FROM messages ORDER BY local_id")?;
        let rows = statement.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for id in ids {
        let m = crate::message_in(conn, &id)?;
        writer.record(Change::MessageInserted(MessageInserted {
            id: m.id.clone(),
            conversation_id: m.conversation_id.clone(),
            role: m.role,
            content: m.content.clone(),
            status: m.status,
            model: m.model.clone(),
            demo: m.demo,
            created_at: m.created_at,
            // Chained by migration 0006, which runs before this.
            parent_id: Some(m.parent_id.clone()),
            tool_call_id: m.tool_call_id.clone(),
        }))?;
        count += 1;
        let finished = m.status != MessageStatus::Streaming
            && (m.usage.is_some()
                || m.error.is_some()
                || m.request_id.is_some()
                || m.updated_at != m.created_at);
        if finished {
            writer.record(Change::MessageFinished(MessageFinished {
                usage: m.usage,
                request_id: m.request_id,
                reasoning: m.reasoning,
                search_sources: m.search_sources,
                tool_calls: m.tool_calls,
                cost_cny: m.cost_cny,
                finish_reason: m.finish_reason,
                ..MessageFinished::plain(m.id, m.content, m.status, m.error, m.updated_at)
            }))?;
            count += 1;
        }
    }
    Ok(count)
}

fn op_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<[String; 5]> {
    Ok([
        row.get(0)?,
        row.get(1)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ])
}

fn decode_op(texts: [String; 5], seq: i64) -> Result<Op> {
    let [op_id, device_id, hlc, kind, payload] = texts;
    let invalid = |what: &'static str, value: &str| StoreError::InvalidValue {
        what,
        value: value.to_owned(),
    };
    Ok(Op {
        op_id: op_id.parse().map_err(|_| invalid("op id", &op_id))?,
        device_id: device_id
            .parse()
            .map_err(|_| invalid("device id", &device_id))?,
        seq: u64::try_from(seq).map_err(|_| invalid("op seq", &seq.to_string()))?,
        hlc: parse_hlc(&hlc)?,
        payload: serde_json::from_str(&payload).map_err(|_| invalid("op payload", &payload))?,
        kind,
    })
}

impl Store {
    /// `device_id`'s ops with `seq > after_seq`, in `seq` order: what a sync push sends, or a
    /// peer pulls, from a cursor.
    pub fn ops_since(&self, device_id: DeviceId, after_seq: u64) -> Result<Vec<Op>> {
        let mut statement = self.conn.prepare(
            "SELECT op_id, device_id, seq, hlc, kind, payload FROM ops \
             WHERE device_id = ?1 AND seq > ?2 ORDER BY seq",
        )?;
        let rows = statement.query_map(
            params![
                device_id.to_string(),
                i64::try_from(after_seq).unwrap_or(i64::MAX)
            ],
            |row| Ok((op_from_row(row)?, row.get::<_, i64>(2)?)),
        )?;
        rows.map(|row| {
            let (texts, seq) = row?;
            decode_op(texts, seq)
        })
        .collect()
    }

    /// Stores and applies ops from other devices (or this device's own, coming back), in one
    /// transaction. Ops already stored are skipped, so delivering a batch twice changes nothing.
    /// An op whose target has not arrived is kept and applied when it does.
    pub fn apply_remote_ops(&self, ops: &[Op]) -> Result<ApplyReport> {
        let mut sorted: Vec<&Op> = ops.iter().collect();
        // HLC order respects causality: a device only writes a message into a conversation it
        // has seen, so the conversation's op sorts first.
        sorted.sort_by_key(|op| op.hlc);
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let mut report = ApplyReport::default();
        {
            let mut clock = self.clock.borrow_mut();
            for op in sorted {
                let stored: Option<(String, i64)> = tx
                    .query_row(
                        "SELECT device_id, seq FROM ops WHERE op_id = ?1",
                        params![op.op_id.to_string()],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                if stored.is_some() {
                    report.duplicates += 1;
                    continue;
                }
                let clash: Option<String> = tx
                    .query_row(
                        "SELECT op_id FROM ops WHERE device_id = ?1 AND seq = ?2",
                        params![
                            op.device_id.to_string(),
                            i64::try_from(op.seq).unwrap_or(i64::MAX)
                        ],
                        |r| r.get(0),
                    )
                    .optional()?;
                if clash.is_some() {
                    return Err(StoreError::OpConflict {
                        device_id: op.device_id.to_string(),
                        seq: op.seq,
                    });
                }
                if let Err(error) = clock.observe(&op.hlc) {
                    tracing::warn!(%error, op = %op.op_id, "not adopting a remote clock reading");
                }
                let applied = match op.change() {
                    Ok(change) => matches!(apply_change(&tx, op, &change)?, Applied::Done),
                    Err(error) => {
                        tracing::warn!(%error, op = %op.op_id, "op kept for a later version");
                        false
                    }
                };
                insert_op(&tx, op, applied)?;
                if applied {
                    report.applied += 1;
                } else {
                    report.pending += 1;
                }
            }
        }
        let unblocked = apply_pending_in(&tx)?;
        report.applied += unblocked;
        report.pending = report.pending.saturating_sub(unblocked);
        tx.commit()?;
        Ok(report)
    }

    /// Applies stored ops that were waiting, if what they need is now there.
    pub(crate) fn apply_pending(&self) -> Result<usize> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let applied = apply_pending_in(&tx)?;
        tx.commit()?;
        Ok(applied)
    }
}

fn apply_pending_in(conn: &Connection) -> Result<usize> {
    let mut total = 0;
    loop {
        let pending: Vec<Op> = {
            let mut statement = conn.prepare(
                "SELECT op_id, device_id, seq, hlc, kind, payload FROM ops WHERE applied = 0 ORDER BY hlc",
            )?;
            let rows =
                statement.query_map([], |row| Ok((op_from_row(row)?, row.get::<_, i64>(2)?)))?;
            rows.map(|row| {
                let (texts, seq) = row?;
                decode_op(texts, seq)
            })
            .collect::<Result<_>>()?
        };
        let mut progress = 0;
        for op in &pending {
            let Ok(change) = op.change() else { continue };
            if let Applied::Done = apply_change(conn, op, &change)? {
                conn.execute(
                    "UPDATE ops SET applied = 1 WHERE op_id = ?1",
                    params![op.op_id.to_string()],
                )?;
                progress += 1;
            }
        }
        total += progress;
        if progress == 0 {
            return Ok(total);
        }
    }
}
