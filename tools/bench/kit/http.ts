/** HTTP as the benches drive it, and waiting for what they wait on. */

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

/** Polls `url` every `intervalMs` until it answers 2xx; fails after `timeoutMs`. */
export async function waitForOk(url: string, timeoutMs = 30_000, intervalMs = 100): Promise<void> {
  await waitFor(`${url} answering 2xx`, async () => {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      return res.ok || undefined;
    } catch {
      return undefined; // not yet
    }
  }, { timeoutMs, intervalMs });
}

export function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}
