-- The audit trail to a SIEM: a delivery is of an incident or of an audit
-- entry, never both, written in the transaction that writes its subject.
-- SQLite cannot drop a NOT NULL, so the table is rebuilt with its rows
-- and ids (the `dlv_<id>` keys receivers have seen stay the same). Keep
-- in step with ../postgres/0009_audit_deliveries.sql.

CREATE TABLE deliveries_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id   INTEGER REFERENCES incidents(id),
    audit_id      INTEGER REFERENCES audit_log(id),
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
    delivered_at  INTEGER,
    CHECK ((incident_id IS NULL) <> (audit_id IS NULL))
);
INSERT INTO deliveries_new (id, incident_id, target, rule, state, attempts, next_at,
    claimed_by, claimed_until, last_error, created_at, updated_at, delivered_at)
SELECT id, incident_id, target, rule, state, attempts, next_at,
    claimed_by, claimed_until, last_error, created_at, updated_at, delivered_at
FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_queue ON deliveries (state, target, id);
CREATE INDEX deliveries_incident ON deliveries (incident_id, id);
CREATE INDEX deliveries_audit ON deliveries (audit_id) WHERE audit_id IS NOT NULL;
