/**
 * The analysis loop on the time-skipping server, with stub cluster activities and fake
 * Prometheus activities: Argo's interval, count, initialDelay, failureLimit and
 * inconclusiveLimit in workflow time, a soak that ends early when a check fails, a failing
 * workload that takes the failed-workload path after its restart, no data that never passes,
 * Prometheus away, and dry-run checks that change nothing.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisRun } from '../../core/analysis/measurement.js';
import type { SpecInput } from '../../core/spec/schema.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import { createPrometheusActivities } from '../../activities/prometheus/activities.js';
import { cluster } from '../core/fixtures/cluster.js';
import { timeSkippingEnv } from '../support/temporal.js';
import { FakePrometheus } from './support/fake-prometheus.js';
import type { FakePrometheusOptions } from './support/fake-prometheus.js';
import { answering, approveAll, runUpgrade, specOf } from './support/logic-harness.js';
import type { Operator } from './support/logic-harness.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

type Analysis = NonNullable<SpecInput['analysis']>;
const SUCCESS_RATE = { name: 'request-success-rate', baseline: { maxDecrease: 0.005 } };

function canary(analysis: Partial<Analysis> = {}): SpecInput {
  return specOf({
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.28.0' },
    timers: { soakAfterControlPlane: '10m', graceBeforeRevisionRemoval: '1m' },
    analysis: {
      prometheus: { address: 'http://prometheus.monitoring:9090' },
      interval: '1m',
      count: 3,
      initialDelay: '30s',
      checks: [SUCCESS_RATE],
      ...analysis,
    },
  });
}

async function analyse(
  spec: SpecInput,
  prometheus: FakePrometheusOptions,
  operator: Operator = approveAll,
  skipIdleMs = 0,
) {
  const fake = new FakePrometheus(prometheus);
  const run = await runUpgrade(env, {
    spec,
    inventories: [cluster({ installer: 'istioctl' })],
    activities: (recorder) => fake.activities(recorder),
    operator,
    skipIdleMs,
  });
  return { ...run, fake, runs: run.result.status.analysis?.runs ?? [] };
}

/** Workflow time a run took, in whole seconds (activities add milliseconds). */
const seconds = (run: AnalysisRun | undefined) =>
  Math.round((Date.parse(run?.endedAt ?? '') - Date.parse(run?.startedAt ?? '')) / 1000);
const runOf = (runs: AnalysisRun[], id: string) => runs.find((run) => run.id === id);
const reviewsFails = {
  value: (s: { workload: string; restarted: boolean }) => (s.workload === 'reviews-v2' && s.restarted ? 0.91 : 0.999),
};
const stepOf = (status: UpgradeStatus | undefined, id: string) => status?.steps.find((step) => step.id === id);

describe('a healthy canary with analysis', () => {
  it('reads the baselines first, then measures during the soak, after each restart and before removal: 3 measurements 1m apart after 30s', async () => {
    const { result, runs, recorder } = await analyse(canary(), {});
    expect(result.outcome).toBe('completed');
    expect(
      result.status.analysis?.baselines.map((b) => `${b.check} ${b.namespace}/${b.workload} ${String(b.value)}`),
    ).toEqual([
      'request-success-rate bookinfo/details-v1 0.999',
      'request-success-rate bookinfo/productpage-v1 0.999',
      'request-success-rate bookinfo/ratings-v1 0.999',
      'request-success-rate bookinfo/reviews-v2 0.999',
    ]);
    expect(runs.map((run) => `${run.id} ${run.point} ${run.phase} ${run.measurements.length}`)).toEqual([
      'analysis:soak:control-plane@1.28.0#1 soak Successful 12',
      'analysis:restart:bookinfo/details-v1@1.28.0#1 restarts Successful 3',
      'analysis:restart:bookinfo/productpage-v1@1.28.0#1 restarts Successful 3',
      'analysis:restart:bookinfo/ratings-v1@1.28.0#1 restarts Successful 3',
      'analysis:restart:bookinfo/reviews-v2@1.28.0#1 restarts Successful 3',
      'analysis:remove-revision:default#1 before-removal Successful 12',
    ]);
    // initialDelay 30s, then measurements at 30s, 1m30s and 2m30s.
    for (const run of runs) expect(seconds(run)).toBe(150);
    // The soak still lasts its 10 minutes: a passing analysis does not shorten it.
    expect(stepOf(result.status, 'soak:control-plane@1.28.0')?.note).toBe(
      'waited 10m; analysis Successful: 12 measurements of 1 check on 4 workloads',
    );
    const measurement = runs[1]?.measurements[0];
    expect(measurement).toMatchObject({
      check: 'request-success-rate',
      namespace: 'bookinfo',
      workload: 'details-v1',
      value: 0.999,
      baseline: 0.999,
      rule: 'at most 0.005 below baseline',
      verdict: 'Successful',
      dryRun: false,
    });
    expect(measurement?.query).toContain('destination_workload="details-v1"');
    expect(measurement?.query).toContain('[1m]');
    expect(recorder.only('rolloutWorkload')).toHaveLength(4);
  });
});

