/**
 * Metric analysis end to end: the simulator's Istio metrics, a real Prometheus scraping them, the
 * real worker and the dev server. A healthy canary passes with every measurement recorded and no
 * credential in history; a 5xx fault on the new proxy of one workload fails its analysis after
 * its restart, and rejecting rolls back to the state before; added latency fails a p99 baseline
 * rule that a fixed threshold would have passed.
 */
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../core/analysis/measurement.js';
import {
  BEARER_TOKEN,
  analysedCanary,
  analysedUpgrade,
  prometheusReady,
  runAnalysisWorker,
} from './support/analysis-e2e.js';
import { e2eSuite, meshState } from './support/upgrade-harness.js';

const suite = e2eSuite();

const reviewsGate = (id: string) => id.startsWith('failed:restart:bookinfo/reviews-v2@');

describe('analysis of a sidecar canary against a real Prometheus', () => {
  it('passes a healthy canary with every check measured during the soak, after each restart and before removal; the token is nowhere in history', async () => {
    const cluster = await suite.fresh();
    const prom = await prometheusReady(cluster);
    try {
      const { result, history } = await runAnalysisWorker(suite, cluster, prom, (taskQueue) =>
        analysedUpgrade(suite, taskQueue, analysedCanary()),
      );
      expect(result.outcome).toBe('completed');
      const analysis = result.status.analysis;
      expect(analysis?.baselines).toHaveLength(12);
      expect(analysis?.baselines.every((b) => typeof b.value === 'number')).toBe(true);
      const runs = analysis?.runs ?? [];
      expect(runs.map((run) => `${run.point} ${run.phase}`)).toEqual([
        'soak Successful',
        ...Array.from({ length: 6 }, () => 'restarts Successful'),
        'before-removal Successful',
      ]);
      const measured = runs.flatMap((run) => run.measurements);
      expect(measured.every((m: Measurement) => m.verdict === 'Successful' && m.value !== null)).toBe(true);
      const reviews = measured.find((m) => m.check === 'request-success-rate' && m.workload === 'reviews-v2');
      expect(reviews?.value).toBeGreaterThan(0.98);
      expect(history).toContain('request-success-rate');
      expect(history).not.toContain(BEARER_TOKEN);
    } finally {
      await prom.stop();
    }
  }, 170_000);

  it('fails reviews-v2 after its restart when its new proxy answers 30 % 5xx; the gate names check, value and baseline; rejecting rolls back', async () => {
    const cluster = await suite.fresh();
    const prom = await prometheusReady(cluster);
    cluster.sim.faults.add({
      kind: 'signals',
      namespace: 'bookinfo',
      workload: 'reviews-v2',
      when: { proxyVersion: '1.27' },
      errorRatio: 0.3,
    });
    const before = meshState(cluster);
    try {
      const { result, seen } = await runAnalysisWorker(suite, cluster, prom, (taskQueue) =>
        analysedUpgrade(suite, taskQueue, analysedCanary(), (gate) => {
          if (reviewsGate(gate.id)) return 'reject';
          if (gate.kind === 'failure') throw new Error(`unexpected failure gate: ${gate.description}`);
          return 'approve';
        }),
      );
      expect(result.outcome).toBe('rolled-back');
      const gate = [...seen.values()].find((g) => reviewsGate(g.id));
      expect(gate?.description).toMatch(
        /AnalysisFailed: analysis analysis:restart:bookinfo\/reviews-v2@1\.27\.3#1: Failed: request-success-rate bookinfo\/reviews-v2: 0\.[0-9]+ (< min 0\.9|is 0\.[0-9]+ below baseline 0\.9[0-9]*)/,
      );
      expect(gate?.description).toMatch(/value 0\.[0-9]+, baseline 0\.9[0-9]*/);
      const failed = result.status.analysis?.runs.find((run) => run.stepId === 'restart:bookinfo/reviews-v2@1.27.3');
      expect(failed?.phase).toBe('Failed');
    } finally {
      await prom.stop();
    }
    expect(meshState(cluster)).toEqual(before);
  }, 170_000);

  it('fails a p99 baseline rule when the new proxy adds 300 ms, while the fixed max of 1000 ms would have passed', async () => {
    const cluster = await suite.fresh();
    const prom = await prometheusReady(cluster);
    cluster.sim.faults.add({
      kind: 'signals',
      namespace: 'bookinfo',
      workload: 'ratings-v1',
      when: { proxyVersion: '1.27' },
      addedLatencyMs: 300,
    });
    try {
      const { result } = await runAnalysisWorker(suite, cluster, prom, (taskQueue) =>
        analysedUpgrade(suite, taskQueue, analysedCanary(), (gate) =>
          gate.id.startsWith('failed:restart:bookinfo/ratings-v1@')
            ? 'reject'
            : gate.kind === 'failure'
              ? 'reject'
              : 'approve',
        ),
      );
      expect(result.outcome).toBe('rolled-back');
      const run = result.status.analysis?.runs.find((r) => r.stepId === 'restart:bookinfo/ratings-v1@1.27.3');
      const p99 = run?.measurements.find((m) => m.check === 'request-duration' && m.verdict === 'Failed');
      expect(p99?.value).toBeGreaterThan(300);
      expect(p99?.value).toBeLessThan(1000);
      expect(p99?.reason).toMatch(/above baseline/);
      expect(p99?.threshold).toEqual({ max: 1000 });
    } finally {
      await prom.stop();
    }
  }, 170_000);
});
