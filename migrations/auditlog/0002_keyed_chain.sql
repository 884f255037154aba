-- The chain is keyed from here on: hash = HMAC-SHA-256(key, prev_hash || canonical event), the
-- key held by the auditlog's configuration, never by the database; key_id names it. Rows
-- stored before have no key id and keep their plain SHA-256 links.
alter table audit_logs add column key_id text;
