-- `q` searches the embedded user's name as a substring: a trigram index keeps it fast.
create extension if not exists pg_trgm;
create index listing_view_user_name_trgm on listing_view
  using gin (("user"->>'name') gin_trgm_ops) where "user" is not null;
