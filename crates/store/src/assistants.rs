//! The sessions Bailian Apps keep per conversation (migration 0009): local state, not ops.

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store, now_ms};

impl Store {
    /// The session `app_id` returned last in `conversation_id`, if any.
    pub fn app_session(&self, conversation_id: &str, app_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT session_id FROM app_sessions WHERE conversation_id = ?1 AND app_id = ?2",
                params![conversation_id, app_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Keeps the session an app returned, for the conversation's next prompt. A conversation
    /// purged meanwhile takes its sessions with it, so nothing is kept for it.
    pub fn set_app_session(
        &self,
        conversation_id: &str,
        app_id: &str,
        session_id: &str,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO app_sessions (conversation_id, app_id, session_id, updated_at) \
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?1) \
             ON CONFLICT (conversation_id, app_id) DO UPDATE SET \
             session_id = excluded.session_id, updated_at = excluded.updated_at",
            params![conversation_id, app_id, session_id, now_ms()],
        )?;
        Ok(())
    }
}