describe('a workload whose success rate drops on the new proxy', () => {
  it('fails the analysis after its restart at the first measurement; the gate names check, value and baseline, and a rejection rolls back', async () => {
    const gate = 'failed:restart:bookinfo/reviews-v2@1.28.0#1';
    const { result, runs, seen } = await analyse(canary(), reviewsFails, answering(gate, 'reject'));
    expect(result.outcome).toBe('rolled-back');
    const failed = runOf(runs, 'analysis:restart:bookinfo/reviews-v2@1.28.0#1');
    expect(failed?.phase).toBe('Failed');
    expect(failed?.measurements).toHaveLength(1);
    expect(seconds(failed)).toBe(30);
    const description = seen.get(gate)?.pendingGates.find((g) => g.id === gate)?.description ?? '';
    expect(description).toContain('AnalysisFailed');
    expect(description).toContain('request-success-rate bookinfo/reviews-v2: 0.91 is 0.089 below baseline 0.999');
    expect(stepOf(seen.get(gate), 'restart:bookinfo/reviews-v2@1.28.0')?.failure?.type).toBe('AnalysisFailed');
  });

  it('analyses a batch of two restarts in one run, and only the failing workload takes the failed-workload path', async () => {
    const gate = 'failed:restart:bookinfo/reviews-v2@1.28.0#1';
    const { result, runs, seen } = await analyse(
      { ...canary(), restarts: { concurrency: 2 } },
      reviewsFails,
      answering(gate, 'reject'),
    );
    expect(result.outcome).toBe('rolled-back');
    expect(
      runs.filter((run) => run.point === 'restarts').map((run) => `${run.id} ${run.targets.length} ${run.phase}`),
    ).toEqual([
      'analysis:restart:bookinfo/productpage-v1@1.28.0#1 2 Successful',
      'analysis:restart:bookinfo/reviews-v2@1.28.0#1 2 Failed',
    ]);
    expect(stepOf(seen.get(gate), 'restart:bookinfo/ratings-v1@1.28.0')?.state).toBe('done');
    expect([...seen.keys()].filter((id) => id.startsWith('failed:'))).toEqual([gate]);
  });

  it('tolerates failureLimit failures: one bad measurement of three passes with failureLimit 1', async () => {
    let failedOnce = false;
    const { result, runs } = await analyse(canary({ failureLimit: 1 }), {
      value: (s) => {
        if (s.workload !== 'reviews-v2' || !s.restarted || failedOnce) return 0.999;
        failedOnce = true;
        return 0.91;
      },
    });
    expect(result.outcome).toBe('completed');
    const run = runOf(runs, 'analysis:restart:bookinfo/reviews-v2@1.28.0#1');
    expect(run?.phase).toBe('Successful');
    expect(run?.measurements.map((m) => m.verdict)).toEqual(['Failed', 'Successful', 'Successful']);
  });

  it('rolls back at once where onFailure says so, without a gate', async () => {
    const spec = { ...canary(), onFailure: { default: 'rollback' as const } };
    const { result, seen } = await analyse(spec, reviewsFails);
    expect(result.outcome).toBe('rolled-back');
    expect([...seen.keys()].filter((id) => id.startsWith('failed:'))).toEqual([]);
    expect(result.status.failure?.type).toBe('AutoRollback');
  });
});

