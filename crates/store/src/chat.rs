//! The chat screen's side of the store: the message tree (the path a reply answers, the branch a
//! deletion removes) and the organisation of conversations (pin, folder, archive, trash). Every
//! change is an op, like every other change to conversations and messages.

use desk_domain::{
    Change, ConversationPatch, ConversationPurged, ConversationRestored, ConversationScope,
    ConversationTrashed, ConversationUpdated, MessageDeleted,
};
use rusqlite::{Connection, params};

use crate::{
    ACTIVITY_ORDER, Conversation, MESSAGE_COLUMNS_OF_M, Message, RawMessage, Result, Store,
    StoreError, attachments, conversation_in, message_in, now_ms, raw_message,
};

/// Bounds a walk up the tree. Parents always exist before their children, so the tree has no
/// cycles; the bound only keeps a hand-damaged database from looping.
const MAX_DEPTH: i64 = 1_000_000;

/// The ids of `message_id` and every message below it, the message first.
pub(crate) fn subtree_ids(conn: &Connection, message_id: &str) -> Result<Vec<String>> {
    // UNION (not UNION ALL) drops rows already seen, so even a cycle ends.
    let mut statement = conn.prepare_cached(
        "WITH RECURSIVE below(id) AS ( \
             SELECT id FROM messages WHERE id = ?1 \
             UNION SELECT m.id FROM messages m JOIN below ON m.parent_id = below.id) \
         SELECT id FROM below",
    )?;
    let rows = statement.query_map(params![message_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Store {
    /// The messages from the root of the tree down to `message_id`, root first: the
    /// conversation as a reply below `message_id` sees it.
    pub fn path_to(&self, message_id: &str) -> Result<Vec<Message>> {
        // Fails with NotFound for an unknown id rather than returning an empty path.
        message_in(self.conn(), message_id)?;
        let mut statement = self.conn().prepare_cached(&format!(
            "WITH RECURSIVE path(id, parent_id, depth) AS ( \
                 SELECT id, parent_id, 0 FROM messages WHERE id = ?1 \
                 UNION ALL SELECT m.id, m.parent_id, path.depth + 1 FROM messages m \
                     JOIN path ON m.id = path.parent_id WHERE path.depth < {MAX_DEPTH}) \
             SELECT {MESSAGE_COLUMNS_OF_M} FROM path JOIN messages m ON m.id = path.id \
             ORDER BY path.depth DESC"
        ))?;
        let rows = statement.query_map(params![message_id], raw_message)?;
        let mut path: Vec<Message> = rows
            .map(|row| {
                row.map_err(StoreError::from)
                    .and_then(RawMessage::into_message)
            })
            .collect::<Result<_>>()?;
        for message in &mut path {
            message.attachments = attachments::of_message(self.conn(), &message.id)?;
        }
        Ok(path)
    }

    /// The ids of `message_id` and every message below it (its replies, their follow-ups and
    /// their siblings' branches), the message first.
    pub fn message_subtree(&self, message_id: &str) -> Result<Vec<String>> {
        message_in(self.conn(), message_id)?;
        subtree_ids(self.conn(), message_id)
    }

    /// The conversation's newest message by `(created_at, id)`, if it has any: where a prompt
    /// without an explicit parent goes.
    pub fn newest_message(&self, conversation_id: &str) -> Result<Option<String>> {
        crate::newest_message_in(self.conn(), conversation_id)
    }

    /// The conversations of `scope`: active ones pinned first, then by activity; archived ones by
    /// activity; the trash most recently trashed first.
    pub fn list_conversations_in(&self, scope: ConversationScope) -> Result<Vec<Conversation>> {
        match scope {
            ConversationScope::Active => self.conversations_where(
                "c.deleted_at IS NULL AND c.archived = 0",
                &format!("c.pinned DESC, {ACTIVITY_ORDER}"),
            ),
            ConversationScope::Archived => self.conversations_where(
                "c.deleted_at IS NULL AND c.archived = 1",
                &format!("c.pinned DESC, {ACTIVITY_ORDER}"),
            ),
            ConversationScope::Trash => self.conversations_where(
                "c.deleted_at IS NOT NULL",
                &format!("c.deleted_at DESC, {ACTIVITY_ORDER}"),
            ),
        }
    }

    /// Applies `patch` to the conversation's own fields, as one op. An empty patch changes
    /// nothing and writes no op.
    pub fn update_conversation(&self, id: &str, patch: &ConversationPatch) -> Result<Conversation> {
        self.write(|writer| {
            conversation_in(writer.conn(), id)?;
            if !patch.is_empty() {
                writer.record(Change::ConversationUpdated(ConversationUpdated {
                    id: id.to_owned(),
                    patch: patch.clone(),
                }))?;
            }
            conversation_in(writer.conn(), id)
        })
    }

    /// Moves the conversation to the trash (again, if it is there: the time is renewed).
    pub fn trash_conversation(&self, id: &str) -> Result<Conversation> {
        self.write(|writer| {
            conversation_in(writer.conn(), id)?;
            writer.record(Change::ConversationTrashed(ConversationTrashed {
                id: id.to_owned(),
                deleted_at: now_ms(),
            }))?;
            conversation_in(writer.conn(), id)
        })
    }

    /// Takes the conversation out of the trash; one that is not there is left as it is.
    pub fn restore_conversation(&self, id: &str) -> Result<Conversation> {
        self.write(|writer| {
            let conversation = conversation_in(writer.conn(), id)?;
            if conversation.deleted_at.is_none() {
                return Ok(conversation);
            }
            writer.record(Change::ConversationRestored(ConversationRestored {
                id: id.to_owned(),
            }))?;
            conversation_in(writer.conn(), id)
        })
    }

    /// Deletes a conversation in the trash for good, with its messages, their search entries and
    /// attachments. One outside the trash is refused with [`StoreError::NotInTrash`].
    pub fn purge_conversation(&self, id: &str) -> Result<()> {
        self.write(|writer| {
            if conversation_in(writer.conn(), id)?.deleted_at.is_none() {
                return Err(StoreError::NotInTrash { id: id.to_owned() });
            }
            writer.record(Change::ConversationPurged(ConversationPurged {
                id: id.to_owned(),
            }))?;
            Ok(())
        })
    }

    /// Deletes a message and every message below it in the tree, with their search entries and
    /// attachments, as one op. Returns the ids deleted, the message first.
    pub fn delete_message(&self, id: &str) -> Result<Vec<String>> {
        self.write(|writer| {
            message_in(writer.conn(), id)?;
            let deleted = subtree_ids(writer.conn(), id)?;
            writer.record(Change::MessageDeleted(MessageDeleted { id: id.to_owned() }))?;
            Ok(deleted)
        })
    }
}
