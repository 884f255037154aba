/** The ledger applies each transfer exactly once, whatever JetStream delivers twice. */
import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { auditSubject, createEvent, silentLogger, startConsumer } from "@flotilla/backbone";
import {
  ACCOUNTS_TRANSFERS_CONSUMER,
  fleetCatalog,
  TRANSACTIONS_STREAM,
  TRANSFER_SUBMITTED,
  type TransferSubmitted,
} from "@flotilla/contracts";
import { eventually, integration, type TestEnv, testEnv } from "@flotilla/testkit";
import { applyTransfersHandler, insertAccount } from "@flotilla/accounts/testing";

const actor = { type: "user" as const, id: "u-1", ip: "127.0.0.1", user_agent: null };

/** Accounts 1 (100.00) and 2 (0.00) on a bare ledger; `startLedger` applies what is submitted. */
async function ledger(env: TestEnv) {
  await env.provision(fleetCatalog);
  await env.migrate("accounts");
  const sql = env.sql();
  await sql.begin(async (tx) => {
    await insertAccount(tx, 1, 10_000n);
    await insertAccount(tx, 2, 0n);
  });
  const nc = await env.connect();
  const startLedger = (batch: { size: number; maxWaitMs: number }) => {
    const consumer = startConsumer<TransferSubmitted>({
      nc,
      catalog: fleetCatalog,
      stream: TRANSACTIONS_STREAM,
      durable: ACCOUNTS_TRANSFERS_CONSUMER,
      logger: silentLogger,
      sql,
      batch: {
        handler: applyTransfersHandler({ catalog: fleetCatalog, service: "accounts" }),
        ...batch,
      },
    });
    env.defer(() => consumer.stop());
  };
  return { sql, nc, js: jetstream(nc), startLedger };
}

integration(
  "each transfer is applied exactly once under redelivery and resubmission",
  async () => {
    await using env = await testEnv();
    const { sql, js, startLedger } = await ledger(env);
    const data: TransferSubmitted = {
      transaction_id: 7,
      source_account_id: 1,
      destination_account_id: 2,
      amount: "25.00",
      reversal_of: null,
      actor,
    };
    const first = createEvent({ type: TRANSFER_SUBMITTED, source: "test", subject: 7, data });
    const payload = new TextEncoder().encode(JSON.stringify(first));
    // The same event three times past the server's de-duplication (a relay re-publishing
    // after a crash, say), then the same transfer again under a new event id.
    for (let i = 0; i < 3; i++) {
      await js.publish(TRANSFER_SUBMITTED, payload, { msgID: `copy-${i}` });
    }
    const resubmitted = createEvent({ type: TRANSFER_SUBMITTED, source: "test", subject: 7, data });
    await js.publish(TRANSFER_SUBMITTED, new TextEncoder().encode(JSON.stringify(resubmitted)));

    startLedger({ size: 2, maxWaitMs: 5 });

    await eventually("four messages handled", async () => {
      const info = await (await js.consumers.get(TRANSACTIONS_STREAM, ACCOUNTS_TRANSFERS_CONSUMER))
        .info();
      return info.num_ack_pending === 0 && info.num_pending === 0 &&
        info.delivered.stream_seq === 4;
    });
    const balances = await sql<{ balance_cents: string }[]>`
      select balance_cents from accounts order by account_id`;
    assert.deepEqual(balances.map((b) => b.balance_cents), ["7500", "2500"]);
    const [{ legs }] = await sql`select count(*)::int as legs from postings
      where transaction_id = 7`;
    assert.equal(legs, 2, "one debit and one credit");
    const [{ inbox }] = await sql`select count(*)::int as inbox from inbox`;
    assert.equal(inbox, 2, "two distinct event ids reached the handler");

    // The outbox holds one outcome per distinct event (the resubmission hears the same answer),
    // and account.updated + audit for the one application.
    const rows = await sql<{ subject: string; payload: string }[]>`
      select subject, payload from outbox order by seq`;
    const subjects = rows.map((r) => r.subject);
    assert.equal(subjects.filter((s) => s === "transaction.outcome.completed").length, 2);
    assert.equal(subjects.filter((s) => s === "account.updated").length, 2);
    assert.equal(subjects.filter((s) => s === auditSubject("accounts")).length, 2);
    // Each follows from the transfer it answers, and the ledger's changes are audited as done
    // by whoever asked for the transfer.
    const events = rows.map((r) => JSON.parse(r.payload));
    const causes = new Set([first.id, resubmitted.id]);
    assert.ok(events.every((e) => causes.has(e.causation_id)), JSON.stringify(events));
    const audits = events.filter((e) => e.type === "audit.recorded");
    assert.deepEqual(audits.map((e) => e.data.actor.id), ["u-1", "u-1"]);
  },
);

integration(
  "a transfer whose data is broken is dead-lettered, and the rest go through",
  async () => {
    await using env = await testEnv();
    const { sql, nc, js, startLedger } = await ledger(env);
    const good = (id: number) =>
      createEvent<TransferSubmitted>({
        type: TRANSFER_SUBMITTED,
        source: "test",
        subject: id,
        data: {
          transaction_id: id,
          source_account_id: 1,
          destination_account_id: 2,
          amount: "1.00",
          reversal_of: null,
          actor,
        },
      });
    const same = good(2);
    same.data = { ...same.data, destination_account_id: 1 };
    for (const e of [good(1), same, good(3)]) {
      await js.publish(TRANSFER_SUBMITTED, new TextEncoder().encode(JSON.stringify(e)));
    }
    startLedger({ size: 10, maxWaitMs: 20 });
    await eventually("the poison message is dead-lettered", async () => {
      const info = await (await (await import("@nats-io/jetstream")).jetstreamManager(nc)).streams
        .info("DLQ");
      return info.state.messages === 1;
    });
    await eventually("the good transfers applied", async () => {
      const [{ n }] = await sql`select count(*)::int as n from transfers`;
      return n === 2;
    });
    const [{ balance }] = await sql`select balance_cents::text as balance from accounts
    where account_id = 2`;
    assert.equal(balance, "200");
  },
);
