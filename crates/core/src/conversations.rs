//! Organising conversations (pin, rename, folder, archive, parameters, trash, restore, purge),
//! deleting messages, and reading attachments. Each is one call into the store, whose changes are
//! ops; this layer checks the input and speaks the error contract.

use desk_store::{Conversation, ConversationPatch, ConversationScope, MessageStatus};

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

/// Longest conversation title and folder name accepted.
pub const MAX_TITLE_CHARS: usize = 200;

fn invalid(message: impl Into<String>) -> DeskError {
    DeskError::new(ErrorCode::BadRequest, message)
}

/// `patch` checked: a title that is not blank (trimmed), a folder name trimmed (blank means no
/// folder), parameters in range.
fn checked(patch: ConversationPatch) -> Result<ConversationPatch, DeskError> {
    let title = match patch.title.as_deref().map(str::trim) {
        None => None,
        Some("") => return Err(invalid("the title is empty")),
        Some(title) if title.chars().count() > MAX_TITLE_CHARS => {
            return Err(invalid(format!(
                "the title is longer than {MAX_TITLE_CHARS} characters"
            )));
        }
        Some(title) => Some(title.to_owned()),
    };
    let folder = match patch.folder {
        None => None,
        Some(folder) => {
            let folder = folder
                .as_deref()
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_owned);
            if folder
                .as_ref()
                .is_some_and(|f| f.chars().count() > MAX_TITLE_CHARS)
            {
                return Err(invalid(format!(
                    "the folder name is longer than {MAX_TITLE_CHARS} characters"
                )));
            }
            Some(folder)
        }
    };
    let params = patch
        .params
        .as_ref()
        .map(crate::settings::checked_params)
        .transpose()?;
    Ok(ConversationPatch {
        title,
        folder,
        params,
        ..patch
    })
}

impl Desk {
    /// The conversations of `scope`: active (neither archived nor trashed; pinned first, then
    /// the most recently active), archived, or the trash (most recently trashed first).
    pub fn list_conversations_in(
        &self,
        scope: ConversationScope,
    ) -> Result<Vec<Conversation>, DeskError> {
        Ok(self.store().list_conversations_in(scope)?)
    }

    /// Changes the conversation's title, pin, folder, archive flag or parameters; absent fields
    /// stay. Returns the conversation as stored. Parameters are checked against the
    /// conversation's model too (tools, token limit, thinking), so a refusal comes now rather
    /// than at the next prompt; each send checks again against the model it uses.
    pub fn update_conversation(
        &self,
        id: &str,
        patch: ConversationPatch,
    ) -> Result<Conversation, DeskError> {
        let patch = checked(patch)?;
        let store = self.store();
        if let Some(params) = &patch.params {
            let model = store.conversation(id)?.model;
            crate::settings::checked_for_model(params, &model)?;
        }
        let conversation = store.update_conversation(id, &patch)?;
        tracing::info!(conversation = %id, "conversation updated");
        Ok(conversation)
    }

    /// Moves the conversation to the trash, from where it can be restored or purged.
    pub fn trash_conversation(&self, id: &str) -> Result<(), DeskError> {
        self.store().trash_conversation(id)?;
        tracing::info!(conversation = %id, "conversation moved to the trash");
        Ok(())
    }

    /// Takes the conversation out of the trash.
    pub fn restore_conversation(&self, id: &str) -> Result<(), DeskError> {
        self.store().restore_conversation(id)?;
        tracing::info!(conversation = %id, "conversation restored from the trash");
        Ok(())
    }

    /// Deletes a conversation in the trash for good, with its messages, their search entries and
    /// images. A conversation outside the trash is refused (`bad_request`): purging is the second
    /// step of deleting, never the first.
    pub fn purge_conversation(&self, id: &str) -> Result<(), DeskError> {
        self.store().purge_conversation(id)?;
        tracing::info!(conversation = %id, "conversation purged");
        Ok(())
    }

    /// Deletes a message and everything below it in the tree (the replies that follow it in its
    /// branch), with their search entries and images. A branch with a reply still being written
    /// is refused: stop it first.
    pub fn delete_message(&self, id: &str) -> Result<(), DeskError> {
        let store = self.store();
        for member in store.message_subtree(id)? {
            if store.message(&member)?.status == MessageStatus::Streaming {
                return Err(invalid(format!(
                    "reply {member} in this branch is still being written; stop it before deleting"
                )));
            }
        }
        let deleted = store.delete_message(id)?;
        tracing::info!(message = %id, deleted = deleted.len(), "message deleted with its branch");
        Ok(())
    }

    /// An attachment's MIME type and bytes.
    pub fn attachment_data(&self, id: &str) -> Result<(String, Vec<u8>), DeskError> {
        Ok(self.store().attachment_data(id)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_are_trimmed_and_checked() {
        let patch = checked(ConversationPatch {
            title: Some("  Trip plans ".into()),
            folder: Some(Some("   ".into())),
            ..ConversationPatch::default()
        })
        .expect("valid");
        assert_eq!(patch.title.as_deref(), Some("Trip plans"));
        assert_eq!(patch.folder, Some(None), "a blank folder is no folder");
        for bad in [
            ConversationPatch {
                title: Some(" \n ".into()),
                ..ConversationPatch::default()
            },
            ConversationPatch {
                title: Some("x".repeat(MAX_TITLE_CHARS + 1)),
                ..ConversationPatch::default()
            },
            ConversationPatch {
                folder: Some(Some("f".repeat(MAX_TITLE_CHARS + 1))),
                ..ConversationPatch::default()
            },
        ] {
            assert_eq!(
                checked(bad).expect_err("refused").code,
                ErrorCode::BadRequest
            );
        }
    }
}
