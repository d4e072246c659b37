-- Bailian Apps used as assistants, and the input images of image edits.

-- The session an app returned for a conversation, sent back with the next prompt so the app
-- keeps its own memory of the conversation (multi-turn through `session_id`). Local state, not
-- an op: the session lives on Bailian's side for a limited time and another device starts its
-- own.
CREATE TABLE IF NOT EXISTS app_sessions (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    app_id          TEXT NOT NULL,
    session_id      TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, app_id)
) STRICT;

-- The images an image task was given to edit, kept with the task (written in the transaction that
-- records the task, before anything is sent) so a result can always be shown next to its source.
-- `source_image` names the stored result image it was taken from, when it was one.
CREATE TABLE IF NOT EXISTS image_task_inputs (
    task         TEXT NOT NULL REFERENCES image_tasks(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    source_image TEXT,
    mime         TEXT NOT NULL,
    data         BLOB NOT NULL,
    PRIMARY KEY (task, position)
) STRICT;
