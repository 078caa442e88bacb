-- Cordon server schema, SQLite flavour. Keep in step with
-- ../postgres/0001_init.sql: same tables, columns and meaning.
-- Times are Unix milliseconds (INTEGER); JSON is TEXT; flags are 0/1.

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,          -- public prefix id, e.g. `k3f9a1c2d`
    hash        TEXT NOT NULL,             -- hex SHA-256 of the whole secret key
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,             -- `admin` | `client`
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE policies (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    latest_version  INTEGER NOT NULL,
    active_version  INTEGER
);

CREATE TABLE policy_versions (
    policy_id   TEXT NOT NULL REFERENCES policies(id),
    version     INTEGER NOT NULL,
    format      TEXT NOT NULL,             -- `yaml` | `json`
    body        TEXT NOT NULL,
    comment     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    PRIMARY KEY (policy_id, version)
);

-- Every activation, newest last: rollback goes back one step.
CREATE TABLE policy_activations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id   TEXT NOT NULL REFERENCES policies(id),
    version     INTEGER,                   -- NULL = deactivated
    kind        TEXT NOT NULL,             -- activate | rollback
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL
);

-- Small key/value state; `policy_generation` is bumped by every activation
-- so that every server on this database notices it by polling one row.
CREATE TABLE state (
    key     TEXT PRIMARY KEY,
    value   INTEGER NOT NULL
);
INSERT INTO state (key, value) VALUES ('policy_generation', 0);

CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      INTEGER NOT NULL,
    request_id      TEXT NOT NULL,
    rule_id         TEXT NOT NULL,
    rule_name       TEXT NOT NULL DEFAULT '',
    policy_id       TEXT NOT NULL DEFAULT '',
    policy_version  INTEGER NOT NULL DEFAULT 0,
    mode            TEXT NOT NULL,         -- `enforce` | `permissive`
    enforced        INTEGER NOT NULL,      -- 0/1
    decision        TEXT NOT NULL,         -- `allow` | `deny` | `exception`
    action          TEXT NOT NULL,         -- event action: download, share, …
    username        TEXT NOT NULL DEFAULT '',
    categories      TEXT NOT NULL DEFAULT ',', -- `,PII,PCI,` for exact LIKE matching
    status          TEXT NOT NULL DEFAULT 'new',
    details         TEXT NOT NULL          -- JSON, masked values only
);
CREATE INDEX incidents_created ON incidents (created_at);
CREATE INDEX incidents_rule ON incidents (rule_id, created_at);
CREATE INDEX incidents_user ON incidents (username, created_at);
CREATE INDEX incidents_status ON incidents (status, id);

CREATE TABLE incident_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,             -- created | action | justification | status | note
    detail      TEXT NOT NULL              -- JSON
);
CREATE INDEX incident_history_incident ON incident_history (incident_id, id);

CREATE TABLE justifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    incident_id     INTEGER,
    request_id      TEXT NOT NULL DEFAULT '',
    username        TEXT NOT NULL DEFAULT '',
    sender          TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    category        TEXT NOT NULL,
    justification   TEXT NOT NULL,
    submitted_by    TEXT NOT NULL
);
CREATE INDEX justifications_expiry ON justifications (expires_at);

CREATE TABLE agent_groups (
    name            TEXT PRIMARY KEY,
    description     TEXT NOT NULL DEFAULT '',
    policy_id       TEXT NOT NULL REFERENCES policies(id),
    policy_version  INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Dashboard activity, aggregated in memory and flushed per minute bucket.
CREATE TABLE activity (
    bucket  INTEGER NOT NULL,              -- bucket start, Unix ms
    action  TEXT NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (bucket, action)
);
CREATE TABLE activity_users (
    bucket   INTEGER NOT NULL,
    username TEXT NOT NULL,
    PRIMARY KEY (bucket, username)
);
