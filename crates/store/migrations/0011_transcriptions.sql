-- File transcriptions (Paraformer / Fun-ASR asynchronous tasks) as durable jobs. Like meetings
-- (0007), a job row exists before the submit call, gets DashScope's `task_id` the moment one is
-- returned, and is followed (after a restart too) until its transcript is stored here: the
-- `transcription_url` it comes from expires after 24 h.
--
-- Jobs are local results, not ops (see docs/ARCHITECTURE.md).
CREATE TABLE transcriptions (
    id             TEXT PRIMARY KEY NOT NULL,
    file_url       TEXT NOT NULL,
    model          TEXT NOT NULL,
    -- JSON array of strings, as submitted; NULL for none.
    language_hints TEXT,
    -- DashScope's id, once the submit returned it.
    task_id        TEXT,
    -- DashScope's task states, folded: PENDING (and the time before the submit answered) is
    -- pending, RUNNING/SUSPENDED running, SUCCEEDED succeeded once the transcript is stored here,
    -- FAILED/CANCELED/UNKNOWN and every refusal failed.
    status         TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
    -- Our error code (the error doctor's), DashScope's own code, and the detail.
    error_code     TEXT,
    dashscope_code TEXT,
    error_message  TEXT,
    -- The whole text and the billed length, once succeeded.
    text           TEXT,
    duration_seconds INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX transcriptions_unfinished ON transcriptions (status) WHERE status IN ('pending', 'running');
CREATE INDEX transcriptions_by_time ON transcriptions (created_at);

-- The transcript, one row per sentence, in file order.
CREATE TABLE transcription_sentences (
    transcription TEXT NOT NULL REFERENCES transcriptions(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    begin_ms      INTEGER NOT NULL,
    end_ms        INTEGER,
    text          TEXT NOT NULL,
    PRIMARY KEY (transcription, position)
) STRICT;
