-- The audit trail to a SIEM: a delivery is of an incident or of an audit
-- entry, never both, written in the transaction that writes its subject.
-- Keep in step with ../sqlite/0009_audit_deliveries.sql.

ALTER TABLE deliveries ALTER COLUMN incident_id DROP NOT NULL;
ALTER TABLE deliveries ADD COLUMN audit_id BIGINT REFERENCES audit_log(id);
ALTER TABLE deliveries ADD CONSTRAINT deliveries_one_subject
    CHECK ((incident_id IS NULL) <> (audit_id IS NULL));
CREATE INDEX deliveries_audit ON deliveries (audit_id) WHERE audit_id IS NOT NULL;
