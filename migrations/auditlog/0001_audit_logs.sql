-- Every audit event, once, in a hash chain: hash = sha256(prev_hash || canonical event).
create table audit_logs (
  seq bigint primary key,
  event_id text not null unique,
  occurred_at timestamptz not null,
  recorded_at timestamptz not null default now(),
  actor_type text not null,
  actor_id text not null,
  actor_ip text,
  actor_user_agent text,
  action text not null,
  target_type text not null,
  target_id text not null,
  service text not null,
  correlation_id text not null,
  causation_id text,
  changes jsonb not null,
  metadata jsonb not null,
  prev_hash text not null,
  hash text not null
);

-- Queries are newest first with keyset pagination on (occurred_at, seq), one index per filter.
create index audit_logs_time on audit_logs (occurred_at, seq);
create index audit_logs_actor on audit_logs (actor_id, occurred_at, seq);
create index audit_logs_target on audit_logs (target_type, target_id, occurred_at, seq);
create index audit_logs_action on audit_logs (action, occurred_at, seq);
create index audit_logs_service on audit_logs (service, occurred_at, seq);
create index audit_logs_correlation on audit_logs (correlation_id, occurred_at, seq);

-- The end of the chain: one row, locked by each append so replicas extend the chain in turn.
create table audit_chain_head (
  id boolean primary key default true check (id),
  seq bigint not null,
  hash text not null
);
insert into audit_chain_head (seq, hash) values (0, repeat('0', 64));

-- Append-only: nothing updates, deletes or truncates an audit row.
create function audit_logs_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'audit_logs is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege';
end $$;
create trigger audit_logs_append_only before update or delete on audit_logs
  for each row execute function audit_logs_refuse_change();
create trigger audit_logs_no_truncate before truncate on audit_logs
  for each statement execute function audit_logs_refuse_change();

-- Exports: requested by the API, written by a worker to the object store.
create table audit_exports (
  id uuid primary key,
  status text not null default 'pending'
    check (status in ('pending', 'running', 'completed', 'failed')),
  filters jsonb not null,
  requested_by text,
  object_name text not null,
  row_count bigint,
  size_bytes bigint,
  digest text,
  error text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  heartbeat_at timestamptz,
  completed_at timestamptz
);
create index audit_exports_pending on audit_exports (created_at) where status in ('pending', 'running');
create index audit_exports_created on audit_exports (created_at desc);
