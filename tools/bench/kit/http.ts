/**
 * HTTP as the benches drive it, and waiting for what they wait on. Calls to a service carry a
 * token signed for it, as the gateway sends them.
 */
import { testIdentity } from "@flotilla/testkit";

/** Calls `check` every `intervalMs` until it returns a value; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

/**
 * Polls `url` every `intervalMs` until it answers 2xx; fails after `timeoutMs`. With `service`,
 * each poll carries a token for it.
 */
export async function waitForOk(
  url: string,
  timeoutMs = 30_000,
  intervalMs = 100,
  service?: string,
): Promise<void> {
  const get = service ? testIdentity.fetch(service) : fetch;
  await waitFor(`${url} answering 2xx`, async () => {
    try {
      const res = await get(url);
      await res.body?.cancel();
      return res.ok || undefined;
    } catch {
      return undefined; // not yet
    }
  }, { timeoutMs, intervalMs });
}

/** POSTs JSON to a service's own port with a token for it, as the gateway would send it. */
export function postJson(service: string, url: string, body: unknown): Promise<Response> {
  return testIdentity.fetch(service)(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}
