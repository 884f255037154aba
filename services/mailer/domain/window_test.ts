import assert from "node:assert/strict";
import { decideSend } from "./send_decision.ts";
import { insideWindow, isValidTimeZone, localMinutes, nextOpening, parseClock } from "./window.ts";

const nineToNine = { start: 9 * 60, end: 21 * 60 };
const at = (s: string) => new Date(s);

Deno.test("IANA time zones are recognised and unknown ones refused", () => {
  for (const tz of ["Europe/Moscow", "Asia/Vladivostok", "America/New_York", "UTC"]) {
    assert.ok(isValidTimeZone(tz), tz);
  }
  for (const tz of ["Mars/Olympus", "", "Europe/Moscow ", "+03:00x"]) {
    assert.ok(!isValidTimeZone(tz), tz);
  }
});

Deno.test("clock texts parse to minutes and bad ones are refused", () => {
  assert.equal(parseClock("09:30"), 570);
  assert.equal(parseClock("24:00"), 1440);
  for (const bad of ["9:30", "25:00", "12:60", "24:01", "noon"]) {
    assert.equal(parseClock(bad), undefined, bad);
  }
});

Deno.test("local time is read in the client's zone", () => {
  const t = at("2026-01-15T07:00:00Z");
  assert.equal(localMinutes(t, "Europe/Moscow"), 10 * 60);
  assert.equal(localMinutes(t, "Asia/Vladivostok"), 17 * 60);
  assert.equal(localMinutes(t, "America/New_York"), 2 * 60);
});

Deno.test("the same instant is inside the window in one zone and outside in another", () => {
  const t = at("2026-01-15T07:00:00Z");
  assert.ok(insideWindow(t, "Europe/Moscow", nineToNine));
  assert.ok(!insideWindow(t, "America/New_York", nineToNine));
  assert.ok(
    !insideWindow(at("2026-01-15T18:00:00Z"), "Europe/Moscow", nineToNine),
    "21:00 is shut",
  );
});

Deno.test("a window across midnight wraps", () => {
  const night = { start: 22 * 60, end: 6 * 60 };
  assert.ok(insideWindow(at("2026-01-15T23:30:00Z"), "UTC", night));
  assert.ok(insideWindow(at("2026-01-15T05:59:00Z"), "UTC", night));
  assert.ok(!insideWindow(at("2026-01-15T12:00:00Z"), "UTC", night));
  assert.equal(
    nextOpening(at("2026-01-15T12:00:00Z"), "UTC", night).toISOString(),
    "2026-01-15T22:00:00.000Z",
  );
});

Deno.test("the next opening is the next local 09:00, today or tomorrow", () => {
  const t = at("2026-01-15T07:00:00Z");
  assert.equal(
    nextOpening(t, "America/New_York", nineToNine).toISOString(),
    "2026-01-15T14:00:00.000Z",
  );
  // 17:00 in Vladivostok: tomorrow 09:00 local is 23:00Z today.
  const vlad = { start: 9 * 60, end: 12 * 60 };
  assert.equal(nextOpening(t, "Asia/Vladivostok", vlad).toISOString(), "2026-01-15T23:00:00.000Z");
});

Deno.test("the next opening is right across a daylight-saving change", () => {
  // New York springs forward on 2026-03-08 at 02:00 local: 09:00 that day is 13:00Z (EDT).
  const before = at("2026-03-08T05:00:00Z"); // 00:00 EST
  assert.equal(
    nextOpening(before, "America/New_York", nineToNine).toISOString(),
    "2026-03-08T13:00:00.000Z",
  );
});

const base = {
  startAt: at("2026-01-15T00:00:00Z"),
  endAt: at("2026-01-16T00:00:00Z"),
  window: nineToNine,
  endMarginMs: 100,
};

Deno.test("send inside the window, defer outside it, expire at the end", () => {
  assert.deepEqual(
    decideSend({ ...base, now: at("2026-01-15T07:00:00Z"), timeZone: "Europe/Moscow" }),
    { kind: "send" },
  );
  const deferred = decideSend({
    ...base,
    now: at("2026-01-15T07:00:00Z"),
    timeZone: "America/New_York",
  });
  assert.equal(deferred.kind, "defer");
  assert.equal(
    deferred.kind === "defer" && deferred.until.toISOString(),
    "2026-01-15T14:00:00.000Z",
  );
  // Vladivostok's next opening (23:00Z) is before the end (00:00Z): defer; a later one expires.
  const late = decideSend({
    ...base,
    now: at("2026-01-15T07:00:00Z"),
    endAt: at("2026-01-15T22:00:00Z"),
    window: { start: 9 * 60, end: 12 * 60 },
    timeZone: "Asia/Vladivostok",
  });
  assert.equal(late.kind, "expire");
  assert.equal(
    decideSend({ ...base, now: at("2026-01-15T23:59:59.950Z"), timeZone: "UTC", window: null })
      .kind,
    "expire",
    "no call starts within the margin before the end",
  );
});

Deno.test("a mailing moved to a later start defers its messages to that start", () => {
  const d = decideSend({
    ...base,
    now: at("2026-01-14T12:00:00Z"),
    timeZone: "UTC",
    window: null,
  });
  assert.deepEqual(d, { kind: "defer", until: base.startAt, reason: "the mailing starts later" });
});
