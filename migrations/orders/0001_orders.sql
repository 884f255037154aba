-- WB orders in their normalized shape. An order and its parts are replaced together.
create table orders (
  order_uid text primary key,
  track_number text not null,
  entry text not null,
  locale text not null,
  internal_signature text not null,
  customer_id text not null,
  delivery_service text not null,
  shardkey text not null,
  sm_id bigint not null,
  oof_shard text not null,
  -- The text as sent (served back unchanged) and its instant (for ordering).
  date_created text not null,
  created_at timestamptz not null,
  -- sha256 of the order's wire JSON: the same order again is a no-op.
  content_hash text not null,
  received_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index orders_newest on orders (created_at desc, order_uid desc);

create table deliveries (
  order_uid text primary key references orders on delete cascade,
  name text not null,
  phone text not null,
  zip text not null,
  city text not null,
  address text not null,
  region text not null,
  email text not null
);

create table payments (
  order_uid text primary key references orders on delete cascade,
  transaction text not null,
  request_id text not null,
  currency char(3) not null,
  provider text not null,
  amount bigint not null check (amount >= 0),
  payment_dt bigint not null,
  bank text not null,
  delivery_cost bigint not null check (delivery_cost >= 0),
  goods_total bigint not null check (goods_total >= 0),
  custom_fee bigint not null check (custom_fee >= 0)
);

create table items (
  order_uid text not null references orders on delete cascade,
  position integer not null,
  chrt_id bigint not null,
  track_number text not null,
  price bigint not null check (price >= 0),
  rid text not null,
  name text not null,
  sale integer not null,
  size text not null,
  total_price bigint not null check (total_price >= 0),
  nm_id bigint not null,
  brand text not null,
  status integer not null,
  primary key (order_uid, position)
);
