-- Transactional outbox: rows written in the same transaction as the state change they announce.
create table outbox (
  seq bigserial primary key,
  event_id uuid not null unique,
  subject text not null,
  aggregate text not null,
  headers jsonb not null default '{}',
  payload bytea not null,
  created_at timestamptz not null default now()
);
-- The relay keeps order per aggregate: it looks for earlier rows of the same aggregate.
create index outbox_aggregate_seq on outbox (aggregate, seq);

-- Inbox: which events each consumer has already applied, written with the effect itself.
create table inbox (
  consumer text not null,
  event_id text not null,
  handled_at timestamptz not null default now(),
  primary key (consumer, event_id)
);
