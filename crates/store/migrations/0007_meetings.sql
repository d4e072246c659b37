-- Meetings transcribed and analysed by Tingwu. Like image tasks, a meeting row exists before the
-- create call, gets Tingwu's `dataId` the moment one is returned, and is followed (after a
-- restart too) until its results are stored here: the result URLs expire after 24 h.
--
-- Meetings are local results, not ops: see docs/ARCHITECTURE.md ("Meetings are not ops").
CREATE TABLE meetings (
    id             TEXT PRIMARY KEY NOT NULL,
    -- Tingwu's id, once createTask returned it.
    data_id        TEXT,
    file_url       TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('submitting', 'running', 'succeeded', 'failed')),
    -- Our error code (the error doctor's), DashScope's or Tingwu's own code, and the detail.
    error_code     TEXT,
    dashscope_code TEXT,
    error_message  TEXT,
    -- Tingwu's whole-meeting summary (`ParagraphSummary`).
    summary        TEXT,
    -- JSON array of strings; NULL for none.
    keywords       TEXT,
    -- The audio's length in ms, when Tingwu reported it.
    duration_ms    INTEGER,
    -- The result documents as Tingwu wrote them (a JSON object keyed transcription, summarization,
    -- autoChapters, meetingAssistance), so fields read later need no second paid run.
    documents      TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX meetings_unfinished ON meetings (status) WHERE status IN ('submitting', 'running');
CREATE INDEX meetings_by_time ON meetings (created_at);

-- The transcript, one row per sentence, in file order.
CREATE TABLE meeting_sentences (
    meeting   TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    speaker   TEXT,
    begin_ms  INTEGER NOT NULL,
    end_ms    INTEGER NOT NULL,
    text      TEXT NOT NULL,
    PRIMARY KEY (meeting, position)
) STRICT;

CREATE TABLE meeting_chapters (
    meeting   TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    title     TEXT NOT NULL,
    summary   TEXT,
    begin_ms  INTEGER NOT NULL,
    end_ms    INTEGER NOT NULL,
    PRIMARY KEY (meeting, position)
) STRICT;

-- Action items (to-dos) Tingwu found, with where in the recording they were said.
CREATE TABLE meeting_actions (
    meeting   TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    text      TEXT NOT NULL,
    begin_ms  INTEGER,
    end_ms    INTEGER,
    PRIMARY KEY (meeting, position)
) STRICT;
