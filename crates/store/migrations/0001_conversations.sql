-- Conversations and their messages. Ids are UUIDv7 text so that rows created on different devices
-- never collide and sort by creation time. Timestamps are Unix milliseconds.
CREATE TABLE conversations (
    id          TEXT PRIMARY KEY NOT NULL,
    title       TEXT NOT NULL,
    model       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE messages (
    id              TEXT PRIMARY KEY NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
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
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at, id);
CREATE INDEX conversations_by_update ON conversations (updated_at DESC);
