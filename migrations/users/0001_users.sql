-- Users: the CQRS write side. `version` grows by one per change and travels in every event.
create table users (
  id integer generated always as identity primary key,
  name text not null check (length(name) between 1 and 200),
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index users_created on users (created_at desc, id desc);
