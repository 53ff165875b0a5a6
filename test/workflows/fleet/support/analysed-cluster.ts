/**
 * A cluster for the bake tests: a stand-in upgrade that completes after an hour with a plan that
 * has metric analysis (one success-rate check, min 0.99, on shop/web) and the baseline its start
 * read, and the real `bakeAnalysis` workflow that the fleet starts on the cluster's queue while
 * the stage bakes. Its `measureAnalysis` activity is stubbed by the test (the Prometheus boundary).
 */
import { sleep } from '@temporalio/workflow';
import type { AnalysisPlan } from '../../../../core/analysis/plan.js';
import type { Plan } from '../../../../core/plan/steps.js';
import type { UpgradeInput, UpgradeResult, UpgradeStatus } from '../../../../workflows/messages.js';

export { bakeAnalysis } from '../../../../workflows/fleet/bake.js';

export const ANALYSIS: AnalysisPlan = {
  address: 'http://prometheus.invalid:9090',
  intervalSeconds: 600,
  count: 3,
  failureLimit: 0,
  inconclusiveLimit: 0,
  initialDelaySeconds: 60,
  baselineWindowSeconds: 1800,
  checks: [
    {
      name: 'success-rate',
      query: 'sum(rate(istio_requests_total{destination_workload="{{ workload }}"}[{{ interval }}]))',
      layer: 'L7',
      builtIn: false,
      min: 0.99,
      max: null,
      baseline: null,
      noData: 'inconclusive',
      dryRun: false,
    },
  ],
  targets: [{ namespace: 'shop', workload: 'web', telemetry: 'sidecar', checks: ['success-rate'] }],
  points: [],
  notes: [],
};

export async function upgrade(input: UpgradeInput): Promise<UpgradeResult> {
  await sleep('1 hour');
  const status = {
    failure: null,
    analysis: {
      baselines: [
        {
          check: 'success-rate',
          namespace: 'shop',
          workload: 'web',
          value: 0.999,
          query: 'q',
          windowSeconds: 1800,
          at: new Date(Date.now()).toISOString(),
        },
      ],
      runs: [],
    },
  } as unknown as UpgradeStatus;
  return { outcome: 'completed', plan: { analysis: ANALYSIS } as Plan, spec: input.spec, status };
}
