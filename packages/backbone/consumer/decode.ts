/** The pipeline's entry: raw messages become events; one that cannot is dead-lettered alone. */
import type { JsMsg } from "@nats-io/jetstream";
import type { Catalog } from "../catalog.ts";
import { type Envelope, envelopeSchema } from "../envelope.ts";
import { errorMessage, issuesFromZod, ValidationError } from "../errors.ts";
import type { Decoded, Handle } from "./compose.ts";
import type { Decoder } from "./types.ts";

const decoder = new TextDecoder();

/** Default decoder: the Flotilla envelope, with `data` checked against the catalog schema. */
export function envelopeDecoder<T>(catalog: Catalog): Decoder<T> {
  return (msg) => {
    if (msg.data.length === 0) throw new ValidationError("Cannot decode event: empty message");
    let raw: unknown;
    try {
      raw = JSON.parse(decoder.decode(msg.data));
    } catch (err) {
      throw new ValidationError(`Cannot decode event: not JSON (${errorMessage(err)})`);
    }
    const env = envelopeSchema.safeParse(raw);
    if (!env.success) {
      throw ValidationError.of("Cannot decode event: bad envelope", issuesFromZod(env.error));
    }
    const spec = catalog.events[env.data.type];
    if (!spec) throw new ValidationError(`Cannot decode event: unknown type "${env.data.type}"`);
    const data = spec.schema.safeParse(env.data.data);
    if (!data.success) {
      throw ValidationError.of(
        `Cannot decode ${env.data.type}`,
        issuesFromZod(data.error).map((i) => ({ ...i, path: `data.${i.path}`.replace(/\.$/, "") })),
      );
    }
    // T is the caller's name for what this type's schema, just checked, describes.
    return { ...env.data, data: data.data } as Envelope<T>;
  };
}

/**
 * Decodes each message and hands those that decoded to `next`; the others go to `deadLetter`
 * with the decoder's reason: they would not decode on the next delivery either.
 */
export function decoding<T>(
  decode: Decoder<T>,
  deadLetter: (msg: JsMsg, reason: string) => Promise<void>,
  next: Handle<T>,
): (msgs: JsMsg[]) => Promise<void> {
  return async (msgs) => {
    const work: Decoded<T>[] = [];
    for (const msg of msgs) {
      try {
        work.push({ msg, event: decode(msg) });
      } catch (err) {
        await deadLetter(msg, errorMessage(err));
      }
    }
    if (work.length > 0) await next(work);
  };
}
