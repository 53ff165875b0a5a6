import { describe, expect, it } from 'vitest';
import { isTimeZone, nextStart, openings, overlappingWindows, parseClock } from '../../../core/fleet/windows.js';
import type { MaintenanceWindow } from '../../../core/fleet/windows.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

/** Tuesdays and Thursdays 02:00–06:00 in Berlin. */
const berlin: MaintenanceWindow = {
  days: ['tue', 'thu'],
  start: '02:00',
  durationSeconds: 4 * 3600,
  timeZone: 'Europe/Berlin',
};

describe('maintenance windows', () => {
  it('opens at the local wall-clock time, following daylight saving', () => {
    // Winter: Berlin is UTC+1, so 02:00 local is 01:00Z. Summer: UTC+2, 00:00Z.
    const winter = openings(berlin, at('2026-12-07T00:00:00Z'), at('2026-12-11T00:00:00Z')).map((o) => iso(o.startMs));
    expect(winter).toEqual(['2026-12-08T01:00:00.000Z', '2026-12-10T01:00:00.000Z']);
    const summer = openings(berlin, at('2026-07-06T00:00:00Z'), at('2026-07-10T00:00:00Z')).map((o) => iso(o.startMs));
    expect(summer).toEqual(['2026-07-07T00:00:00.000Z', '2026-07-09T00:00:00.000Z']);
  });

  it('resolves a start inside the spring-forward gap to the instant after the jump', () => {
    // 2027-03-28 02:30 does not exist in Berlin (clocks jump 02:00 → 03:00 CET→CEST, i.e. 01:00Z).
    const sunday: MaintenanceWindow = {
      days: ['sun'],
      start: '02:30',
      durationSeconds: 3600,
      timeZone: 'Europe/Berlin',
    };
    const [opening] = openings(sunday, at('2027-03-27T00:00:00Z'), at('2027-03-29T00:00:00Z'));
    expect(opening && iso(opening.startMs)).toBe('2027-03-28T01:30:00.000Z');
  });

  it('starts now inside a window, and waits for the next opening outside one', () => {
    const schedule = { windows: [berlin], freezes: [] };
    expect(nextStart(schedule, at('2026-12-08T03:00:00Z'))).toEqual({ kind: 'now' });
    // Saturday: the next opening is Tuesday 02:00 Berlin.
    expect(nextStart(schedule, at('2026-12-05T12:00:00Z'))).toEqual({
      kind: 'wait',
      untilMs: at('2026-12-08T01:00:00Z'),
      why: 'outside its maintenance windows',
    });
    // The end of a window is outside it.
    const afterEnd = nextStart(schedule, at('2026-12-08T05:00:00Z'));
    expect(afterEnd.kind === 'wait' && iso(afterEnd.untilMs)).toBe('2026-12-10T01:00:00.000Z');
  });

  it('never starts in a freeze, even inside a window, and names the freeze', () => {
    const freeze = { fromMs: at('2026-12-07T00:00:00Z'), toMs: at('2026-12-09T12:00:00Z'), reason: 'release week' };
    const answer = nextStart({ windows: [berlin], freezes: [freeze] }, at('2026-12-08T03:00:00Z'));
    expect(answer).toEqual({
      kind: 'wait',
      untilMs: at('2026-12-10T01:00:00Z'),
      why: 'frozen until 2026-12-09T12:00:00.000Z: release week',
    });
  });

  it('starts in what is left of a window once a freeze ends inside it', () => {
    const freeze = { fromMs: at('2026-12-08T00:00:00Z'), toMs: at('2026-12-08T02:00:00Z'), reason: 'backup' };
    const answer = nextStart({ windows: [berlin], freezes: [freeze] }, at('2026-12-08T01:30:00Z'));
    expect(answer.kind === 'wait' && iso(answer.untilMs)).toBe('2026-12-08T02:00:00.000Z');
  });

  it('without windows any time outside a freeze is a start', () => {
    expect(nextStart({ windows: [], freezes: [] }, at('2026-12-05T12:00:00Z'))).toEqual({ kind: 'now' });
    const freeze = { fromMs: at('2026-12-01T00:00:00Z'), toMs: at('2027-01-04T00:00:00Z'), reason: 'holidays' };
    const answer = nextStart({ windows: [], freezes: [freeze] }, at('2026-12-05T12:00:00Z'));
    expect(answer.kind === 'wait' && iso(answer.untilMs)).toBe('2027-01-04T00:00:00.000Z');
  });

  it('says never when freezes cover every opening within the horizon', () => {
    const freeze = { fromMs: at('2026-01-01T00:00:00Z'), toMs: at('2030-01-01T00:00:00Z'), reason: 'forever' };
    expect(nextStart({ windows: [berlin], freezes: [freeze] }, at('2026-12-05T12:00:00Z')).kind).toBe('never');
  });

  it('finds overlapping windows, across time zones too', () => {
    const tokyo: MaintenanceWindow = { days: ['tue'], start: '09:00', durationSeconds: 3600, timeZone: 'Asia/Tokyo' };
    // Tuesday 09:00 Tokyo is Tuesday 00:00Z, inside no Berlin window (01:00Z–05:00Z in winter).
    expect(overlappingWindows([berlin, tokyo], at('2026-12-05T00:00:00Z'))).toBeNull();
    const tokyoLater = { ...tokyo, start: '11:00' }; // 02:00Z: inside Berlin's Tuesday window.
    expect(overlappingWindows([berlin, tokyoLater], at('2026-12-05T00:00:00Z'))).toEqual([0, 1]);
    const tooLong = { ...berlin, days: ['tue', 'wed'] as MaintenanceWindow['days'], durationSeconds: 30 * 3600 };
    expect(overlappingWindows([tooLong], at('2026-12-05T00:00:00Z'))).toEqual([0, 0]);
  });

  it('checks clocks and zones', () => {
    expect(parseClock('02:00')).toBe(120);
    expect(parseClock('24:00')).toBeNull();
    expect(parseClock('2:00')).toBeNull();
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
