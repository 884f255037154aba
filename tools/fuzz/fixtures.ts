/**
 * A few of everything before the fuzz starts (users, listings with a photo, accounts and a
 * transfer, clients, a mailing, an audit export), so that small ids name things that exist
 * and the fuzzer's writes land on real rows. Each must succeed: a failure here stops the run.
 */

export async function createFixtures(gateway: string, headers: Record<string, string>) {
  const call = async (
    method: string,
    path: string,
    body?: Uint8Array<ArrayBuffer> | Record<string, unknown>,
    type = "application/json",
  ) => {
    const res = await fetch(gateway + path, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { "content-type": type }) },
      body: body instanceof Uint8Array
        ? body
        : body === undefined
        ? undefined
        : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`fixture ${method} ${path} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const listingIds: number[] = [];
  for (const name of ["Ada Lovelace", "Grace Hopper", "Алан Тьюринг"]) {
    const { user } = await call("POST", "/api/v1/users", { name });
    const { listing } = await call("POST", "/api/v1/listings", {
      user_id: user.id,
      listing_type: "rent",
      price: 1000 + user.id,
    });
    listingIds.push(listing.id);
  }
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
  await call("PUT", `/api/v1/listings/${listingIds[0]}/photos/front.jpg`, jpeg, "image/jpeg");
  for (const id of [1, 2, 3]) {
    await call("POST", "/api/v1/accounts", { account_id: id, initial_balance: "100.00" });
  }
  await call("POST", "/api/v1/transactions", {
    source_account_id: 1,
    destination_account_id: 2,
    amount: "1.00",
  });
  for (const phone of ["79000000001", "79000000002"]) {
    await call("POST", "/api/v1/clients", { phone, timezone: "Europe/Moscow", tag: "fuzz" });
  }
  const start = Date.now() + 3600_000;
  await call("POST", "/api/v1/mailings", {
    start_at: new Date(start).toISOString(),
    end_at: new Date(start + 3600_000).toISOString(),
    text: "Hello from the fuzzer",
    filter: { tags: ["fuzz"] },
  });
  await call("POST", "/api/v1/audit-logs/exports", {});
}
