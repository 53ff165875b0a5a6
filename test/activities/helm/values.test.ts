import { describe, expect, it } from 'vitest';
import { sameValues } from '../../../activities/helm/activities.js';
import { testJobName } from '../../../activities/probes/workload-test.js';

describe('helm values comparison', () => {
  it('ignores key order, not content', () => {
    expect(sameValues({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameValues({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameValues({ a: [1] }, { a: { 0: 1 } })).toBe(false);
  });
});

describe('test job names', () => {
  it('are stable for one run and distinct across runs, and valid DNS names', () => {
    const name = testJobName('Reviews_V2-with-a-very-long-name-that-goes-on-and-on-and-on', 'step-12/try-1');
    expect(name).toBe(testJobName('Reviews_V2-with-a-very-long-name-that-goes-on-and-on-and-on', 'step-12/try-1'));
    expect(name).not.toBe(testJobName('Reviews_V2-with-a-very-long-name-that-goes-on-and-on-and-on', 'step-12/try-2'));
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.length).toBeLessThanOrEqual(63);
  });
});
