/**
 * Metric analysis of an ambient upgrade (Sail, RevisionBased) where bookinfo has no waypoint:
 * ztunnel reports L4 only, so the plan says the L7 check has no data there and why, and the L4
 * check reads ztunnel's connection counters during the soak, after ztunnel rolled and before the
 * old revision goes.
 */
import { describe, expect, it } from 'vitest';
import { L4_READY, analysedUpgrade, prometheusReady, runAnalysisWorker } from './support/analysis-e2e.js';
import { e2eSuite, quickSpec, scenarioFrom } from './support/upgrade-harness.js';

const suite = e2eSuite();

describe('analysis of an ambient mesh without a waypoint', () => {
  it("judges bookinfo by ztunnel's L4 metrics after ztunnel, and the plan names the L7 check that has no data there", async () => {
    const cluster = await suite.fresh(
      scenarioFrom('ambientSail', (scenario) => ({
        ...scenario,
        name: 'ambient-sail-no-waypoint',
        namespaces: (scenario.namespaces ?? []).map((namespace) => ({
          ...namespace,
          labels: { 'istio.io/dataplane-mode': 'ambient' },
          waypoints: [],
        })),
      })),
    );
    const prom = await prometheusReady(cluster, L4_READY);
    try {
      const { result } = await runAnalysisWorker(suite, cluster, prom, (taskQueue) =>
        analysedUpgrade(
          suite,
          taskQueue,
          quickSpec({
            install: { method: 'sail', mode: 'ambient', strategy: 'revision' },
            version: { target: '1.27.3' },
            analysis: {
              interval: '3s',
              count: 2,
              initialDelay: '2s',
              baseline: { window: '30s' },
              checks: [
                { name: 'request-success-rate', min: 0.99 },
                { name: 'tcp-connection-rate', baseline: { maxDecreasePercent: 50 } },
              ],
            },
          }),
        ),
      );
      expect(result.outcome).toBe('completed');
      expect(result.plan?.analysis?.notes).toEqual([
        'request-success-rate has no data in bookinfo: its workloads are ambient without a waypoint, and ztunnel reports L4 metrics only (istio_tcp_*); tcp-connection-rate judges them there',
      ]);
      const runs = result.status.analysis?.runs ?? [];
      expect(runs.map((run) => `${run.point} ${run.phase}`)).toEqual([
        'soak Successful',
        'ztunnel Successful',
        'before-removal Successful',
      ]);
      const ztunnel = runs.find((run) => run.point === 'ztunnel');
      expect(ztunnel?.targets).toHaveLength(6);
      expect(new Set(ztunnel?.measurements.map((m) => m.check))).toEqual(new Set(['tcp-connection-rate']));
      expect(ztunnel?.measurements.every((m) => m.value !== null && m.value > 0)).toBe(true);
    } finally {
      await prom.stop();
    }
  }, 170_000);
});
