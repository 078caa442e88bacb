-- Response and crawl state: the deliveries of incidents to alert sinks and
-- response plug-ins (the outbox), the installed plug-in packages, the
-- share inventory applications register with its crawl runs, and the
-- leases of jobs exactly one server runs. Keep in step with
-- ../postgres/0007_outbox.sql.

-- One row per (incident, target) to deliver, written in the transaction
-- that inserts the incident. A server claims rows (claimed_by,
-- claimed_until) before delivering them; an expired claim may be taken
-- again. The idempotency key a target sees is `dlv_<id>`.
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    target        TEXT NOT NULL,             -- `sink:<id>` | `plugin:<name>`
    rule          TEXT NOT NULL DEFAULT '',  -- the response rule that asked, or ''
    state         TEXT NOT NULL,             -- pending | delivered | failed
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       INTEGER NOT NULL,          -- not to be tried before (Unix ms)
    claimed_by    TEXT,
    claimed_until INTEGER,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    delivered_at  INTEGER
);
-- The queue: a target's pending deliveries in id order. Finding the
-- targets (one seek each), a target's head and its claim are range reads
-- of it, however many delivered rows pile up beside them.
CREATE INDEX deliveries_queue ON deliveries (state, target, id);
CREATE INDEX deliveries_incident ON deliveries (incident_id, id);

-- Installed response plug-in packages, one version per name.
CREATE TABLE plugins (
    name         TEXT PRIMARY KEY,
    version      TEXT NOT NULL,
    manifest     TEXT NOT NULL,              -- JSON
    sha256       TEXT NOT NULL,              -- hex SHA-256 of `package`
    size         INTEGER NOT NULL,           -- bytes of `package`
    package      BLOB NOT NULL,
    installed_at INTEGER NOT NULL,
    installed_by TEXT NOT NULL               -- actor
);

-- The shares applications register for the crawler, as they sent them.
CREATE TABLE shares (
    app        TEXT NOT NULL,                -- compared bytewise (PostgreSQL: COLLATE "C")
    share_id   TEXT NOT NULL,
    path       TEXT NOT NULL,
    public     INTEGER NOT NULL,             -- 0/1
    users      TEXT NOT NULL,                -- JSON array of user names
    groups     TEXT NOT NULL,                -- JSON array of group names
    owner      TEXT NOT NULL,
    files      TEXT NOT NULL,                -- JSON, bounded by the server
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    removed_at INTEGER,                      -- set: the app stopped listing it
    PRIMARY KEY (app, share_id)
);

CREATE TABLE crawl_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    holder      TEXT NOT NULL,               -- the server that ran it
    mode        TEXT NOT NULL,               -- dry_run | enforce
    checked     INTEGER NOT NULL DEFAULT 0,
    violations  INTEGER NOT NULL DEFAULT 0,
    report      TEXT,                        -- JSON, once finished
    error       TEXT
);

-- Scheduled jobs exactly one server runs at a time: the row decides who
-- (Grafana's `server_lock`), `version` changes with every taking.
CREATE TABLE job_leases (
    job           TEXT PRIMARY KEY,
    holder        TEXT NOT NULL,
    until         INTEGER NOT NULL,          -- the lease ends (Unix ms)
    version       INTEGER NOT NULL,
    last_started  INTEGER NOT NULL,
    last_finished INTEGER,
    outcome       TEXT
);
