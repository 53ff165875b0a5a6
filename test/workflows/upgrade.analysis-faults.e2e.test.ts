/**
 * Metric analysis end to end when it cannot judge: a workload without traffic gives Inconclusive
 * and a gate, never a pass, while a dry-run check that fails changes nothing; Prometheus stopped
 * mid-upgrade gives Error after the measurement's retries and a gate, and once it is back the
 * upgrade goes on after `retry`.
 */
import { describe, expect, it } from 'vitest';
import { untilQuery } from '../support/prometheus.js';
import {
  CHECKS,
  L7_READY,
  analysedCanary,
  analysedUpgrade,
  prometheusReady,
  runAnalysisWorker,
} from './support/analysis-e2e.js';
import { e2eSuite } from './support/upgrade-harness.js';

const suite = e2eSuite();

describe('analysis that cannot judge', () => {
  it('gives Inconclusive and a gate for ratings-v1 once its new proxy carries no traffic; a failing dry-run check changes nothing', async () => {
    const cluster = await suite.fresh();
    const prom = await prometheusReady(cluster);
    cluster.sim.faults.add({
      kind: 'signals',
      namespace: 'bookinfo',
      workload: 'ratings-v1',
      when: { proxyVersion: '1.27' },
      dropTraffic: true,
    });
    const failures: string[] = [];
    try {
      const { result } = await runAnalysisWorker(suite, cluster, prom, (taskQueue) =>
        analysedUpgrade(
          suite,
          taskQueue,
          analysedCanary({
            checks: [...CHECKS, { name: 'always-high', query: 'vector(5)', max: 1, dryRun: true }],
            // Past the 3 s window of the old pod's last requests: on a loaded machine a window
            // holding the last few (the simulator exports whole counts) once judged ratings-v1
            // Failed on its success rate, where the point here is a workload with no traffic.
            initialDelay: '5s',
          }),
          (gate, status) => {
            if (gate.kind !== 'failure') return 'approve';
            const failure = status.steps.find((step) => step.id === gate.stepId)?.failure;
            failures.push(`${gate.stepId ?? '?'} ${failure?.type ?? '?'}`);
            return 'approve';
          },
        ),
      );
      expect(result.outcome).toBe('completed');
      // After its restart, and again before the old revision goes: ratings-v1 still has no traffic.
      expect(failures).toEqual([
        'restart:bookinfo/ratings-v1@1.27.3 AnalysisInconclusive',
        'remove-revision:default AnalysisInconclusive',
      ]);
      const runs = result.status.analysis?.runs ?? [];
      const ratings = runs.find((run) => run.stepId === 'restart:bookinfo/ratings-v1@1.27.3');
      expect(ratings?.phase).toBe('Inconclusive');
      // Every window after the delay has run dry.
      expect(ratings?.measurements.filter((m) => m.verdict === 'Inconclusive').map((m) => m.reason)).toContain(
        'no data (noData: inconclusive)',
      );
      const dry = runs.flatMap((run) => run.measurements).filter((m) => m.check === 'always-high');
      expect(dry.length).toBeGreaterThan(0);
      expect(dry.every((m) => m.dryRun && m.verdict === 'Failed' && m.value === 5)).toBe(true);
      expect(runs.filter((run) => run.phase === 'Failed')).toEqual([]);
    } finally {
      await prom.stop();
    }
  }, 170_000);

  it('gives Error after the retries while Prometheus is stopped, and goes on after retry once it is back', async () => {
    const cluster = await suite.fresh();
    const prom = await prometheusReady(cluster);
    const gates: string[] = [];
    try {
      const { result } = await runAnalysisWorker(suite, cluster, prom, (taskQueue) =>
        analysedUpgrade(suite, taskQueue, analysedCanary(), async (gate, status) => {
          if (gate.kind !== 'failure') {
            // Before the first restart, Prometheus goes away.
            if (gate.id.includes('namespace:bookinfo')) await prom.stop();
            return 'approve';
          }
          const failure = status.steps.find((step) => step.id === gate.stepId)?.failure;
          gates.push(`${gate.stepId ?? '?'} ${failure?.type ?? '?'}`);
          await prom.restart();
          await untilQuery(prom, L7_READY, (v) => v !== undefined && v >= 6, 60_000);
          return 'retry';
        }),
      );
      expect(result.outcome).toBe('completed');
      expect(gates).toHaveLength(1);
      const [stepId, type] = (gates[0] ?? '').split(' ');
      expect(type).toBe('AnalysisError');
      const runs = (result.status.analysis?.runs ?? []).filter((run) => run.stepId === stepId);
      expect(runs.map((run) => run.phase)).toEqual(['Error', 'Successful']);
      expect(runs[0]?.measurements[0]?.reason).toMatch(
        /^AnalysisError: Prometheus at http:\/\/127\.0\.0\.1:\d+ did not answer: ECONNREFUSED/,
      );
    } finally {
      await prom.stop();
    }
  }, 170_000);
});
