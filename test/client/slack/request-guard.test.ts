/**
 * The guard's window and memory, on a clock the test moves: Slack's five minutes in both
 * directions, and a signed request accepted once, however often it is sent within the window.
 */
import { describe, expect, it } from 'vitest';
import { RequestGuard } from '../../../client/slack/request-guard.js';
import { sign } from './signed-request.js';

const SECRET = 'guard-test-signing-secret';
const NOW_S = 1_800_000_000;

function guardAt(clock: { now: number }): RequestGuard {
  return new RequestGuard(SECRET, { now: () => clock.now * 1000 });
}

describe('request guard', () => {
  it('accepts a request exactly five minutes off in either direction, and refuses one second more', () => {
    const clock = { now: NOW_S };
    const guard = guardAt(clock);
    for (const [offset, ok] of [
      [-300, true],
      [300, true],
      [-301, false],
      [301, false],
    ] as const) {
      const { headers, body } = sign(SECRET, `payload=${offset}`, NOW_S + offset);
      expect(guard.check(headers, body).ok, `offset ${offset}`).toBe(ok);
    }
  });

  it('remembers a signed request while its timestamp is in the window, so a replay is refused until the window refuses it anyway', () => {
    const clock = { now: NOW_S };
    const guard = guardAt(clock);
    const { headers, body } = sign(SECRET, 'payload=click', NOW_S);
    expect(guard.check(headers, body)).toEqual({ ok: true });
    clock.now += 299;
    expect(guard.check(headers, body)).toEqual({
      ok: false,
      reason: 'replayed request: this signed request was already received',
    });
    clock.now += 2;
    expect(guard.check(headers, body)).toEqual({ ok: false, reason: 'stale request: timestamp 301 s in the past' });
  });

  it('does not remember forged requests: a forgery cannot block the real request it imitates', () => {
    const guard = guardAt({ now: NOW_S });
    const real = sign(SECRET, 'payload=click', NOW_S);
    const forged = { ...real, body: 'payload=other' };
    expect(guard.check(forged.headers, forged.body)).toEqual({
      ok: false,
      reason: 'Failed to verify authenticity: signature mismatch',
    });
    expect(guard.check(real.headers, real.body)).toEqual({ ok: true });
  });
});
