-- desk-store: foreign keys off
-- (The line above tells the migration runner to run this step with foreign keys off and to check
-- them before committing: see `migrations.rs`.)
--
-- Tool calls answered: messages of role `tool` carry the id of the call they answer, and every
-- reply keeps why the model stopped (`stop`, `length`, `tool_calls`).
--
-- The role CHECK of 0001 allows only system, user and assistant, and SQLite cannot alter a CHECK.
-- So the table is rebuilt, by SQLite's documented procedure for schema changes ALTER TABLE cannot
-- make: create the new table, copy the rows, drop the old, rename the new, recreate its indexes
-- and triggers. Foreign keys must be off meanwhile: `message_attachments` and `message_vectors`
-- reference `messages(id) ON DELETE CASCADE`, and dropping the old table with foreign keys on
-- would delete every image and vector through that cascade. `local_id` is copied as is: it is
-- the rowid of the full-text index (external content), which therefore stays valid untouched.
CREATE TABLE messages_new (
    local_id        INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('complete', 'streaming', 'partial', 'failed')),
    model           TEXT,
    -- 1 when the reply came from the offline demo's emulator, never from Qwen.
    demo            INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
    error_code      TEXT,
    error_message   TEXT,
    request_id      TEXT,
    input_tokens    INTEGER,
    output_tokens   INTEGER,
    total_tokens    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- 0003: the device that created it; the HLC of the finish op that set its final state.
    origin_device   TEXT,
    finish_hlc      TEXT,
    -- 0006: its place in the tree and what a reply carried (see that migration).
    parent_id       TEXT,
    reasoning       TEXT,
    search_sources  TEXT,
    tool_calls      TEXT,
    cost_cny        REAL,
    -- For a `tool` message: the id of the tool call it answers.
    tool_call_id    TEXT,
    -- Why the model stopped, as the API said on the last event; NULL when it did not say (a
    -- prompt, a reply stopped or failed, one stored before this column).
    finish_reason   TEXT CHECK (finish_reason IN ('stop', 'length', 'tool_calls')),
    -- A tool message answers a call; no other message does.
    CHECK ((role = 'tool') = (tool_call_id IS NOT NULL))
) STRICT;

INSERT INTO messages_new (local_id, id, conversation_id, role, content, status, model, demo,
                          error_code, error_message, request_id, input_tokens, output_tokens,
                          total_tokens, created_at, updated_at, origin_device, finish_hlc,
                          parent_id, reasoning, search_sources, tool_calls, cost_cny)
SELECT local_id, id, conversation_id, role, content, status, model, demo, error_code,
       error_message, request_id, input_tokens, output_tokens, total_tokens, created_at,
       updated_at, origin_device, finish_hlc, parent_id, reasoning, search_sources, tool_calls,
       cost_cny
FROM messages;

-- Dropped explicitly first, so the drop below cannot touch the full-text index through them.
DROP TRIGGER messages_fts_after_insert;
DROP TRIGGER messages_fts_after_delete;
DROP TRIGGER messages_fts_after_update;
DROP TRIGGER message_vectors_stale;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;

CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at, id);
CREATE INDEX messages_streaming ON messages (local_id) WHERE status = 'streaming';
CREATE INDEX messages_by_parent ON messages (parent_id);

-- Tool messages are not indexed for search: they are what a program answered (JSON, file
-- contents, logs), often long, and would bury what people and the model wrote under machine
-- output; semantic search leaves them out for the same reason (0008 indexes only user and
-- assistant messages). Otherwise the rules of 0002: text, and not while streaming. The delete
-- conditions repeat the insert ones exactly, as external content requires.
CREATE TRIGGER messages_fts_after_insert AFTER INSERT ON messages
WHEN new.content <> '' AND new.status <> 'streaming' AND new.role <> 'tool'
BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.local_id, new.content);
END;

CREATE TRIGGER messages_fts_after_delete AFTER DELETE ON messages
WHEN old.content <> '' AND old.status <> 'streaming' AND old.role <> 'tool'
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.local_id, old.content);
END;

CREATE TRIGGER messages_fts_after_update AFTER UPDATE OF content, status ON messages
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
    SELECT 'delete', old.local_id, old.content
    WHERE old.content <> '' AND old.status <> 'streaming' AND old.role <> 'tool';
    INSERT INTO messages_fts (rowid, content)
    SELECT new.local_id, new.content
    WHERE new.content <> '' AND new.status <> 'streaming' AND new.role <> 'tool';
END;

-- As in 0008.
CREATE TRIGGER message_vectors_stale AFTER UPDATE OF content ON messages
WHEN old.content IS NOT new.content
BEGIN
    DELETE FROM message_vectors WHERE message_id = new.id;
END;
