import assert from "node:assert/strict";
import { checkFile, findViolations, type Violation } from "./check_imports.ts";

// Planted paths are spelled with up(n) so that the check, run over this repository, does not
// take them for this file's own imports.
const up = (levels: number) => "../".repeat(levels);

/** A small repository that keeps every rule: two services, a package, tools and tests. */
const cleanTree: Record<string, string> = {
  "services/orders/main.ts": [
    `import { runService } from "@flotilla/backbone";`,
    `import { createApp } from "./app.ts";`,
  ].join("\n"),
  "services/orders/app.ts":
    `import { Hono } from "hono";\nimport { order } from "./domain/order.ts";`,
  "services/orders/domain/order.ts": `export const order = 1;`,
  "services/orders/testing.ts": `import { testEnv } from "@flotilla/testkit";`,
  "services/orders/app_test.ts": `import { testEnv } from "@flotilla/testkit";\nimport "./app.ts";`,
  "services/orders/testdata/fixture.ts": `import { wbOrderFixture } from "@flotilla/testkit";`,
  "services/mailer/main.ts": `import { fleetCatalog } from "@flotilla/contracts";`,
  "packages/backbone/mod.ts": `export { loop } from "./loop.ts";`,
  "packages/backbone/loop.ts": `export const loop = 1;`,
  "tools/bench/orders.ts": [
    `import { requireWrk } from "./kit/mod.ts";`,
    `import { ordersCatalog } from "@flotilla/contracts";`,
    // A URL names a file to run; a service's main is run, not imported.
    `const main = new URL("${up(2)}services/orders/main.ts", import.meta.url);`,
  ].join("\n"),
  "tools/bench/kit/mod.ts": `export const requireWrk = 1;`,
  "tests/orders_e2e_test.ts": [
    `import { startOrders } from "@flotilla/orders/testing";`,
    `import { testEnv } from "@flotilla/testkit";`,
    `import { services } from "${up(1)}tools/services.ts";`,
    `const fixture = new URL("./testdata/order.json", import.meta.url);`,
  ].join("\n"),
  "tools/services.ts": `export const services = [];`,
};

async function violationsIn(planted: Record<string, string>): Promise<Violation[]> {
  const root = await Deno.makeTempDir({ prefix: "flotilla-check-imports-" });
  try {
    for (const [path, text] of Object.entries({ ...cleanTree, ...planted })) {
      await Deno.mkdir(`${root}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
      await Deno.writeTextFile(`${root}/${path}`, text + "\n");
    }
    return await findViolations(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** The violations as `file:line rule`, one per distinct place and rule. */
function places(found: Violation[]): string[] {
  return [...new Set(found.map((v) => `${v.file}:${v.line} ${v.rule}`))];
}

Deno.test("a tree that keeps every rule has no violation", async () => {
  assert.deepEqual(await violationsIn({}), []);
});

Deno.test("a service importing another service by relative path is found", async () => {
  const found = await violationsIn({
    "services/orders/app.ts": `import { send } from "${up(1)}mailer/main.ts";`,
  });
  assert.deepEqual(places(found), ["services/orders/app.ts:1 a service imports another service"]);
});

Deno.test("a service importing another service by its name is found", async () => {
  const found = await violationsIn({
    "services/orders/app.ts":
      `import "./domain/order.ts";\nimport { send } from "@flotilla/mailer";`,
  });
  assert.deepEqual(places(found), ["services/orders/app.ts:2 a service imports another service"]);
});

Deno.test("a service or a package importing tools/ or tests/ is found", async () => {
  const found = await violationsIn({
    "services/orders/app.ts": `import { services } from "${up(2)}tools/services.ts";`,
    "packages/backbone/loop.ts": `import { helper } from "${up(2)}tests/helper.ts";`,
  });
  assert.deepEqual(places(found), [
    "packages/backbone/loop.ts:1 packages/backbone imports tests/",
    "services/orders/app.ts:1 services/orders imports tools/",
  ]);
});

Deno.test("a relative path from tests/ or tools/ into a service or package is found", async () => {
  const found = await violationsIn({
    "tests/orders_e2e_test.ts": `import { startOrders } from "${up(1)}services/orders/testing.ts";`,
    "tools/bench/orders.ts": `import { loop } from "${up(2)}packages/backbone/loop.ts";`,
  });
  assert.deepEqual(places(found), [
    "tests/orders_e2e_test.ts:1 a relative path into services/orders: import it by its name",
    "tools/bench/orders.ts:1 a relative path into packages/backbone: import it by its name",
  ]);
});

Deno.test("a relative path from a package into another package is found", async () => {
  const found = await violationsIn({
    "packages/backbone/loop.ts": `import { fleetCatalog } from "${up(1)}contracts/mod.ts";`,
  });
  assert.deepEqual(places(found), [
    "packages/backbone/loop.ts:1 a relative path into packages/contracts: import it by its name",
  ]);
});

Deno.test("only test code imports the test kit", async () => {
  const found = await violationsIn({
    "services/orders/app.ts": `import { testEnv } from "@flotilla/testkit";`,
    "packages/backbone/loop.ts": `import { eventually } from "@flotilla/testkit";`,
  });
  assert.deepEqual(places(found), [
    "packages/backbone/loop.ts:1 code that is not a test imports the test kit",
    "services/orders/app.ts:1 code that is not a test imports the test kit",
  ]);
});

Deno.test("a path outside the repository is found, as a string or as a URL", async () => {
  const found = await violationsIn({
    "tests/orders_e2e_test.ts": `const order = await Deno.readTextFile("${
      up(1)
    }shared/fixtures/x.json");`,
    "services/orders/testdata/fixture.ts": `export const url = new URL("${
      up(3)
    }shared/x", import.meta.url);`,
    "tools/bench/orders.ts": `import { x } from "${up(3)}elsewhere/x.ts";`,
  });
  assert.deepEqual(places(found), [
    "services/orders/testdata/fixture.ts:1 names a path outside the repository",
    "tests/orders_e2e_test.ts:1 names a path outside the repository",
    "tools/bench/orders.ts:1 names a path outside the repository",
  ]);
});

Deno.test("checkFile reports the line and the specifier of each violation", () => {
  const text = [
    `import { a } from "@flotilla/backbone";`,
    ``,
    `import { send } from "@flotilla/mailer";`,
  ].join("\n");
  assert.deepEqual(checkFile("services/orders/x.ts", text, new Set(["orders", "mailer"])), [
    {
      file: "services/orders/x.ts",
      line: 3,
      specifier: "@flotilla/mailer",
      rule: "a service imports another service",
    },
  ]);
});
