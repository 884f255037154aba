/** A bench's command line. */
import { parseArgs } from "node:util";

/**
 * The numeric flags (`--name N`) a bench takes, each with its default; an unknown flag or a
 * value that is not a number stops the bench with the flag's name.
 */
export function numberFlags<K extends string>(
  defaults: Record<K, number>,
  args: string[] = Deno.args,
): Record<K, number> {
  const names = Object.keys(defaults) as K[];
  const options: Record<string, { type: "string" }> = Object.fromEntries(
    names.map((name) => [name, { type: "string" }]),
  );
  const { values } = parseArgs({ args, options });
  const flags = { ...defaults };
  for (const name of names) {
    const text = values[name];
    if (text === undefined) continue;
    const value = Number(text);
    if (typeof text !== "string" || text.trim() === "" || !Number.isFinite(value)) {
      throw new Error(`--${name} takes a number, not "${text}"`);
    }
    flags[name] = value;
  }
  return flags;
}
