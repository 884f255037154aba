/**
 * What arrives on `orders.new`: the bare WB order JSON from systems we do not control, or our
 * own envelope around it. Anything else is refused with every failing field named.
 */
import { envelopeSchema, issuesFromZod, ValidationError } from "@flotilla/backbone";
import { ORDER_SUBMITTED } from "@flotilla/contracts";
import { checkOrder, type Order } from "./order.ts";

export interface OrderMessage {
  order: Order;
  /** Set when the message came in our envelope. */
  envelope?: { id: string; source: string; time: string; correlation_id: string };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const CONTEXT = "Cannot accept order";

const looksLikeEnvelope = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) &&
  "type" in v && "data" in v && "source" in v && !("order_uid" in v);

export function parseOrderMessage(bytes: Uint8Array, maxBytes: number): OrderMessage {
  if (bytes.length === 0) throw new ValidationError(`${CONTEXT}: empty message`);
  if (bytes.length > maxBytes) {
    throw new ValidationError(
      `${CONTEXT}: message is ${bytes.length} bytes, at most ${maxBytes} are accepted`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(utf8.decode(bytes));
  } catch (err) {
    const why = err instanceof SyntaxError ? err.message : "not UTF-8 text";
    throw new ValidationError(`${CONTEXT}: not JSON (${why.slice(0, 200)})`);
  }
  if (looksLikeEnvelope(raw)) {
    const env = envelopeSchema.safeParse(raw);
    if (!env.success) {
      throw ValidationError.of(`${CONTEXT}: bad envelope`, issuesFromZod(env.error));
    }
    if (env.data.type !== ORDER_SUBMITTED) {
      throw new ValidationError(
        `${CONTEXT}: envelope type must be "${ORDER_SUBMITTED}", got "${env.data.type}"`,
      );
    }
    const checked = checkOrder(env.data.data);
    if ("issues" in checked) {
      throw ValidationError.of(
        CONTEXT,
        checked.issues.map((i) => ({ ...i, path: i.path ? `data.${i.path}` : "data" })),
      );
    }
    const { id, source, time, correlation_id } = env.data;
    return { order: checked.order, envelope: { id, source, time, correlation_id } };
  }
  const checked = checkOrder(raw);
  if ("issues" in checked) throw ValidationError.of(CONTEXT, checked.issues);
  return { order: checked.order };
}
