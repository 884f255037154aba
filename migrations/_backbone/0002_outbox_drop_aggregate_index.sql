-- The relay finds rows left behind with one range scan on seq (the backbone outbox); the index on
-- (aggregate, seq) is no longer read, and every outbox insert paid for it.
drop index if exists outbox_aggregate_seq;
