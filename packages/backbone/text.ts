/**
 * Text every store of the fleet can hold: well-formed UTF-16 (no lone surrogate, which JSON
 * carries as `\ud800` and Postgres refuses in json/jsonb) and no NUL (which Postgres refuses in
 * text and jsonb). One rule for request input and for the catalog's event schemas, so what a
 * write side accepts, every consumer can store.
 */

/** Why `text` cannot be stored, or undefined when it can. */
export function unsafeTextReason(text: string): string | undefined {
  if (text.includes("\u0000")) return "must not contain the NUL character (U+0000)";
  if (!text.isWellFormed()) return "must not contain a lone UTF-16 surrogate";
  return undefined;
}

/** The first place in a JSON value whose text (a string or a key) cannot be stored. */
export interface UnsafeSpot {
  /** Dotted path (`filter.tags.0`); empty for the value itself. */
  path: string;
  message: string;
}

/**
 * Walks a JSON value (objects, arrays, strings, numbers, booleans, null) and names the first
 * string or key that cannot be stored, or a value JSON cannot carry (a bigint, NaN, a function).
 */
export function findUnsafeText(value: unknown, path: string[] = []): UnsafeSpot | undefined {
  const at = (message: string, key?: string) => ({
    path: (key === undefined ? path : [...path, key]).join("."),
    message,
  });
  switch (typeof value) {
    case "string": {
      const reason = unsafeTextReason(value);
      return reason ? at(reason) : undefined;
    }
    case "number":
      return Number.isFinite(value) ? undefined : at("must be a finite number");
    case "boolean":
    case "undefined":
      return undefined;
    case "object": {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const found = findUnsafeText(value[i], [...path, String(i)]);
          if (found) return found;
        }
        return undefined;
      }
      for (const [key, item] of Object.entries(value)) {
        const reason = unsafeTextReason(key);
        if (reason) return at(`key ${reason}`, key.toWellFormed().replaceAll("\u0000", "?"));
        const found = findUnsafeText(item, [...path, key]);
        if (found) return found;
      }
      return undefined;
    }
    default:
      return at(`must be JSON, not a ${typeof value}`);
  }
}
