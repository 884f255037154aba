/**
 * A fast decoder for `audit.recorded`: the ingest path runs it for every event. It accepts
 * only events that the catalog's zod schemas accept too (a strict subset, checked by hand);
 * anything else goes through the catalog decoder, which accepts it or throws the
 * ValidationError that names the failing field (and dead-letters the message). Text the table
 * could not store (NUL, a lone surrogate) reaches JSON only as a `\u` escape: an event with
 * such an escape always takes the catalog decoder.
 *
 * Either way the event's declared `source` must be the service its subject names
 * (`audit.<service>.recorded`): NATS lets each service publish only its own subject, so an
 * event claiming another source is forged, and is dead-lettered with that reason.
 */
import type { JsMsg } from "@nats-io/jetstream";
import {
  AUDIT_RECORDED,
  type AuditData,
  auditSubjectSource,
  type Catalog,
  type Decoder,
  type Envelope,
  envelopeDecoder,
  ValidationError,
} from "@flotilla/backbone";

const ACTION = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;
const ISO_UTC_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ACTOR_TYPES = new Set(["user", "service", "system", "anonymous"]);
const decoder = new TextDecoder();
const UNSAFE_ESCAPE = /\\u(0000|[dD][89a-fA-F])/;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown, min: number, max: number): v is string =>
  typeof v === "string" && v.length >= min && v.length <= max;
const nullableStr = (v: unknown, max: number) => v === null || str(v, 0, max);
const record = (v: unknown) => v === null || isObject(v);

/** True when the catalog schemas would accept it as is (createEvent's shape). */
export function isPlainAuditEvent(raw: unknown): raw is Envelope<AuditData> {
  if (!isObject(raw)) return false;
  const { data } = raw;
  if (
    raw.type !== AUDIT_RECORDED || !str(raw.id, 1, 64) || !str(raw.source, 1, 64) ||
    !str(raw.subject, 1, 256) || !str(raw.correlation_id, 1, 128) ||
    !nullableStr(raw.causation_id, 128) || !str(raw.time, 24, 24) || !ISO_UTC_MS.test(raw.time) ||
    !isObject(data)
  ) return false;
  const time = Date.parse(raw.time);
  if (Number.isNaN(time) || new Date(time).toISOString() !== raw.time) return false;
  const { actor, target, changes } = data;
  return isObject(actor) && ACTOR_TYPES.has(actor.type as string) && str(actor.id, 1, 128) &&
    nullableStr(actor.ip, 64) && nullableStr(actor.user_agent, 512) &&
    str(data.action, 1, 64) && ACTION.test(data.action) &&
    isObject(target) && str(target.type, 1, 64) && str(target.id, 1, 128) &&
    isObject(changes) && record(changes.before) && record(changes.after) &&
    (data.metadata === undefined || isObject(data.metadata));
}

export function auditDecoder(catalog: Catalog): Decoder<AuditData> {
  const full = envelopeDecoder<AuditData>(catalog);
  const decode = (msg: JsMsg) => {
    const text = decoder.decode(msg.data);
    if (UNSAFE_ESCAPE.test(text)) return full(msg);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return full(msg); // says what is wrong with it
    }
    if (isPlainAuditEvent(raw)) {
      raw.data.metadata ??= {};
      return raw;
    }
    return full(msg);
  };
  return (msg: JsMsg) => {
    const event = decode(msg);
    const publisher = auditSubjectSource(msg.subject);
    if (publisher !== event.source) {
      throw ValidationError.of("Cannot store audit event", [{
        path: "source",
        message: `"${event.source}" is not the service its subject names (${msg.subject})`,
      }]);
    }
    return event;
  };
}