describe('a soak with analysis', () => {
  it('ends early as Failed when a check fails during it, at the failing measurement, not after 10 minutes', async () => {
    const gate = 'failed:soak:control-plane@1.28.0#1';
    const { result, runs, seen, recorder } = await analyse(
      canary(),
      { value: (s) => (s.workload === 'productpage-v1' && s.call === 1 ? 0.5 : 0.999) },
      answering(gate, 'reject'),
    );
    expect(result.outcome).toBe('rolled-back');
    const run = runOf(runs, 'analysis:soak:control-plane@1.28.0#1');
    expect(run?.phase).toBe('Failed');
    expect(seconds(run)).toBe(90);
    // The soak began with its run and failed with it, 90 s into its 10 minutes.
    const soak = stepOf(seen.get(gate), 'soak:control-plane@1.28.0');
    expect(Math.round((Date.parse(soak?.endedAt ?? '') - Date.parse(run?.startedAt ?? '')) / 1000)).toBe(90);
    expect(soak?.failure?.type).toBe('AnalysisFailed');
    expect(recorder.only('rolloutWorkload')).toEqual([]);
  });
});

describe('no data and inconclusive results', () => {
  it('gives Inconclusive and a gate for a workload with no traffic, never a pass; approving goes on', async () => {
    const { result, runs, seen } = await analyse(
      canary({ inconclusiveLimit: 0 }),
      { value: (s) => (s.workload === 'ratings-v1' && s.restarted ? null : 0.999) },
      () => 'approve',
    );
    expect(result.outcome).toBe('completed');
    const run = runOf(runs, 'analysis:restart:bookinfo/ratings-v1@1.28.0#1');
    expect(run?.phase).toBe('Inconclusive');
    expect(run?.measurements[0]?.reason).toBe('no data (noData: inconclusive)');
    const gate = seen.get('failed:restart:bookinfo/ratings-v1@1.28.0#1');
    expect(stepOf(gate, 'restart:bookinfo/ratings-v1@1.28.0')?.failure?.type).toBe('AnalysisInconclusive');
  });
});

describe('Prometheus away', () => {
  it('retries the measurement, then ends the run as Error at a gate', async () => {
    const { result, runs, seen } = await analyse(
      canary(),
      { value: (s) => (s.workload === 'details-v1' && s.restarted ? 'down' : 0.999) },
      () => 'approve',
      // The measurement's retry backoff (1 s, 2 s, 4 s, 8 s) passes in skipped time.
      10_000,
    );
    expect(result.outcome).toBe('completed');
    const run = runOf(runs, 'analysis:restart:bookinfo/details-v1@1.28.0#1');
    expect(run?.phase).toBe('Error');
    expect(run?.measurements[0]?.reason).toContain(
      'AnalysisError: Prometheus at http://prometheus:9090 did not answer',
    );
    expect(
      stepOf(seen.get('failed:restart:bookinfo/details-v1@1.28.0#1'), 'restart:bookinfo/details-v1@1.28.0')?.failure
        ?.type,
    ).toBe('AnalysisError');
  });
});

describe('dry-run checks', () => {
  it('are recorded and change nothing', async () => {
    const { result, runs } = await analyse(
      canary({ checks: [SUCCESS_RATE, { name: 'request-duration', max: 100, dryRun: true }] }),
      { value: (s) => (s.check === 'request-duration' ? 900 : 0.999) },
    );
    expect(result.outcome).toBe('completed');
    const durations = runs.flatMap((run) => run.measurements).filter((m) => m.check === 'request-duration');
    expect(durations.length).toBeGreaterThan(0);
    expect(durations.every((m) => m.dryRun && m.verdict === 'Failed')).toBe(true);
    expect(runs.every((run) => run.phase === 'Successful')).toBe(true);
  });
});

describe('no Prometheus address', () => {
  it("refuses the start before anything is written when neither the spec nor the worker's PROMETHEUS_URL names one", async () => {
    const spec = canary();
    const run = await runUpgrade(env, {
      spec: { ...spec, ...(spec.analysis && { analysis: { ...spec.analysis, prometheus: {} } }) },
      inventories: [cluster({ installer: 'istioctl' })],
      // The real adapter, on a worker whose environment has no PROMETHEUS_URL.
      activities: () => createPrometheusActivities({ defaultAddress: null, authorization: null, caFile: null }),
    });
    expect(run.result.outcome).toBe('refused');
    expect(run.result.status.failure).toEqual({
      type: 'Validation',
      message:
        "cannot read the analysis baselines: no Prometheus address: set analysis.prometheus.address in the spec or PROMETHEUS_URL in the worker's environment",
    });
    expect(run.recorder.calls).toEqual(['readInventory']);
  });
});
