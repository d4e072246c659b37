-- Full-text search over messages.
--
-- The FTS table uses external content (the text lives once, in `messages`) and needs a rowid that
-- never changes: `messages` had only the implicit rowid, which VACUUM may renumber and so silently
-- point the index at the wrong rows. The table is rebuilt with `local_id INTEGER PRIMARY KEY`, an
-- explicit (hence stable) rowid. `local_id` is local to this database and never synced: `id` stays
-- the message's identity everywhere.
CREATE TABLE messages_new (
    local_id        INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
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

INSERT INTO messages_new (id, conversation_id, role, content, status, model, demo, error_code,
                          error_message, request_id, input_tokens, output_tokens, total_tokens,
                          created_at, updated_at)
SELECT id, conversation_id, role, content, status, model, demo, error_code, error_message,
       request_id, input_tokens, output_tokens, total_tokens, created_at, updated_at
FROM messages ORDER BY created_at, id;

-- Nothing references `messages`, so dropping it cannot trip a foreign key.
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at, id);

-- The trigram tokenizer indexes every run of three characters, so a query matches any substring
-- of at least three characters. That is what Chinese needs: it has no spaces between words, and
-- the word-based tokenizers (unicode61, porter) would index a whole Chinese sentence as one
-- "word", making `通义千问` unfindable inside `我在用通义千问写代码`. It also finds English
-- substrings and code identifiers, case-insensitively. Queries of one or two characters cannot use
-- it; the store falls back to a bounded LIKE scan for those.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content,
    content = 'messages',
    content_rowid = 'local_id',
    tokenize = 'trigram'
);

-- A message is indexed when it has text and is not streaming. A streaming reply is rewritten four
-- times a second; re-indexing its growing text each time would cost the square of its length. It
-- is indexed once, when it is finished (or recovered as partial after a crash).
INSERT INTO messages_fts (rowid, content)
SELECT local_id, content FROM messages WHERE content <> '' AND status <> 'streaming';

CREATE TRIGGER messages_fts_after_insert AFTER INSERT ON messages
WHEN new.content <> '' AND new.status <> 'streaming'
BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.local_id, new.content);
END;

-- External-content deletes must repeat exactly what was indexed, hence the same condition.
CREATE TRIGGER messages_fts_after_delete AFTER DELETE ON messages
WHEN old.content <> '' AND old.status <> 'streaming'
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.local_id, old.content);
END;

CREATE TRIGGER messages_fts_after_update AFTER UPDATE OF content, status ON messages
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
    SELECT 'delete', old.local_id, old.content WHERE old.content <> '' AND old.status <> 'streaming';
    INSERT INTO messages_fts (rowid, content)
    SELECT new.local_id, new.content WHERE new.content <> '' AND new.status <> 'streaming';
END;
