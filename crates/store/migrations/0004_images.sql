-- Image generation tasks and their results. A task row exists before it is submitted, gets
-- DashScope's task id the moment one is returned, and is followed until every image is either
-- downloaded into this database (the result URLs expire after 24 h) or recorded as failed.
CREATE TABLE image_tasks (
    id            TEXT PRIMARY KEY NOT NULL,
    task_id       TEXT,
    model         TEXT NOT NULL,
    prompt        TEXT NOT NULL,
    parameters    TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('submitting', 'pending', 'running', 'succeeded', 'partial', 'failed', 'canceled')),
    error_code    TEXT,
    error_message TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX image_tasks_unfinished ON image_tasks (status) WHERE status IN ('submitting', 'pending', 'running');

CREATE TABLE images (
    id            TEXT PRIMARY KEY NOT NULL,
    task          TEXT NOT NULL REFERENCES image_tasks(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('stored', 'failed')),
    source_url    TEXT,
    actual_prompt TEXT,
    mime          TEXT,
    data          BLOB,
    error_code    TEXT,
    error_message TEXT,
    created_at    INTEGER NOT NULL,
    UNIQUE (task, position)
) STRICT;
