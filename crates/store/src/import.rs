//! Importing conversations from elsewhere (an export file): merged by id, never overwriting, and
//! written as ops like any local change, so imported history is part of the log and syncs.

use desk_domain::{
    Change, ConversationCreated, Message, MessageFinished, MessageInserted, MessageStatus,
};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{Result, Store};

/// A conversation to import with its messages (oldest first is not required).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedConversation {
    pub id: String,
    pub title: String,
    pub model: String,
    pub created_at: i64,
    pub messages: Vec<Message>,
}

/// What an import added and what it found already there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportCounts {
    pub conversations_added: usize,
    pub conversations_skipped: usize,
    pub messages_added: usize,
    pub messages_skipped: usize,
}

impl Store {
    /// Adds the conversations and messages whose ids are not stored yet, in one transaction: on
    /// any error nothing is added. What exists is left exactly as it is (a conversation's title,
    /// a message's text): an import never overwrites. Every addition is an op.
    ///
    /// A message is added to the conversation it is listed under. A reply exported while it was
    /// streaming is imported as `partial`: no stream will ever finish it here.
    pub fn import_conversations(
        &self,
        conversations: &[ImportedConversation],
    ) -> Result<ImportCounts> {
        self.write(|writer| {
            let mut counts = ImportCounts::default();
            for conversation in conversations {
                let exists = writer
                    .conn()
                    .prepare_cached("SELECT 1 FROM conversations WHERE id = ?1")?
                    .query_row(params![conversation.id], |_| Ok(()))
                    .optional()?
                    .is_some();
                if exists {
                    counts.conversations_skipped += 1;
                } else {
                    writer.record(Change::ConversationCreated(ConversationCreated {
                        id: conversation.id.clone(),
                        title: conversation.title.clone(),
                        model: conversation.model.clone(),
                        created_at: conversation.created_at,
                    }))?;
                    counts.conversations_added += 1;
                }
                // A file written since messages form a tree names parents; there, a message
                // without one is a root. In a file from before, no message has one, and each
                // follows the one before it (the legacy rule of `MessageInserted`).
                let names_parents = conversation.messages.iter().any(|m| m.parent_id.is_some());
                let mut messages: Vec<&Message> = conversation.messages.iter().collect();
                messages.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
                for m in messages {
                    let exists = writer
                        .conn()
                        .prepare_cached("SELECT 1 FROM messages WHERE id = ?1")?
                        .query_row(params![m.id], |_| Ok(()))
                        .optional()?
                        .is_some();
                    if exists {
                        counts.messages_skipped += 1;
                        continue;
                    }
                    let status = match m.status {
                        MessageStatus::Streaming => MessageStatus::Partial,
                        other => other,
                    };
                    writer.record(Change::MessageInserted(MessageInserted {
                        id: m.id.clone(),
                        conversation_id: conversation.id.clone(),
                        role: m.role,
                        content: m.content.clone(),
                        status,
                        model: m.model.clone(),
                        demo: m.demo,
                        created_at: m.created_at,
                        parent_id: if names_parents {
                            Some(m.parent_id.clone())
                        } else {
                            None
                        },
                        tool_call_id: m.tool_call_id.clone(),
                    }))?;
                    // As the backfill does: a finish op carries what the insert cannot (usage,
                    // error, request id, reasoning, sources, cost, the time it ended).
                    let finished = m.usage.is_some()
                        || m.error.is_some()
                        || m.request_id.is_some()
                        || m.reasoning.is_some()
                        || !m.search_sources.is_empty()
                        || !m.tool_calls.is_empty()
                        || m.cost_cny.is_some()
                        || m.finish_reason.is_some()
                        || m.updated_at != m.created_at
                        || status != m.status;
                    if finished {
                        writer.record(Change::MessageFinished(MessageFinished {
                            usage: m.usage,
                            request_id: m.request_id.clone(),
                            reasoning: m.reasoning.clone(),
                            search_sources: m.search_sources.clone(),
                            tool_calls: m.tool_calls.clone(),
                            cost_cny: m.cost_cny,
                            finish_reason: m.finish_reason,
                            ..MessageFinished::plain(
                                m.id.clone(),
                                m.content.clone(),
                                status,
                                m.error.clone(),
                                m.updated_at.max(m.created_at),
                            )
                        }))?;
                    }
                    counts.messages_added += 1;
                }
            }
            Ok(counts)
        })
    }
}
