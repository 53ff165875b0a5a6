/**
 * `plan` says where analysis will run before anything is written: the Prometheus it asks, each
 * check with its rule, the points of the runbook and the workloads judged there, which checks have
 * no data where (ambient without a waypoint reports L4 only) and the baselines it read.
 */
import { describe, expect, it } from 'vitest';
import type { Baseline } from '../../../core/analysis/measurement.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import { stepRanges } from '../../../client/render/plan-analysis.js';
import { renderPlan } from '../../../client/render/plan.js';
import { cluster, spec } from '../../core/fixtures/cluster.js';

const analysis = {
  prometheus: { address: 'http://prometheus.monitoring:9090' },
  checks: [
    { name: 'request-success-rate', min: 0.99, baseline: { maxDecrease: 0.005 } },
    { name: 'request-duration', max: 500, baseline: { maxIncreasePercent: 20 } },
    { name: 'tcp-connection-rate', baseline: { maxDecreasePercent: 50 }, dryRun: true },
  ],
};

function planned(mode: 'sidecar' | 'ambient') {
  return planUpgrade(
    spec({ install: { method: 'helm', mode, strategy: 'revision' }, version: { target: '1.28.0' }, analysis }),
    cluster({ version: '1.27.3', ambient: mode === 'ambient' }),
  );
}

/** From the analysis header to the next part of the plan (its rollback or its findings). */
function section(text: string): string {
  const start = text.indexOf('\nAnalysis (');
  expect(start).toBeGreaterThan(-1);
  const ends = ['\nRollback', '\nWarnings:', '\nPrecheck findings']
    .map((next) => text.indexOf(next, start))
    .filter((at) => at !== -1);
  return text.slice(start, Math.min(...ends));
}

const baseline = (workload: string, value: number | null): Baseline => ({
  check: 'request-success-rate',
  namespace: 'bookinfo',
  workload,
  value,
  query: 'sum(rate(istio_requests_total{…}[10m]))',
  windowSeconds: 600,
  at: '2026-12-05T02:00:00.000Z',
});

describe('plan: where analysis runs', () => {
  it('lists the checks with their rules and the runbook points with their steps (a sidecar canary)', () => {
    const plan = planned('sidecar');
    const text = section(renderPlan(plan));
    const number = (id: string) => plan.steps.findIndex((step) => step.id === id) + 1;
    expect(text).toContain('Analysis (Prometheus: http://prometheus.monitoring:9090):');
    expect(text).toContain(
      '    request-success-rate (L7, built-in): min 0.99; at most 0.005 below baseline; no data: inconclusive',
    );
    expect(text).toContain(
      '    tcp-connection-rate (L4, built-in, dry run): at most 50 % below baseline; no data: inconclusive',
    );
    expect(text).toContain(`    soak: step ${number('soak:control-plane@1.28.0')}, for 4 workloads`);
    expect(text).toContain(
      `    after restarts: steps ${number('restart:bookinfo/details-v1@1.28.0')}-${number('restart:bookinfo/reviews-v2@1.28.0')}, for each restart's own workload (4)`,
    );
    expect(text).toContain(`    before removal: step ${number('remove-revision:default')}, for 4 workloads`);
    expect(text).toContain(
      '    bookinfo (sidecars, L7): details-v1, productpage-v1, ratings-v1, reviews-v2: request-success-rate, request-duration',
    );
  });

  it('says the L7 checks of an ambient namespace without a waypoint have no data, and why', () => {
    const text = section(renderPlan(planned('ambient')));
    expect(text).toContain(
      '    bookinfo (ztunnel only, L4): details-v1, productpage-v1, ratings-v1, reviews-v2: tcp-connection-rate',
    );
    expect(text).toMatch(
      / {2}without data:\n {4}- request-success-rate, request-duration have no data in bookinfo: its workloads are ambient without a waypoint, and ztunnel reports L4 metrics only/,
    );
    expect(text).toMatch(/ {4}after ztunnel: step \d+, for 4 workloads/);
    expect(text).not.toContain('after restarts');
  });

  it('shows the baselines it read, those without data first', () => {
    const plan = planned('sidecar');
    if (plan.analysis) plan.analysis.baselines = [baseline('details-v1', 0.9991), baseline('ratings-v1', null)];
    const lines = section(renderPlan(plan)).split('\n');
    const start = lines.indexOf('  Baselines read now (the 10m before 2026-12-05T02:00:00.000Z):');
    expect(start).toBeGreaterThan(-1);
    expect(lines.slice(start + 2, start + 4).map((line) => line.trim().split(/\s{2,}/))).toEqual([
      ['request-success-rate', 'bookinfo/ratings-v1', 'no data: its baseline rule will be Inconclusive'],
      ['request-success-rate', 'bookinfo/details-v1', '0.9991'],
    ]);
  });

  it('prints nothing about analysis for a spec without it', () => {
    const plan = planUpgrade(
      spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
      cluster({ version: '1.27.3' }),
    );
    expect(renderPlan(plan)).not.toContain('Analysis (');
  });

  it('writes step numbers as ranges', () => {
    expect(stepRanges([12, 7, 8, 9, 15, 10])).toBe('7-10, 12, 15');
  });
});
