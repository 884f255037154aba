import assert from "node:assert/strict";
import { startProviderSim } from "./main.ts";

const send = (url: string, id: number, token = "dev-token", body?: unknown) =>
  fetch(`${url}/send/${id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body ?? { id, phone: 79001234567, text: "hi" }),
  });

Deno.test("the simulator keeps the contract and its controls work over HTTP", async () => {
  const sim = startProviderSim({ port: 0 });
  try {
    const ok = await send(sim.url, 1);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { code: 0, message: "OK" });

    const noAuth = await send(sim.url, 2, "wrong");
    assert.equal(noAuth.status, 401);
    await noAuth.body?.cancel();
    const mismatch = await send(sim.url, 3, "dev-token", { id: 4, phone: 79001234567, text: "x" });
    assert.equal(mismatch.status, 400);
    await mismatch.body?.cancel();

    const control = (path: string, body: unknown) =>
      fetch(`${sim.url}${path}`, { method: "POST", body: JSON.stringify(body) }).then((r) =>
        r.json()
      );
    await control("/control", { malformed_rate: 1 });
    const garbled = await send(sim.url, 5);
    assert.equal(garbled.status, 200);
    assert.ok(!(await garbled.text()).endsWith("}"), "the body is not JSON");

    await control("/control", { malformed_rate: 0, failure_rate: 1 });
    const failed = await send(sim.url, 6);
    assert.equal(failed.status, 500);
    await failed.body?.cancel();

    await control("/control", { failure_rate: 0, latency_ms: 120 });
    const started = performance.now();
    await (await send(sim.url, 7)).body?.cancel();
    assert.ok(performance.now() - started >= 110, "latency applied");

    await control("/control", { latency_ms: 0 });
    await control("/control/down", { seconds: 0.3 });
    const down = await send(sim.url, 8);
    assert.equal(down.status, 503);
    await down.body?.cancel();
    await new Promise((r) => setTimeout(r, 350));
    const back = await send(sim.url, 8);
    assert.equal(back.status, 200);
    await back.body?.cancel();
    await (await send(sim.url, 8)).body?.cancel();

    const stats = await (await fetch(`${sim.url}/stats`)).json();
    assert.equal(stats.requests, 9);
    assert.deepEqual(stats.by_outcome, {
      ok: 4,
      failed: 1,
      malformed: 1,
      down: 1,
      unauthorized: 1,
      bad_request: 1,
    });
    assert.equal(stats.delivered, 3);
    assert.equal(stats.duplicates, 1, "id 8 was answered OK twice");
    const okRecords = await (await fetch(`${sim.url}/messages?outcome=ok`)).json();
    assert.deepEqual(okRecords.map((r: { id: number }) => r.id), [1, 7, 8, 8]);
    await fetch(`${sim.url}/reset`, { method: "POST" }).then((r) => r.body?.cancel());
    assert.equal(sim.stats().requests, 0);
  } finally {
    await sim.stop();
  }
});
