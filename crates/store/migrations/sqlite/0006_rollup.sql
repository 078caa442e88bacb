-- Hourly counts of incidents for the dashboard over long windows: one row
-- per (kind, hour, name), kept in the transaction that inserts incidents
-- or changes a status, so a 30-day dashboard sums hundreds of rows, not a
-- million. Kinds: `rule` (name: rule id; `enforced` and `fp`, the false
-- positives, counted too), `user` (name: user name, empty ones left
-- out; also `user_day`, by day in UTC, as a month holds many user-hours),
-- `status` (name: the review status), `all` (name: empty). Keep in
-- step with ../postgres/0006_rollup.sql.
CREATE TABLE incident_rollup (
    kind     TEXT NOT NULL,
    hour     INTEGER NOT NULL,     -- Unix ms at the start of the hour
    name     TEXT NOT NULL,
    n        INTEGER NOT NULL DEFAULT 0,
    enforced INTEGER NOT NULL DEFAULT 0,
    fp       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, hour, name)
);

-- The incidents already recorded.
INSERT INTO incident_rollup (kind, hour, name, n, enforced, fp)
SELECT 'rule', (created_at / 3600000) * 3600000, rule_id, COUNT(*), SUM(enforced),
       SUM(CASE WHEN status = 'false_positive' THEN 1 ELSE 0 END)
FROM incidents GROUP BY 2, 3;
INSERT INTO incident_rollup (kind, hour, name, n, enforced, fp)
SELECT 'user', (created_at / 3600000) * 3600000, username, COUNT(*), 0, 0
FROM incidents WHERE username <> '' GROUP BY 2, 3;
INSERT INTO incident_rollup (kind, hour, name, n, enforced, fp)
SELECT 'user_day', (created_at / 86400000) * 86400000, username, COUNT(*), 0, 0
FROM incidents WHERE username <> '' GROUP BY 2, 3;
INSERT INTO incident_rollup (kind, hour, name, n, enforced, fp)
SELECT 'status', (created_at / 3600000) * 3600000, status, COUNT(*), 0, 0
FROM incidents GROUP BY 2, 3;
INSERT INTO incident_rollup (kind, hour, name, n, enforced, fp)
SELECT 'all', (created_at / 3600000) * 3600000, '', COUNT(*), SUM(enforced), 0
FROM incidents GROUP BY 2;
