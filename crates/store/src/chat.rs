//! The chat screen's side of the store: the message tree (the path a reply answers, the branch a
//! deletion removes) and the organisation of conversations (pin, folder, archive, trash). Every
//! change is an op, like every other change to conversations and messages.

use desk_domain::{
    Change, ConversationPatch, ConversationPurged, ConversationRestored, ConversationScope,
    ConversationTrashed, ConversationUpdated, MessageDeleted,
};
use std::collections::HashMap;

use rusqlite::{Connection, params};

use crate::{
    ACTIVITY_ORDER, Conversation, Message, Result, Store, StoreError, conversation_in, message_in,
    now_ms,
};

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
        let target = message_in(self.conn(), message_id)?;
        // The conversation read whole (one indexed scan, attachments in one query) and walked
        // up in memory: on a 10,000-message thread a recursive query joining each parent took
        // 70 ms and one attachments query per message 150 ms more (`examples/path_bench.rs`).
        let mut by_id: HashMap<String, Message> = self
            .messages(&target.conversation_id)?
            .into_iter()
            .map(|message| (message.id.clone(), message))
            .collect();
        let mut path = Vec::new();
        let mut next = Some(target.id);
        while let Some(id) = next {
            // A parent missing, or met twice (a cycle a damaged file could hold), ends the walk.
            let Some(message) = by_id.remove(&id) else {
                break;
            };
            next = message.parent_id.clone();
            path.push(message);
        }
        path.reverse();
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
