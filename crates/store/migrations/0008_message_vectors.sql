-- Semantic search: one embedding per message, derived from its text by an embedding model.
--
-- Vectors are derived data, not ops: they are recomputed from the messages (which are ops) by
-- whoever wants to search, they are large (4 bytes per dimension per message) and they depend on
-- the embedding model and dimension chosen on this device. A database rebuilt from the op log has
-- none and indexes again.
--
-- A message has at most one vector, for the model and dimension it was embedded with; a vector of
-- another model or dimension is as good as none and is replaced at the next indexing. The index
-- follows the messages by itself: deleting a message (or purging its conversation) deletes its
-- vector through the foreign key, and a change of text deletes it through the trigger below, so
-- "not indexed" is simply "no vector for the current model and dimension".
CREATE TABLE IF NOT EXISTS message_vectors (
    message_id  TEXT PRIMARY KEY NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    model       TEXT NOT NULL,
    dimension   INTEGER NOT NULL CHECK (dimension > 0),
    -- `dimension` little-endian f32, normalised to length 1 so cosine similarity is a dot product.
    vector      BLOB NOT NULL CHECK (length(vector) = 4 * dimension),
    indexed_at  INTEGER NOT NULL
) STRICT;

-- A reply that streams rewrites its text four times a second; it is never indexed while
-- streaming, so these deletes find nothing and cost one primary-key lookup.
CREATE TRIGGER IF NOT EXISTS message_vectors_stale AFTER UPDATE OF content ON messages
WHEN old.content IS NOT new.content
BEGIN
    DELETE FROM message_vectors WHERE message_id = new.id;
END;

-- A counter bumped by every change to the vectors, whoever makes it (this connection, a trigger
-- above, another process on the same file): a search keeps the vectors in memory and reloads them
-- only when the counter moved, instead of reading every blob on every query.
CREATE TABLE IF NOT EXISTS message_vectors_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
) STRICT;
INSERT OR IGNORE INTO message_vectors_generation (id, generation) VALUES (1, 0);

CREATE TRIGGER IF NOT EXISTS message_vectors_inserted AFTER INSERT ON message_vectors
BEGIN
    UPDATE message_vectors_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS message_vectors_updated AFTER UPDATE ON message_vectors
BEGIN
    UPDATE message_vectors_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS message_vectors_deleted AFTER DELETE ON message_vectors
BEGIN
    UPDATE message_vectors_generation SET generation = generation + 1 WHERE id = 1;
END;
