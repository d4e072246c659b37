-- The usage ledger: one row per API call (chat, image task, speech, embedding), with what it
-- consumed, how it ended and what it cost. Local to this device: it is a record of this device's
-- calls, not part of the synced history, so it is not written as ops.
CREATE TABLE usage_ledger (
    id              TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('chat', 'image', 'speech_synthesis', 'speech_recognition', 'embedding')),
    model           TEXT NOT NULL,
    conversation_id TEXT,
    -- The reply's message id for chat, the image task's id for images.
    item_id         TEXT,
    input_tokens    INTEGER,
    output_tokens   INTEGER,
    -- Images stored, characters synthesized or seconds recognized; `unit` says which.
    units           INTEGER,
    unit            TEXT CHECK (unit IN ('images', 'characters', 'seconds')),
    latency_ms      INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'partial')),
    error_code      TEXT,
    -- NULL when the registry has no CNY price for the model: unknown, never guessed.
    cost_cny        REAL,
    -- The `as_of` date (`YYYY-MM`) of the price the cost was computed with.
    price_as_of     TEXT,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX usage_by_time ON usage_ledger (created_at);

-- Small settings of this install (the monthly budget and what to do when it is reached).
CREATE TABLE settings (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
) STRICT;
