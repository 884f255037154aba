-- Payloads are JSON text. As bytea they crossed the wire hex-encoded, twice their size, in both
-- directions (written by the service, read back by the relay).
alter table outbox alter column payload type text using convert_from(payload, 'UTF8');
