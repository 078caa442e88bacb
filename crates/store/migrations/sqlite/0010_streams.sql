-- Streams: a sink subscribed to every incident keeps one position in the
-- incidents' commit order instead of a delivery row per incident (see
-- src/streams.rs). SQLite's ids are in commit order (one writer at a
-- time, AUTOINCREMENT), so a position is an id. Keep in step with
-- ../postgres/0010_streams.sql.
CREATE TABLE sink_streams (
    sink        TEXT PRIMARY KEY,
    pos         INTEGER NOT NULL,            -- delivered up to this incident id
    delivered   INTEGER NOT NULL DEFAULT 0,  -- incidents delivered through it
    attempts    INTEGER NOT NULL DEFAULT 0,  -- failed attempts at the head
    next_at     INTEGER NOT NULL,            -- not to be tried before (Unix ms)
    holder      TEXT,                        -- the server delivering it ...
    until       INTEGER,                     -- ... until (Unix ms)
    version     INTEGER NOT NULL DEFAULT 0,  -- bumped by every claim
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
