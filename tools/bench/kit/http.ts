/** HTTP as the benches drive it: calls to a service carry a token signed for it. */
import { testIdentity } from "@flotilla/testkit";

/** Polls `url` until it answers 2xx; fails after `timeoutMs`. */
export async function waitForOk(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/** POSTs JSON to a service's own port with a token for it, as the gateway would send it. */
export function postJson(service: string, url: string, body: unknown): Promise<Response> {
  return testIdentity.fetch(service)(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}
