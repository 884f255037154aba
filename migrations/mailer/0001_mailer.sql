-- Mailer: clients, mailings (campaigns) and one message per (mailing, client).
create table clients (
  id bigserial primary key,
  phone bigint not null unique,
  operator_code text not null,
  tag text not null default '',
  timezone text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index clients_operator_code on clients (operator_code);
create index clients_tag on clients (tag);

create table mailings (
  id bigserial primary key,
  start_at timestamptz not null,
  end_at timestamptz not null,
  text text not null,
  operator_codes text[] not null default '{}',
  tags text[] not null default '{}',
  -- Sending window in the client's local time, minutes after midnight; null = any time.
  window_start smallint,
  window_end smallint,
  -- scheduled → running (fanned out) → finished (end_at passed); deleted_at hides it.
  state text not null default 'scheduled' check (state in ('scheduled', 'running', 'finished')),
  started_at timestamptz,
  finished_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (end_at > start_at),
  check ((window_start is null) = (window_end is null))
);
-- The scheduler's two questions: which mailings are due to start, which are due to end.
create index mailings_due on mailings (start_at) where state = 'scheduled' and deleted_at is null;
create index mailings_running on mailings (end_at) where state = 'running';

-- No foreign key to clients: a deleted client keeps the history of what was sent to it.
create table messages (
  id bigserial primary key,
  mailing_id bigint not null references mailings (id),
  client_id bigint not null,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  status text not null default 'pending'
    check (status in ('pending', 'sent', 'failed', 'deferred', 'expired')),
  attempts int not null default 0,
  last_error text,
  -- For deferred messages: when the client's sending window opens next.
  due_at timestamptz,
  unique (mailing_id, client_id)
);
create index messages_mailing_status on messages (mailing_id, status);
create index messages_deferred_due on messages (due_at) where status = 'deferred';
