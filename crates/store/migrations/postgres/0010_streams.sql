-- Streams: a sink subscribed to every incident keeps one position in the
-- incidents' commit order instead of a delivery row per incident (see
-- src/streams.rs). Ids come from a sequence before commit: transactions
-- that insert incidents take an advisory lock in turn, so ids are in
-- commit order and a position is an id.
-- Keep in step with ../sqlite/0010_streams.sql.
CREATE TABLE sink_streams (
    sink        TEXT COLLATE "C" PRIMARY KEY,
    pos         BIGINT NOT NULL,             -- delivered up to this incident id
    delivered   BIGINT NOT NULL DEFAULT 0,   -- incidents delivered through it
    attempts    BIGINT NOT NULL DEFAULT 0,   -- failed attempts at the head
    next_at     BIGINT NOT NULL,             -- not to be tried before (Unix ms)
    holder      TEXT,                        -- the server delivering it ...
    until       BIGINT,                      -- ... until (Unix ms)
    version     BIGINT NOT NULL DEFAULT 0,   -- bumped by every claim
    last_error  TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
