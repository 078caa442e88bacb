-- How far each server's local incident journal has been loaded into this
-- database. Updated in the same transaction as the incidents it covers, so
-- a restart replays exactly the journal records that were not loaded.
CREATE TABLE journal_progress (
    journal_id  TEXT PRIMARY KEY,          -- random id kept in the server's data directory
    lsn         BIGINT NOT NULL,           -- journal byte position loaded up to
    updated_at  BIGINT NOT NULL
);
