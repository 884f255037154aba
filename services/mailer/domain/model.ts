/** Clients, mailings and messages: the shapes the API accepts and returns, and their rules. */
import { z } from "@hono/zod-openapi";
import { ConflictError, safeText, ValidationError } from "@flotilla/backbone";
import { formatClock, isValidTimeZone, parseClock, type SendWindow } from "./window.ts";

export const MESSAGE_STATUSES = ["pending", "sent", "failed", "deferred", "expired"] as const;
export type MessageStatus = typeof MESSAGE_STATUSES[number];

const PHONE = /^7\d{10}$/;

/** The mobile operator code: the three digits after the leading 7. */
export function operatorCodeOf(phone: string): string {
  return phone.slice(1, 4);
}

const phoneSchema = z.union([z.string(), z.number()])
  .transform((v) => String(v))
  .refine((v) => PHONE.test(v), { message: "expected 11 digits starting with 7 (7XXXXXXXXXX)" })
  .openapi({ type: "string", example: "79001234567" });
const operatorCodeSchema = z.string().regex(/^\d{3}$/, "expected 3 digits").openapi({
  example: "900",
});
const tagSchema = safeText({ max: 64 }).openapi({ example: "vip" });
const timeZoneSchema = safeText({ max: 64 }).refine(isValidTimeZone, {
  message: "unknown time zone; expected an IANA name such as Europe/Moscow",
}).openapi({ example: "Europe/Moscow" });

export const createClientSchema = z.object({
  phone: phoneSchema,
  operator_code: operatorCodeSchema.optional(),
  tag: tagSchema.default(""),
  timezone: timeZoneSchema,
}).openapi("NewClient");
export type NewClient = z.infer<typeof createClientSchema>;

export const updateClientSchema = z.object({
  phone: phoneSchema.optional(),
  operator_code: operatorCodeSchema.optional(),
  tag: tagSchema.optional(),
  timezone: timeZoneSchema.optional(),
}).openapi("ClientChange");
export type ClientChange = z.infer<typeof updateClientSchema>;

export const clientSchema = z.object({
  id: z.number().int(),
  phone: z.string(),
  operator_code: z.string(),
  tag: z.string(),
  timezone: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
}).openapi("Client");
export type Client = z.infer<typeof clientSchema>;

const clockSchema = z.string().refine((v) => parseClock(v) !== undefined, {
  message: "expected HH:MM",
});
const windowSchema = z.object({ start: clockSchema, end: clockSchema })
  .refine((w) => parseClock(w.start) !== parseClock(w.end), {
    message: "start and end must differ",
    path: ["end"],
  })
  .openapi({ example: { start: "09:00", end: "21:00" } });
const filterSchema = z.object({
  operator_codes: z.array(operatorCodeSchema).max(1000).default([]),
  tags: z.array(safeText({ min: 1, max: 64 })).max(1000).default([]),
}).refine((f) => f.operator_codes.length + f.tags.length > 0, {
  message: "give at least one operator code or tag",
});
const mailingText = safeText({ min: 1, max: 4096 });
const instantSchema = z.iso.datetime({ offset: true }).openapi({
  example: "2026-11-22T09:00:00Z",
});

export const createMailingSchema = z.object({
  start_at: instantSchema,
  end_at: instantSchema,
  text: mailingText,
  filter: filterSchema,
  send_window: windowSchema.nullable().default(null),
}).superRefine((m, ctx) => {
  if (Date.parse(m.end_at) <= Date.parse(m.start_at)) {
    ctx.addIssue({ code: "custom", path: ["end_at"], message: "must be after start_at" });
  }
}).openapi("NewMailing");
export type NewMailing = z.infer<typeof createMailingSchema>;

export const updateMailingSchema = z.object({
  start_at: instantSchema.optional(),
  end_at: instantSchema.optional(),
  text: mailingText.optional(),
  filter: filterSchema.optional(),
  send_window: windowSchema.nullable().optional(),
}).openapi("MailingChange");
export type MailingChange = z.infer<typeof updateMailingSchema>;

export const mailingSchema = z.object({
  id: z.number().int(),
  start_at: z.string(),
  end_at: z.string(),
  text: z.string(),
  filter: z.object({ operator_codes: z.array(z.string()), tags: z.array(z.string()) }),
  send_window: z.object({ start: z.string(), end: z.string() }).nullable(),
  state: z.enum(["scheduled", "running", "finished"]),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
}).openapi("Mailing");
export type Mailing = z.infer<typeof mailingSchema>;
/** What a mailing is made of: what creating one gives and a change may replace. */
export type MailingFields = Pick<
  Mailing,
  "start_at" | "end_at" | "text" | "filter" | "send_window"
>;

export const statusCountsSchema = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  sent: z.number().int(),
  failed: z.number().int(),
  deferred: z.number().int(),
  expired: z.number().int(),
}).openapi("MessageCounts");
export type StatusCounts = z.infer<typeof statusCountsSchema>;

export const messageSchema = z.object({
  id: z.number().int(),
  mailing_id: z.number().int(),
  client_id: z.number().int(),
  status: z.enum(MESSAGE_STATUSES),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  sent_at: z.string().nullable(),
  due_at: z.string().nullable(),
}).openapi("Message");
export type Message = z.infer<typeof messageSchema>;

export function windowOf(
  w: { start: string; end: string } | null | undefined,
): SendWindow | null {
  if (!w) return null;
  return { start: parseClock(w.start)!, end: parseClock(w.end)! };
}

export function windowText(start: number | null, end: number | null) {
  return start === null || end === null
    ? null
    : { start: formatClock(start), end: formatClock(end) };
}

/** A client after a change: a new phone derives a new operator code unless one is given. */
export function changedClient(before: Client, change: ClientChange): Client {
  return {
    ...before,
    phone: change.phone ?? before.phone,
    operator_code: change.operator_code ??
      (change.phone ? operatorCodeOf(change.phone) : before.operator_code),
    tag: change.tag ?? before.tag,
    timezone: change.timezone ?? before.timezone,
  };
}

/** A mailing after a change, checked as a whole; a finished mailing cannot change. */
export function changedMailing(before: Mailing, change: MailingChange): MailingFields {
  if (before.state === "finished") {
    throw new ConflictError(`Cannot change mailing ${before.id}: it has finished`);
  }
  const after = {
    start_at: change.start_at ?? before.start_at,
    end_at: change.end_at ?? before.end_at,
    text: change.text ?? before.text,
    filter: change.filter ?? before.filter,
    send_window: change.send_window === undefined ? before.send_window : change.send_window,
  };
  if (Date.parse(after.end_at) <= Date.parse(after.start_at)) {
    throw ValidationError.of("Invalid request", [
      { path: change.end_at ? "end_at" : "start_at", message: "end_at must be after start_at" },
    ]);
  }
  return after;
}
