-- Accounts hold the running balance; postings are the journal that proves it.
create table accounts (
  account_id bigint primary key check (account_id > 0),
  balance_cents bigint not null check (balance_cents >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One row per balance change: the opening balance, and one debit plus one credit per transfer.
-- amount_cents is signed (a debit is negative), so balance = sum(amount_cents) per account.
create table postings (
  id bigserial primary key,
  account_id bigint not null references accounts (account_id),
  transaction_id bigint,
  kind text not null check (kind in ('opening', 'debit', 'credit')),
  amount_cents bigint not null,
  balance_after_cents bigint not null check (balance_after_cents >= 0),
  created_at timestamptz not null default now(),
  check ((kind = 'opening') = (transaction_id is null)),
  check ((kind = 'debit') = (amount_cents < 0) or kind = 'opening')
);
create index postings_account on postings (account_id, id);
-- A transfer is applied at most once, whatever reaches us twice.
create unique index postings_transfer_leg on postings (transaction_id, kind)
  where transaction_id is not null;

-- Every transfer the ledger decided, applied or refused: a second submission of the same
-- transaction id gets the same answer again instead of a second effect.
create table transfers (
  transaction_id bigint primary key,
  source_account_id bigint not null,
  destination_account_id bigint not null,
  amount_cents bigint not null check (amount_cents > 0),
  status text not null check (status in ('completed', 'failed')),
  reason text,
  source_balance_cents bigint,
  destination_balance_cents bigint,
  decided_at timestamptz not null default now()
);
