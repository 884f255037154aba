-- The read model. view_users holds the latest snapshot of every user seen; listing_view holds
-- every listing with its user embedded. A listing whose user has not arrived yet is kept with
-- "user" null (pending) and completed when the user arrives; queries skip pending rows.
-- Timestamps are microseconds since the epoch, as the API returns them.
create table view_users (
  id integer primary key,
  name text not null,
  created_at bigint not null,
  updated_at bigint not null,
  version integer not null
);

create table listing_view (
  id integer primary key,
  user_id integer not null,
  listing_type text not null,
  price bigint not null,
  photos jsonb not null default '[]',
  created_at bigint not null,
  updated_at bigint not null,
  version integer not null,
  "user" jsonb,
  projected_at timestamptz not null default clock_timestamp()
);
create index listing_view_newest on listing_view (created_at desc, id desc)
  where "user" is not null;
create index listing_view_user on listing_view (user_id, created_at desc, id desc);
create index listing_view_type_newest on listing_view (listing_type, created_at desc, id desc)
  where "user" is not null;
create index listing_view_price on listing_view (price) where "user" is not null;
