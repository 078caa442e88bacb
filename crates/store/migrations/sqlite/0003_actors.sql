-- Actors are typed (src/actor.rs) and stored in one TEXT column each, in a
-- stable encoding: `system`, or `key:<id> (<name>)` for an API key, which
-- is what the server wrote for keys before. Every other old value (the
-- bootstrap's `cordon serve --policy`) was Cordon itself: `system`.
UPDATE policy_versions SET created_by = 'system' WHERE created_by NOT LIKE 'key:% (%)';
UPDATE policy_activations SET actor = 'system' WHERE actor NOT LIKE 'key:% (%)';
UPDATE incident_history SET actor = 'system' WHERE actor NOT LIKE 'key:% (%)';
UPDATE justifications SET submitted_by = 'system' WHERE submitted_by NOT LIKE 'key:% (%)';

-- Who created and revoked a key, and who last changed a group.
ALTER TABLE api_keys ADD COLUMN created_by TEXT NOT NULL DEFAULT 'system';
ALTER TABLE api_keys ADD COLUMN revoked_by TEXT;
ALTER TABLE agent_groups ADD COLUMN updated_by TEXT NOT NULL DEFAULT 'system';
