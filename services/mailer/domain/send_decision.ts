/** What a sender does with one message now: send it, wait for the client's window, or expire it. */
import { insideWindow, nextOpening, type SendWindow } from "./window.ts";

export type SendDecision =
  | { kind: "send" }
  | { kind: "defer"; until: Date; reason: string }
  | { kind: "expire"; reason: string };

export interface SendSituation {
  now: Date;
  startAt: Date;
  endAt: Date;
  window: SendWindow | null;
  timeZone: string;
  /** No call is started closer than this to end_at: the provider needs time to deliver. */
  endMarginMs: number;
}

export function decideSend(s: SendSituation): SendDecision {
  const now = s.now.getTime();
  const last = s.endAt.getTime() - s.endMarginMs;
  if (now >= last) return { kind: "expire", reason: "the mailing ended before it was sent" };
  if (now < s.startAt.getTime()) {
    return { kind: "defer", until: s.startAt, reason: "the mailing starts later" };
  }
  if (s.window && !insideWindow(s.now, s.timeZone, s.window)) {
    const opening = nextOpening(s.now, s.timeZone, s.window);
    if (opening.getTime() >= last) {
      return { kind: "expire", reason: "the client's sending window does not open before the end" };
    }
    return { kind: "defer", until: opening, reason: "outside the client's sending window" };
  }
  return { kind: "send" };
}
