-- The chat screen: messages form a tree (regenerate and edit-and-resend add siblings), replies
-- keep their reasoning, search sources, tool calls and cost, prompts carry images, and
-- conversations can be pinned, filed, archived, trashed and given their own parameters.

-- The message this one answers or follows; NULL for the first of a conversation. No foreign key:
-- deleting a branch is an op that names the branch's root, and the store deletes the rows below it
-- itself, so every deletion goes through the FTS triggers and is recorded the same way.
ALTER TABLE messages ADD COLUMN parent_id TEXT;
-- The model's thinking (`reasoning_content`), kept apart from the answer.
ALTER TABLE messages ADD COLUMN reasoning TEXT;
-- JSON arrays of {index, title, url, siteName} and of {id, name, arguments}; NULL for none.
ALTER TABLE messages ADD COLUMN search_sources TEXT;
ALTER TABLE messages ADD COLUMN tool_calls TEXT;
-- CNY from the registry's price; NULL when unknown or not a paid reply.
ALTER TABLE messages ADD COLUMN cost_cny REAL;

-- Until now a conversation was one line of messages in (created_at, id) order: chain them so.
UPDATE messages
SET parent_id = chain.previous
FROM (
    SELECT local_id,
           LAG(id) OVER (PARTITION BY conversation_id ORDER BY created_at, id) AS previous
    FROM messages
) AS chain
WHERE chain.local_id = messages.local_id;

-- Children of a message: what deleting a branch and walking the tree look up.
CREATE INDEX messages_by_parent ON messages (parent_id);

-- Images attached to a message. The bytes are local: they are not in the op log (see
-- desk-domain's `op` module) and will sync through their own channel.
CREATE TABLE message_attachments (
    id          TEXT PRIMARY KEY NOT NULL,
    message_id  TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    mime        TEXT NOT NULL,
    byte_length INTEGER NOT NULL,
    bytes       BLOB NOT NULL,
    UNIQUE (message_id, position)
) STRICT;

ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1));
ALTER TABLE conversations ADD COLUMN folder TEXT;
ALTER TABLE conversations ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
-- Unix ms when moved to the trash; NULL when not in the trash.
ALTER TABLE conversations ADD COLUMN deleted_at INTEGER;
-- JSON of the conversation's ChatParams; NULL for the defaults.
ALTER TABLE conversations ADD COLUMN params TEXT;

-- Each of these fields is a last-writer-wins register: the HLC of the op that last set it, so an
-- older update arriving late changes nothing and concurrent edits of different fields both stay.
-- NULL means set by the conversation's creation (any update wins). `trash_hlc` is shared by
-- trashing and restoring.
ALTER TABLE conversations ADD COLUMN title_hlc TEXT;
ALTER TABLE conversations ADD COLUMN pinned_hlc TEXT;
ALTER TABLE conversations ADD COLUMN folder_hlc TEXT;
ALTER TABLE conversations ADD COLUMN archived_hlc TEXT;
ALTER TABLE conversations ADD COLUMN params_hlc TEXT;
ALTER TABLE conversations ADD COLUMN trash_hlc TEXT;

-- Ids deleted for good (purged conversations, deleted messages and everything under them). Ops
-- naming them that arrive afterwards (from another device, or out of order) are absorbed instead
-- of resurrecting the row or waiting forever for it.
CREATE TABLE tombstones (
    id    TEXT PRIMARY KEY NOT NULL,
    kind  TEXT NOT NULL CHECK (kind IN ('conversation', 'message')),
    hlc   TEXT NOT NULL
) STRICT;
