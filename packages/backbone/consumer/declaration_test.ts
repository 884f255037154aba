import assert from "node:assert/strict";
import { integration, testCatalog, testEnv } from "@flotilla/testkit";
import { silentLogger } from "../log.ts";
import { type ConsumerDeclaration, declaredOptions } from "./declaration.ts";

integration(
  "a declaration becomes options: Postgres only for a transactional consumer",
  async () => {
    await using env = await testEnv();
    const sql = env.sql();
    const supplied = { nc: await env.connect(), catalog: testCatalog, logger: silentLogger };
    const handler = () => Promise.resolve();
    const plain: ConsumerDeclaration = {
      stream: "TEST",
      durable: "test-worker",
      handler,
      copies: 2,
    };
    const batch: ConsumerDeclaration = {
      stream: "TEST",
      durable: "test-worker",
      transactional: true,
      batch: { handler, size: 10 },
    };

    const options = declaredOptions("svc", plain, supplied, sql);
    assert.deepEqual(Object.keys(options).sort(), [
      "catalog",
      "durable",
      "handler",
      "logger",
      "nc",
      "stream",
    ]);
    assert.equal(declaredOptions("svc", batch, supplied, sql).sql, sql);
    assert.throws(
      () => declaredOptions("svc", batch, supplied, undefined),
      /svc: a transactional consumer needs postgres/,
    );
  },
);
