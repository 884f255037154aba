/** Test data that more than one package uses. */

/**
 * The sample WB order of the order tracker's contract, parsed afresh on every call. Untyped on
 * purpose: tests bend it into every invalid shape the validator must refuse.
 */
// deno-lint-ignore no-explicit-any
export async function wbOrderFixture(): Promise<any> {
  return JSON.parse(
    await Deno.readTextFile(new URL("./fixtures/wb_order.json", import.meta.url)),
  );
}
