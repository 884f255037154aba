import assert from "node:assert/strict";
import { auditEvent, systemActor } from "@flotilla/backbone";
import { fleetCatalog } from "./fleet.ts";
import { LISTING_UPDATED, USER_UPDATED } from "./listings.ts";

const accepts = (type: string, data: unknown) =>
  fleetCatalog.events[type].schema.safeParse(data).success;

Deno.test("the catalog refuses what a consumer could not store, before the write commits", () => {
  const user = { id: 1, name: "Ada", created_at: 1, updated_at: 1, version: 1 };
  assert.equal(accepts(USER_UPDATED, user), true);
  assert.equal(accepts(USER_UPDATED, { ...user, name: "🙂".repeat(100) }), true);
  for (const name of ["\ud800", "Ada\u0000"]) {
    assert.equal(accepts(USER_UPDATED, { ...user, name }), false, JSON.stringify(name));
  }
  assert.equal(accepts(USER_UPDATED, { ...user, id: 2 ** 31 }), false, "an integer column");
  const listing = {
    id: 1,
    user_id: 2 ** 31,
    listing_type: "rent",
    price: 10,
    photos: [],
    created_at: 1,
    updated_at: 1,
    version: 1,
  };
  assert.equal(accepts(LISTING_UPDATED, listing), false);

  const audit = (after: Record<string, unknown>) =>
    auditEvent({
      source: "users",
      actor: systemActor("test"),
      action: "user.updated",
      target: { type: "user", id: 1 },
      after,
    }).data;
  assert.equal(accepts("audit.recorded", audit({ name: "\ud83d\ude00" })), true);
  assert.equal(accepts("audit.recorded", audit({ name: "x\udc00" })), false);
  assert.equal(accepts("audit.recorded", audit({ nested: [{ "k\u0000": 1 }] })), false);
});
