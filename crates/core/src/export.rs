//! Export and import of conversations. The JSON format is versioned and documented in
//! `docs/EXPORT-FORMAT.md`; Markdown is for reading. An import merges by id and never overwrites,
//! goes through the store's op log, and is all or nothing. Exports hold only the history: no
//! key, no configuration.

use desk_store::{ImportCounts, ImportedConversation, Message};
use serde::{Deserialize, Serialize};

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

/// The `format` field of an export.
pub const EXPORT_FORMAT: &str = "bailian-desk-export";
/// The newest export version this build writes and reads.
pub const EXPORT_VERSION: u64 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportDocument {
    pub format: String,
    pub version: u64,
    pub exported_at: i64,
    pub conversations: Vec<ExportedConversation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedConversation {
    pub id: String,
    pub title: String,
    pub model: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub messages: Vec<Message>,
}

/// What an import did.
pub type ImportReport = ImportCounts;

fn invalid(message: impl Into<String>) -> DeskError {
    DeskError::new(ErrorCode::InvalidImport, message)
}

/// Parses and checks an export, before anything is stored.
pub fn parse_export(text: &str) -> Result<ExportDocument, DeskError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        if e.is_eof() {
            invalid(format!(
                "the file ends early (line {}, column {}): it is truncated or incomplete",
                e.line(),
                e.column()
            ))
        } else {
            invalid(format!("the file is not valid JSON: {e}"))
        }
    })?;
    let format = value.get("format").and_then(serde_json::Value::as_str);
    if format != Some(EXPORT_FORMAT) {
        return Err(invalid(match format {
            Some(other) => format!("the file is a {other:?} file, not a {EXPORT_FORMAT:?} export"),
            None => format!(
                "the file is not a Bailian Desk export (no \"format\": \"{EXPORT_FORMAT}\")"
            ),
        }));
    }
    let version = value
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| invalid("the export has no valid \"version\""))?;
    if version > EXPORT_VERSION {
        return Err(invalid(format!(
            "the export is version {version}, written by a newer Bailian Desk; this version reads up to {EXPORT_VERSION}. Update Bailian Desk to import it"
        )));
    }
    if version == 0 {
        return Err(invalid("the export has version 0, which does not exist"));
    }
    let document: ExportDocument = serde_json::from_value(value)
        .map_err(|e| invalid(format!("the export is malformed: {e}")))?;
    for conversation in &document.conversations {
        if conversation.id.trim().is_empty() {
            return Err(invalid("a conversation has an empty id"));
        }
        for message in &conversation.messages {
            if message.id.trim().is_empty() {
                return Err(invalid(format!(
                    "a message of conversation {} has an empty id",
                    conversation.id
                )));
            }
        }
    }
    Ok(document)
}

impl Desk {
    /// One conversation (or all of them, newest first) as an export document.
    pub fn export_document(&self, conversation: Option<&str>) -> Result<ExportDocument, DeskError> {
        let store = self.store();
        let conversations = match conversation {
            Some(id) => vec![store.conversation(id)?],
            None => store.list_conversations()?,
        };
        let conversations = conversations
            .into_iter()
            .map(|c| {
                Ok(ExportedConversation {
                    messages: store.messages(&c.id)?,
                    id: c.id,
                    title: c.title,
                    model: c.model,
                    created_at: c.created_at,
                    updated_at: c.updated_at,
                })
            })
            .collect::<Result<Vec<_>, DeskError>>()?;
        Ok(ExportDocument {
            format: EXPORT_FORMAT.to_owned(),
            version: EXPORT_VERSION,
            exported_at: desk_store::now_ms(),
            conversations,
        })
    }

    /// The export as pretty JSON.
    pub fn export_json(&self, conversation: Option<&str>) -> Result<String, DeskError> {
        serde_json::to_string_pretty(&self.export_document(conversation)?)
            .map_err(|e| DeskError::new(ErrorCode::Internal, format!("writing JSON: {e}")))
    }

    /// The export as Markdown: a heading per conversation, one section per message, times in
    /// local time. For reading; only JSON can be imported.
    pub fn export_markdown(&self, conversation: Option<&str>) -> Result<String, DeskError> {
        let document = self.export_document(conversation)?;
        let store = self.store();
        let mut out = String::new();
        for c in &document.conversations {
            out.push_str(&format!(
                "# {}\n\n*{} · {} · {}*\n\n",
                c.title.trim(),
                c.model,
                store.local_time_text(c.created_at)?,
                c.id
            ));
            for m in &c.messages {
                let who = match m.role {
                    desk_store::MessageRole::System => "System",
                    desk_store::MessageRole::User => "You",
                    desk_store::MessageRole::Assistant => "Assistant",
                    desk_store::MessageRole::Tool => "Tool",
                };
                let mut meta = vec![store.local_time_text(m.created_at)?];
                if let Some(model) = &m.model {
                    meta.push(model.clone());
                }
                if m.demo {
                    meta.push("demo".into());
                }
                if m.status != desk_store::MessageStatus::Complete {
                    meta.push(m.status.as_str().into());
                }
                if let Some(error) = &m.error {
                    meta.push(format!("error: {}", error.code));
                }
                if let Some(call) = &m.tool_call_id {
                    meta.push(format!("answers {call}"));
                }
                out.push_str(&format!("## {who}\n\n*{}*\n\n", meta.join(" · ")));
                if !m.content.is_empty() {
                    out.push_str(m.content.trim_end());
                    out.push_str("\n\n");
                }
                for call in &m.tool_calls {
                    out.push_str(&format!(
                        "- calls `{}` ({}) with `{}`\n",
                        call.name, call.id, call.arguments
                    ));
                }
                if !m.tool_calls.is_empty() {
                    out.push('\n');
                }
            }
        }
        Ok(out)
    }

    /// Imports an export (JSON text): merges by id, never overwrites, all or nothing.
    pub fn import_json(&self, text: &str) -> Result<ImportReport, DeskError> {
        let document = parse_export(text)?;
        let conversations: Vec<ImportedConversation> = document
            .conversations
            .into_iter()
            .map(|c| ImportedConversation {
                id: c.id,
                title: c.title,
                model: c.model,
                created_at: c.created_at,
                messages: c.messages,
            })
            .collect();
        let report = self.store().import_conversations(&conversations)?;
        tracing::info!(
            conversations_added = report.conversations_added,
            messages_added = report.messages_added,
            messages_skipped = report.messages_skipped,
            "import finished"
        );
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_are_refused_with_a_clear_reason() {
        let cases = [
            ("{\"format\": \"bailian-desk-export\", \"vers", "truncated"),
            ("not json at all", "not valid JSON"),
            (
                "{\"format\": \"other\", \"version\": 1}",
                "not a \"bailian-desk-export\"",
            ),
            ("{\"version\": 1}", "not a Bailian Desk export"),
            (
                "{\"format\": \"bailian-desk-export\", \"version\": 2, \"exportedAt\": 0, \"conversations\": []}",
                "newer Bailian Desk",
            ),
            (
                "{\"format\": \"bailian-desk-export\", \"version\": 1, \"exportedAt\": 0, \"conversations\": [{\"id\": 3}]}",
                "malformed",
            ),
        ];
        for (text, expected) in cases {
            let error = parse_export(text).expect_err(text);
            assert_eq!(error.code, ErrorCode::InvalidImport);
            assert!(
                error.message.contains(expected),
                "{text}: {}",
                error.message
            );
        }
    }
}
