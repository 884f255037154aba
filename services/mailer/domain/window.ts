/**
 * Sending windows in the client's local time. Pure functions over an instant and an IANA time
 * zone (through Intl), so they are tested without I/O and without waiting for real clocks.
 */

/** Minutes after local midnight: [start, end). start > end wraps past midnight (22:00–06:00). */
export interface SendWindow {
  start: number;
  end: number;
}

const MINUTES_PER_DAY = 24 * 60;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a time zone Intl knows (IANA names such as "Europe/Moscow", and "UTC"). */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** "09:30" → 570; undefined when it is not HH:MM in 00:00–23:59 (24:00 allowed as an end). */
export function parseClock(text: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes > MINUTES_PER_DAY ? undefined : minutes;
}

export function formatClock(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

/** Local wall-clock time at `instant` in `timeZone`, in (fractional) minutes after midnight. */
export function localMinutes(instant: Date, timeZone: string): number {
  let h = 0, m = 0, s = 0;
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type === "hour") h = Number(part.value);
    else if (part.type === "minute") m = Number(part.value);
    else if (part.type === "second") s = Number(part.value);
  }
  return h * 60 + m + s / 60 + instant.getUTCMilliseconds() / 60_000;
}

export function insideWindow(instant: Date, timeZone: string, window: SendWindow): boolean {
  const { start, end } = window;
  if (start === end || (start === 0 && end === MINUTES_PER_DAY)) return true;
  const now = localMinutes(instant, timeZone);
  return start < end ? now >= start && now < end : now >= start || now < end;
}

const mod = (n: number, m: number) => ((n % m) + m) % m;

/** The next instant (after `instant`) at which the window opens in the client's local time. */
export function nextOpening(instant: Date, timeZone: string, window: SendWindow): Date {
  let candidate = instant.getTime() +
    mod(window.start - localMinutes(instant, timeZone), MINUTES_PER_DAY) * 60_000;
  // Across a DST change the offset at the candidate differs: correct by what the clock shows.
  for (let i = 0; i < 3; i++) {
    let off = mod(window.start - localMinutes(new Date(candidate), timeZone), MINUTES_PER_DAY);
    if (off > MINUTES_PER_DAY / 2) off -= MINUTES_PER_DAY;
    if (Math.abs(off) < 1 / 600) break;
    candidate += off * 60_000;
  }
  if (candidate <= instant.getTime()) candidate += MINUTES_PER_DAY * 60_000;
  return new Date(Math.round(candidate));
}
