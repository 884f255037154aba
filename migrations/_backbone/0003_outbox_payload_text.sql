-- Payloads are JSON text. As bytea they crossed the wire hex-encoded, twice their size, in both
-- directions (written by the service, read back by the relay).
alter table outbox alter column payload type text using convert_from(payload, 'UTF8');
-- Every payload is a JSON object. A writer still running the previous release would send bytea,
-- which Postgres converts to its hex text ('\x7b22…') without complaint; this makes such a write
-- fail instead of publishing an event nobody can read.
alter table outbox add constraint outbox_payload_is_json_object check (left(payload, 1) = '{');
