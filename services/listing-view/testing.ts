/**
 * Test support for the read side: events straight to the streams, the view app and its
 * consumers in-process on the test's connections.
 */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport";
import { createEvent, createMetrics, silentLogger, startConsumer } from "@flotilla/backbone";
import {
  fleetCatalog,
  LISTINGS_STREAM,
  type ListingSnapshot,
  USERS_STREAM,
  type UserSnapshot,
  VIEW_LISTINGS_CONSUMER,
  VIEW_USERS_CONSUMER,
} from "@flotilla/contracts";
import { type testEnv, testIdentity } from "@flotilla/testkit";
import { createApp } from "./app.ts";
import { viewConsumers } from "./consumers.ts";
import type { ViewItem } from "./domain/view.ts";

export type { ViewItem };

export const T0 = 1_700_000_000_000_000;

export const user = (id: number, name: string, version = 1): UserSnapshot => ({
  id,
  name,
  created_at: T0 + id,
  updated_at: T0 + id + version,
  version,
});

export const listing = (
  id: number,
  userId: number,
  change: Partial<ListingSnapshot> = {},
): ListingSnapshot => ({
  id,
  user_id: userId,
  listing_type: id % 2 === 0 ? "sale" : "rent",
  price: 1000 * id,
  photos: [],
  created_at: T0 + 1000 * id,
  updated_at: T0 + 1000 * id,
  version: 1,
  ...change,
});

export async function publish(
  nc: NatsConnection,
  type: string,
  data: UserSnapshot | ListingSnapshot,
  id?: string,
  msgID?: string,
): Promise<string> {
  const event = createEvent({ type, source: "test", subject: data.id, data, id });
  await jetstream(nc).publish(type, JSON.stringify(event), { msgID: msgID ?? event.id });
  return event.id;
}

/** True once both view consumers have acknowledged everything in their streams. */
export async function drained(nc: NatsConnection): Promise<boolean> {
  const jsm = await jetstreamManager(nc);
  for (
    const [stream, durable] of [[USERS_STREAM, VIEW_USERS_CONSUMER], [
      LISTINGS_STREAM,
      VIEW_LISTINGS_CONSUMER,
    ]]
  ) {
    const info = await jsm.consumers.info(stream, durable);
    if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
  }
  return true;
}

export async function startView(env: Awaited<ReturnType<typeof testEnv>>) {
  await env.provision(fleetCatalog);
  await env.migrate("listing-view");
  const nc = await env.connect();
  const sql = env.sql(20);
  const view = createApp({
    identity: await testIdentity.verifier("listing-view"),
    service: "listing-view",
    logger: silentLogger,
    metrics: createMetrics("listing-view", { process: false }),
    sql,
  });
  const app = { request: testIdentity.request(view, "listing-view") };
  // What the launcher does with the declarations, on the test's connections and a silent logger.
  const consumers = viewConsumers().map((declared) =>
    startConsumer({ ...declared, nc, catalog: fleetCatalog, sql, logger: silentLogger })
  );
  env.defer(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
  });
  const query = async (qs = "") => {
    const res = await app.request(`/api/v1/listing-view${qs}`);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as { result: boolean; listings: ViewItem[] };
  };
  return { nc, sql, app, query };
}
