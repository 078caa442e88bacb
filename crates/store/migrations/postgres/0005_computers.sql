-- Computers and remote offices, the two ways an administrator's scope
-- names computers, and the computer each incident came from. Keep in step
-- with ../sqlite/0005_computers.sql.

-- A remote office: a set of computers managed together.
CREATE TABLE remote_offices (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL              -- an actor (src/actor.rs)
);

-- A managed computer, named by its host name as its agent reports it. One
-- `group_name` column makes "a computer is in at most one unique group"
-- true by construction; deleting the group leaves its computers ungrouped.
-- An office with computers in it cannot be deleted.
CREATE TABLE computers (
    name         TEXT PRIMARY KEY,
    group_name   TEXT REFERENCES agent_groups(name) ON DELETE SET NULL,
    office       TEXT REFERENCES remote_offices(name),
    key_id       TEXT,                     -- the client API key its agent uses
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL,
    last_seen_at BIGINT
);
CREATE INDEX computers_group ON computers (group_name);
CREATE INDEX computers_office ON computers (office);
-- A key is bound to at most one computer.
CREATE UNIQUE INDEX computers_key ON computers (key_id) WHERE key_id IS NOT NULL;

-- The computer an incident came from (`computers.name`); '' when it came
-- from no managed computer (a gateway, or before computers were known).
-- Not a foreign key: an incident outlives its computer.
ALTER TABLE incidents ADD COLUMN computer TEXT NOT NULL DEFAULT '';
CREATE INDEX incidents_computer ON incidents (computer, created_at);

-- Who created a group (its owner for permission checks); set on insert
-- only. Groups from before were Cordon's own.
ALTER TABLE agent_groups ADD COLUMN created_by TEXT NOT NULL DEFAULT 'system';
