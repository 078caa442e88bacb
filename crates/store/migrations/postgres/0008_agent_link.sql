-- The endpoint agent's link: enrolment tokens, one of which lets many
-- computers join one agent group, and the latest heartbeat of each
-- computer's agent. Keep in step with ../sqlite/0008_agent_link.sql.

-- An enrolment token: `cordon_enrol_<id>_<secret>`, stored only as the
-- SHA-256 of the whole text. A use is counted by one conditional UPDATE
-- (not revoked, not expired, uses below max_uses), so servers sharing the
-- database never let a token be used more often than it may. Deleting the
-- group deletes its tokens.
CREATE TABLE enrolment_tokens (
    id             TEXT PRIMARY KEY,       -- public, 8 hex digits: the prefix listings show
    hash           TEXT NOT NULL,          -- hex SHA-256 of the whole token
    label          TEXT NOT NULL DEFAULT '',
    group_name     TEXT NOT NULL REFERENCES agent_groups(name) ON DELETE CASCADE,
    expires_at     BIGINT NOT NULL,
    max_uses       BIGINT,                   -- NULL: as many computers as come before it expires
    uses           BIGINT NOT NULL DEFAULT 0,
    allow_reenrol  BIGINT NOT NULL DEFAULT 0, -- 1: may take over a computer name bound to another key
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL,          -- an actor (src/actor.rs)
    last_used_at   BIGINT,
    revoked_at     BIGINT,
    revoked_by     TEXT
);
CREATE INDEX enrolment_tokens_group ON enrolment_tokens (group_name, created_at);

-- What the computer's agent last reported (version, host identity, policy
-- serial and version in force, trusted keys, spool backlog) as JSON, and
-- when; the newest report wins when several servers hear from one agent.
ALTER TABLE computers ADD COLUMN agent_report TEXT;
ALTER TABLE computers ADD COLUMN agent_report_at BIGINT;
