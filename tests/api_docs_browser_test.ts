/**
 * The gateway's /docs in a browser, as a person uses it: Swagger UI over the merged document,
 * "Try it out" through the gateway without a key (401) and after "Authorize" with an API key
 * (200 with the JSON), under the page's Content-Security-Policy, with nothing fetched from
 * anywhere but the gateway.
 */
import assert from "node:assert/strict";
import {
  bearer,
  createTestKey,
  integration,
  launchBrowser,
  spawnService,
  testEnv,
} from "@flotilla/testkit";

integration(
  "at the gateway's /docs a person tries an operation: 401 without a key, 200 with the JSON after Authorize; no CSP violation, nothing leaves 127.0.0.1",
  async () => {
    await using env = await testEnv();
    const quiet = { LOG_LEVEL: "warn" };
    const users = await spawnService(env, {
      main: "services/users/main.ts",
      env: {
        ...quiet,
        DATABASE_URL: env.pgServerUrl.replace(/\/[^/]*$/, `/${await env.createDatabase()}`),
      },
    });
    const gateway = await spawnService(env, {
      main: "services/gateway/main.ts",
      env: { ...quiet, UPSTREAM_USERS: users.url },
    });
    const { key } = await createTestKey(env, { name: "docs page" });
    const created = await fetch(`${gateway.url}/api/v1/users`, {
      method: "POST",
      headers: { ...bearer(key), "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada of the docs" }),
    });
    assert.equal(created.status, 201);
    const { user } = await created.json();

    const browser = await launchBrowser();
    env.defer(() => browser.close());
    const page = await browser.newPage();
    const complaints: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") complaints.push(m.text());
    });
    page.on("pageerror", (err) => complaints.push(`uncaught: ${err.message}`));
    const origins = new Set<string>();
    page.on("request", (r) => origins.add(new URL(r.url()).origin));
    // A violation the console would not show (a blocked eval caught by the page) still counts.
    await page.addInitScript(`document.addEventListener("securitypolicyviolation", (e) =>
      console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI))`);

    const loaded = await page.goto(`${gateway.url}/docs`);
    assert.match(
      loaded?.headers()["content-security-policy"] ?? "",
      /^default-src 'self'; /,
      "the page is under a strict policy",
    );
    const op = page.locator(".opblock-get", {
      has: page.locator('[data-path="/api/v1/users/{id}"]'),
    }).first();
    await op.locator(".opblock-summary-control").click();
    await op.getByText("Needs the scope listings:read.").waitFor();
    await op.locator("button.try-out__btn").click();
    await op.locator('tr[data-param-name="id"] input').fill(String(user.id));
    const status = op.locator(".live-responses-table .response-col_status");
    const body = op.locator(".live-responses-table .response-col_description pre").first();

    await op.locator("button.execute").click();
    await status.getByText("401").waitFor();
    assert.match(await body.textContent() ?? "", /needs a credential with the scope listings:read/);

    await page.locator(".auth-wrapper button.authorize").click();
    const dialog = page.locator(".modal-ux");
    await dialog.locator("input").fill(key);
    await dialog.locator("button.authorize").click();
    await dialog.locator("button.btn-done").click();
    await op.locator("button.execute").click();
    await status.getByText("200").waitFor();
    const answer = JSON.parse(await body.textContent() ?? "");
    assert.deepEqual(answer.user, user, "the user, as the API answers it");

    assert.match(
      await page.locator(".info").textContent() ?? "",
      /Not included now: .*orders \(unavailable: not configured\)/,
      "the merged document says which upstreams are missing",
    );
    assert.deepEqual(
      complaints.filter((c) => !/responded with a status of 401/.test(c)),
      [],
      "no CSP violation, no error in the console but the 401 of the try without a key",
    );
    assert.deepEqual([...origins], [gateway.url], "every request went to the gateway");
  },
);
