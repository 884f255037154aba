-- Listings: the CQRS write side. Photos live in the object store; their metadata lives here.
create table listings (
  id integer generated always as identity primary key,
  user_id integer not null check (user_id > 0),
  listing_type text not null check (listing_type in ('rent', 'sale')),
  price bigint not null check (price > 0),
  photos jsonb not null default '[]',
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index listings_created on listings (created_at desc, id desc);
create index listings_user_created on listings (user_id, created_at desc, id desc);
