-- The ORDERS stream sequence of the message that wrote the current version: an older message
-- (a redelivery, a concurrent batch, another replica) never replaces a newer version.
alter table orders add column source_seq bigint not null default 0;
