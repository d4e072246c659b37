-- The op log: every change to conversations and messages, recorded in the same transaction that
-- makes it, so the tables can be rebuilt from the log and the log can be sent to other devices.

-- This database's identity as a writer of ops. Exactly one row, written once by the app (ids are
-- UUIDv7, which SQL cannot make); a copy of the file that keeps writing under the same id would be
-- a second writer of one log, which sync detects.
CREATE TABLE device (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id  TEXT NOT NULL
) STRICT;

CREATE TABLE ops (
    op_id      TEXT PRIMARY KEY NOT NULL,
    device_id  TEXT NOT NULL,
    -- 1, 2, 3… per device without gaps: allocated inside the writing transaction, so a rollback
    -- gives the number back.
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    -- Hybrid logical clock, fixed-width text that sorts like the timestamp.
    hlc        TEXT NOT NULL,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    -- 0 while a remote op waits for what it refers to (a message whose conversation has not
    -- arrived yet) or has a kind this version does not know. Never dropped.
    applied    INTEGER NOT NULL DEFAULT 1 CHECK (applied IN (0, 1)),
    UNIQUE (device_id, seq)
) STRICT;

CREATE INDEX ops_by_hlc ON ops (hlc);
CREATE INDEX ops_pending ON ops (hlc) WHERE applied = 0;

-- The device that created a message: only its own replies can be left `streaming` by its crash.
ALTER TABLE messages ADD COLUMN origin_device TEXT;
-- The HLC of the finish op that set the message's final state; the greatest one wins, whatever
-- order the ops arrive in.
ALTER TABLE messages ADD COLUMN finish_hlc TEXT;

-- Start-up looks for replies a crash left streaming; without this it would read every message.
CREATE INDEX messages_streaming ON messages (local_id) WHERE status = 'streaming';
