/**
 * Maintenance windows and freeze periods: when a cluster's upgrade may start. A window is weekly
 * wall-clock time in a named time zone ("Tuesdays and Thursdays 02:00 for 4h, Europe/Berlin"),
 * so it follows daylight saving as the people who agreed on it expect; a freeze is an absolute
 * interval (a release week, the holidays) that no window overrides.
 *
 * Pure and deterministic: the fleet workflow calls `nextStart` with workflow time and sleeps on a
 * durable timer until the answer, so a week's wait costs nothing and replays the same. Intl's
 * time-zone data is the only outside input; it is part of the runtime, not of the cluster.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface MaintenanceWindow {
  days: Weekday[];
  /** Local wall-clock start, `HH:MM`. */
  start: string;
  /** Seconds the window stays open after its start. */
  durationSeconds: number;
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timeZone: string;
}

export interface Freeze {
  /** Epoch milliseconds; the freeze covers [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  reason: string;
}

export interface Schedule {
  /** Empty means "any time" (only freezes restrict it). */
  windows: MaintenanceWindow[];
  freezes: Freeze[];
}

/** An interval of epoch milliseconds, [startMs, endMs). */
export interface Interval {
  startMs: number;
  endMs: number;
}

export type StartAnswer =
  { kind: 'now' } | { kind: 'wait'; untilMs: number; why: string } | { kind: 'never'; why: string };

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far ahead a start is looked for: a freeze longer than a year is a mistake in the spec. */
const HORIZON_DAYS = 400;

/** Whether Intl knows the zone; `new Intl.DateTimeFormat` throws RangeError otherwise. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `HH:MM` to minutes after midnight, or null. */
export function parseClock(text: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  return format;
}

/** The wall clock in `zone` at `ms`, as the UTC epoch of the same fields (so the difference is the offset). */
function wallClockAsUtc(ms: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
}

/**
 * The instant a local wall-clock time happens in `zone`. A time skipped by a daylight-saving
 * jump resolves to the instant after the jump; a repeated hour resolves to its first pass.
 */
function instantOf(localAsUtc: number, zone: string): number {
  const offset = wallClockAsUtc(localAsUtc, zone) - localAsUtc;
  let guess = localAsUtc - offset;
  const second = wallClockAsUtc(guess, zone) - guess;
  if (second !== offset) guess = localAsUtc - second;
  // In a gap neither offset reproduces the wall clock: take the later reading, after the jump.
  if (wallClockAsUtc(guess, zone) !== localAsUtc) guess = localAsUtc - Math.min(offset, second);
  return guess;
}

/** Monday = 0 … Sunday = 6 for a UTC-encoded local date. */
function weekdayIndex(localAsUtc: number): number {
  return (new Date(localAsUtc).getUTCDay() + 6) % 7;
}

/** Every opening of `window` that overlaps [fromMs, toMs), in order. */
export function openings(window: MaintenanceWindow, fromMs: number, toMs: number): Interval[] {
  const startMinutes = parseClock(window.start) ?? 0;
  const durationMs = window.durationSeconds * 1000;
  const days = new Set(window.days.map((day) => WEEKDAYS.indexOf(day)));
  // Start a week early: a long window that opened before `fromMs` may still be open.
  const firstLocal = Math.floor(wallClockAsUtc(fromMs, window.timeZone) / DAY) * DAY - 7 * DAY;
  const lastLocal = Math.floor(wallClockAsUtc(toMs, window.timeZone) / DAY) * DAY + DAY;
  const result: Interval[] = [];
  for (let day = firstLocal; day <= lastLocal; day += DAY) {
    if (!days.has(weekdayIndex(day))) continue;
    const startMs = instantOf(day + startMinutes * MINUTE, window.timeZone);
    const interval = { startMs, endMs: startMs + durationMs };
    if (interval.endMs > fromMs && interval.startMs < toMs) result.push(interval);
  }
  return result;
}

/** Two windows of one cluster that are open at the same time within a week from `fromMs`, if any. */
export function overlappingWindows(windows: MaintenanceWindow[], fromMs: number): [number, number] | null {
  const toMs = fromMs + 14 * DAY;
  const opened = windows.map((window) => openings(window, fromMs, toMs));
  for (let a = 0; a < opened.length; a += 1)
    for (let b = a + 1; b < opened.length; b += 1)
      for (const x of opened[a] ?? [])
        for (const y of opened[b] ?? []) if (x.startMs < y.endMs && y.startMs < x.endMs) return [a, b];
  // One window overlapping itself: a duration longer than the gap to its next opening.
  for (let a = 0; a < opened.length; a += 1) {
    const list = opened[a] ?? [];
    for (let i = 1; i < list.length; i += 1) {
      const previous = list[i - 1];
      const current = list[i];
      if (previous && current && current.startMs < previous.endMs) return [a, a];
    }
  }
  return null;
}

function freezeAt(freezes: Freeze[], ms: number): Freeze | undefined {
  return freezes.find((freeze) => freeze.fromMs <= ms && ms < freeze.toMs);
}

/**
 * When an upgrade may start, looked at from `nowMs`: now, at a later instant (the next window
 * opening outside every freeze), or never within the horizon. A start is allowed at an instant,
 * not for a duration: an upgrade that started inside a window runs to its end.
 */
export function nextStart(schedule: Schedule, nowMs: number): StartAnswer {
  const horizonMs = nowMs + HORIZON_DAYS * DAY;
  const candidates: Interval[] =
    schedule.windows.length === 0
      ? [{ startMs: nowMs, endMs: horizonMs }]
      : schedule.windows.flatMap((window) => openings(window, nowMs, horizonMs)).sort((a, b) => a.startMs - b.startMs);
  for (const interval of candidates) {
    let at = Math.max(interval.startMs, nowMs);
    // Step over freezes (they may chain) while the window is still open.
    for (let freeze = freezeAt(schedule.freezes, at); freeze; freeze = freezeAt(schedule.freezes, at)) at = freeze.toMs;
    if (at >= interval.endMs) continue;
    if (at === nowMs) return { kind: 'now' };
    const frozen = freezeAt(schedule.freezes, nowMs);
    return {
      kind: 'wait',
      untilMs: at,
      why: frozen
        ? `frozen until ${new Date(frozen.toMs).toISOString()}: ${frozen.reason}`
        : 'outside its maintenance windows',
    };
  }
  return {
    kind: 'never',
    why: `no maintenance window opens outside a freeze within ${HORIZON_DAYS} days`,
  };
}
