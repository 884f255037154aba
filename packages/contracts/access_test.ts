/**
 * The fleet's permissions against a real nats-server: what a service's declaration grants
 * works, and what it does not is refused by the server (each refusal observed here).
 */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { nkeys } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport";
import { checkAccess, createEvent, IDEMPOTENCY_BUCKET, natsAuthOptions } from "@flotilla/backbone";
import { integration, testEnv } from "@flotilla/testkit";
import { fleetAccess } from "./access.ts";
import { fleetCatalog } from "./fleet.ts";

Deno.test("every service's access names only what the fleet catalog declares", () => {
  for (const access of fleetAccess) checkAccess(fleetCatalog, access);
  assert.throws(
    () => checkAccess(fleetCatalog, { service: "x", kv: [{ bucket: "nope" }] }),
    /kv nope is not in the catalog/,
  );
});

const refusal = /Permissions Violation for (Publish|Subscription) to/;

integration(
  "accounts' credentials publish its own events and nothing else, read only its own idempotency keys, delete no stream; strangers cannot connect",
  async () => {
    await using env = await testEnv({ refusals: true });
    await env.provision(fleetCatalog);
    const admin = await env.connect();
    const jsm = await jetstreamManager(admin);
    const accounts = await env.connectAs("accounts");
    const js = jetstream(accounts);
    const event = (type: string, source = "accounts") =>
      JSON.stringify(createEvent({ type, source, subject: 1, data: {} }));

    // What it may do works: its own event, its own audit subject, its own keys.
    assert.equal(
      (await js.publish("account.created", event("account.created"))).stream,
      "ACCOUNTS",
    );
    assert.equal(
      (await js.publish("audit.accounts.recorded", event("audit.recorded"))).stream,
      "AUDIT",
    );
    const kv = await new Kvm(accounts).open(IDEMPOTENCY_BUCKET, { allow_direct: true });
    await kv.put("accounts.k1", "mine");
    assert.equal((await kv.get("accounts.k1"))?.string(), "mine");

    // Its own dead letters, of any class, and what its metrics sampler reads: its durable's
    // lag and the dead letters' count per subject.
    const accountsJsm = await jetstreamManager(accounts, { checkAPI: false });
    const ownDeadLetter = "dlq.TRANSACTIONS.accounts-transfers.decode";
    assert.equal((await js.publish(ownDeadLetter, "x")).stream, "DLQ");
    const lag = await accountsJsm.consumers.info("TRANSACTIONS", "accounts-transfers");
    assert.equal(lag.num_pending, 0);
    const dlq = await accountsJsm.streams.info("DLQ", {
      subjects_filter: "dlq.TRANSACTIONS.accounts-transfers.*",
    });
    assert.deepEqual(dlq.state.subjects, { [ownDeadLetter]: 1 });
    await assert.rejects(
      js.publish("dlq.TRANSACTIONS.transactions-outcomes.decode", "x"),
      refusal,
      "another durable's dead letters",
    );
    await assert.rejects(
      accountsJsm.consumers.info("TRANSACTIONS", "transactions-outcomes"),
      refusal,
      "another durable's lag",
    );

    // Another service's events: moving money with no transaction record, forging an audit.
    const before = (await jsm.streams.info("TRANSACTIONS")).state.messages;
    await assert.rejects(
      js.publish("transaction.submitted", event("transaction.submitted")),
      refusal,
    );
    await assert.rejects(js.publish("transaction.completed", "{}"), refusal);
    await assert.rejects(
      js.publish("audit.users.recorded", event("audit.recorded", "users")),
      refusal,
    );
    assert.equal((await jsm.streams.info("TRANSACTIONS")).state.messages, before);
    assert.equal((await jsm.streams.info("AUDIT")).state.messages, 1);

    // Another service's idempotency records: neither read nor written.
    const usersKv = await new Kvm(admin).open(IDEMPOTENCY_BUCKET);
    await usersKv.put("users.k1", "theirs");
    await assert.rejects(kv.get("users.k1"), refusal);
    await assert.rejects(kv.put("users.k1", "overwritten"), refusal);
    assert.equal((await usersKv.get("users.k1"))?.string(), "theirs");
    await assert.rejects(
      (async () => {
        const watch = await kv.watch();
        watch.stop();
      })(),
      refusal,
      "reading the whole bucket through a consumer",
    );

    // JetStream administration: no stream deleted, purged or created.
    await assert.rejects(accountsJsm.streams.delete("ORDERS"), refusal);
    await assert.rejects(accountsJsm.streams.purge("AUDIT"), refusal);
    await assert.rejects(accountsJsm.streams.add({ name: "MINE", subjects: ["mine.>"] }), refusal);
    assert.equal((await jsm.streams.info("ORDERS")).config.name, "ORDERS");
    assert.equal((await jsm.streams.info("AUDIT")).state.messages, 1);

    // Replies meant for another service.
    const sub = accounts.subscribe("_INBOX.users.>");
    assert.match(String(await sub.closed), refusal);

    // No credentials, or a key the server does not know: refused at the door.
    await assert.rejects(connect({ servers: env.natsUrl, reconnect: false }), /Authorization/);
    const stranger = new TextDecoder().decode(nkeys.createUser().getSeed());
    await assert.rejects(
      connect({ servers: env.natsUrl, reconnect: false, ...natsAuthOptions({ nkey: stranger }) }),
      /Authorization/,
    );
  },
);
