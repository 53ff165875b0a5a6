import { describe, expect, it } from 'vitest';
import type { AnalysisPhase, Measurement } from '../../../core/analysis/measurement.js';
import { failingTargets, runPhase, summarize } from '../../../core/analysis/phase.js';

const limits = { count: 3, failureLimit: 0, inconclusiveLimit: 0, errorLimit: 0 };

function m(verdict: AnalysisPhase, overrides: Partial<Measurement> = {}): Measurement {
  return {
    check: 'request-success-rate',
    namespace: 'bookinfo',
    workload: 'reviews-v2',
    query: 'q',
    value: verdict === 'Failed' ? 0.91 : 0.999,
    baseline: 0.999,
    rule: 'at most 0.005 below baseline',
    verdict,
    reason: verdict === 'Failed' ? '0.91 is 0.089 below baseline 0.999' : 'fine',
    dryRun: false,
    at: '2026-12-05T02:00:00.000Z',
    ...overrides,
  };
}

describe("a run's phase, in Argo's terms", () => {
  it('runs until count measurements, then succeeds', () => {
    expect(runPhase([m('Successful')], limits, 1)).toBe('Running');
    expect(runPhase([m('Successful'), m('Successful'), m('Successful')], limits, 3)).toBe('Successful');
  });

  it('fails once failures exceed failureLimit, and not before', () => {
    expect(runPhase([m('Failed')], limits, 1)).toBe('Failed');
    const tolerant = { ...limits, failureLimit: 1 };
    expect(runPhase([m('Failed')], tolerant, 1)).toBe('Running');
    expect(runPhase([m('Failed'), m('Successful'), m('Successful')], tolerant, 3)).toBe('Successful');
    expect(runPhase([m('Failed'), m('Failed')], tolerant, 2)).toBe('Failed');
  });

  it('is Inconclusive once inconclusives exceed inconclusiveLimit, Error on an errored measurement, the worst series winning', () => {
    expect(runPhase([m('Inconclusive')], limits, 1)).toBe('Inconclusive');
    expect(runPhase([m('Inconclusive')], { ...limits, inconclusiveLimit: 1 }, 1)).toBe('Running');
    expect(runPhase([m('Error')], limits, 1)).toBe('Error');
    const other = { workload: 'ratings-v1' };
    expect(runPhase([m('Inconclusive'), m('Failed', other)], limits, 1)).toBe('Failed');
  });

  it('never counts dry-run measurements', () => {
    const dry = { check: 'new-check', dryRun: true };
    expect(runPhase([m('Successful'), m('Failed', dry)], limits, 1)).toBe('Running');
    expect(runPhase([m('Failed', dry), m('Failed', dry), m('Failed', dry)], limits, 3)).toBe('Successful');
  });

  it('summarizes a failed run naming check, workload, value and baseline, and finds the failing workloads', () => {
    const measurements = [m('Successful', { workload: 'ratings-v1' }), m('Failed')];
    expect(summarize(measurements, limits, 'Failed')).toBe(
      'Failed: request-success-rate bookinfo/reviews-v2: 0.91 is 0.089 below baseline 0.999 [value 0.91, baseline 0.999, rule: at most 0.005 below baseline]',
    );
    expect([...failingTargets(measurements, limits)]).toEqual([['bookinfo/reviews-v2', 'Failed']]);
  });
});
