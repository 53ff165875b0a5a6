/**
 * Analysis while a stage bakes, on the time-skipping server: the real fleet workflow on a control
 * queue, and per cluster queue a worker with a stand-in upgrade that completes with analysis in
 * its plan (support/analysed-cluster.ts) and the real `bakeAnalysis` workflow. Only Prometheus is
 * stubbed: each cluster's `measureAnalysis` answers a success rate by the cluster's name (`sick`:
 * 0.5, `quiet`: no data, else 0.9995), as its worker's Prometheus would.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSpecInput } from '../../../core/fleet/spec.js';
import type { fleetUpgrade } from '../../../workflows/fleet/fleet.js';
import { fleetStatusQuery } from '../../../workflows/fleet/messages.js';
import type { FleetResult } from '../../../workflows/fleet/messages.js';
import type { MeasureInput, MeasureResult } from '../../../activities/prometheus/activities.js';
import { approveSignal, rejectSignal } from '../../../workflows/messages.js';
import { timeSkippingEnv } from '../../support/temporal.js';
import { runWithWorkers, workflowBundle } from '../../support/worker.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

function fleetOf(first: string[], second: string[]): FleetSpecInput {
  const clusters = Object.fromEntries([...first, ...second].map((name) => [name, { context: name }]));
  return {
    name: `bake-${randomUUID().slice(0, 8)}`,
    target: '1.27.3',
    upgrade: {
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
      version: { target: '1.27.3' },
      approvals: { approvers: ['alice', 'bob'] },
    },
    clusters,
    stages: [
      { name: 'staging', clusters: first, concurrency: 2, bake: '1h', gate: false },
      { name: 'prod', clusters: second, gate: false },
    ],
    approvals: { approvers: ['alice', 'bob'] },
  };
}

function roles(...names: string[]): string[] {
  const suffix = randomUUID().slice(0, 6);
  return names.map((name) => `${name}-${suffix}`);
}

interface Played {
  result: FleetResult;
  measured: Map<string, number>;
}

/** Runs the fleet; bake gates are answered by `bakeAnswer`, as an operator would. */
async function play(fleet: FleetSpecInput, bakeAnswer: 'approve' | 'reject' = 'approve'): Promise<Played> {
  const control = `control-${randomUUID()}`;
  const clusterBundle = await workflowBundle('test/workflows/fleet/support/analysed-cluster.ts');
  const measured = new Map<string, number>();
  const measure =
    (cluster: string) =>
    (input: MeasureInput): Promise<MeasureResult> => {
      measured.set(cluster, (measured.get(cluster) ?? 0) + 1);
      const value = cluster.startsWith('sick') ? 0.5 : cluster.startsWith('quiet') ? null : 0.9995;
      return Promise.resolve({
        at: new Date().toISOString(),
        values: input.items.map((item) => ({ ...item, value, error: null })),
      });
    };
  const workers = await Promise.all([
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: control,
      workflowBundle: await workflowBundle('workflows/index.ts'),
    }),
    ...Object.keys(fleet.clusters).map((cluster) =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue: `istio-upgrades-${cluster}`,
        workflowBundle: clusterBundle,
        activities: { measureAnalysis: measure(cluster) },
      }),
    ),
  ]);
  const run = async (): Promise<FleetResult> => {
    const handle = await env.client.workflow.start<typeof fleetUpgrade>('fleetUpgrade', {
      taskQueue: control,
      workflowId: `istio-fleet-${fleet.name}`,
      args: [{ fleet, initiator: 'carol' }],
    });
    const answered = new Set<string>();
    for (;;) {
      const status = await handle.query(fleetStatusQuery);
      if (status.outcome !== null) break;
      const open = status.pendingGates.filter((gate) => !answered.has(gate.id));
      for (const gate of open) {
        answered.add(gate.id);
        const signal = gate.id.startsWith('bake:') && bakeAnswer === 'reject' ? rejectSignal : approveSignal;
        await handle.signal(signal, { gateId: gate.id, by: 'alice', requestId: `answer-${gate.id}` });
      }
      if (open.length === 0) await env.sleep(5 * 60_000);
    }
    return handle.result();
  };
  const result = await runWithWorkers(workers, run);
  return { result, measured };
}

describe('a stage bakes with its clusters analysis running', () => {
  it('goes on to the next stage when every finished cluster stays healthy through the bake', async () => {
    const [a, b, c] = roles('good', 'fine', 'later');
    const { result, measured } = await play(fleetOf([a ?? '', b ?? ''], [c ?? '']));

    expect(result.outcome).toBe('completed');
    const baked = result.status.clusters.filter((cluster) => cluster.stage === 'staging');
    expect(baked.map((cluster) => cluster.bake?.phase)).toEqual(['Successful', 'Successful']);
    expect(baked.map((cluster) => cluster.bake?.workflowId)).toEqual([
      `istio-upgrade-${a}/bake-staging`,
      `istio-upgrade-${b}/bake-staging`,
    ]);
    // A one-hour bake with a ten-minute interval: six measurements per cluster, on its own worker.
    expect(measured.get(a ?? '')).toBe(6);
    expect(measured.get(b ?? '')).toBe(6);
    // The last stage has no bake after it.
    expect(measured.has(c ?? '')).toBe(false);
    expect(result.status.clusters.find((cluster) => cluster.name === c)?.state).toBe('completed');
  });

  it('halts the fleet when a finished cluster fails its analysis during the bake, naming it and the check', async () => {
    const [good, sick, later] = roles('good', 'sick', 'later');
    const { result, measured } = await play(fleetOf([good ?? '', sick ?? ''], [later ?? '']));

    expect(result.outcome).toBe('halted');
    expect(result.status.reason).toContain(`${sick} failed its bake`);
    expect(result.status.reason).toContain('success-rate');
    const sickStatus = result.status.clusters.find((cluster) => cluster.name === sick);
    expect(sickStatus?.state).toBe('completed');
    expect(sickStatus?.bake?.phase).toBe('Failed');
    // failureLimit 0: the first bad measurement ends the bake at once, the healthy cluster's run is cancelled.
    expect(measured.get(sick ?? '')).toBe(1);
    expect(measured.get(good ?? '') ?? 0).toBeLessThan(6);
    expect(result.status.clusters.find((cluster) => cluster.name === later)?.state).toBe('not-started');
    expect(result.status.stages.find((stage) => stage.name === 'staging')?.state).toBe('halted');
  });

  it('asks at a gate when a bake could not judge (no data), and a rejection halts the fleet', async () => {
    const [quiet, later] = roles('quiet', 'later');
    const { result } = await play(fleetOf([quiet ?? ''], [later ?? '']), 'reject');

    expect(result.outcome).toBe('halted');
    const decision = result.status.decisions.find((d) => d.gateId === `bake:staging:${quiet}`);
    expect(decision?.outcome).toBe('rejected');
    expect(result.status.clusters.find((cluster) => cluster.name === quiet)?.bake?.phase).toBe('Inconclusive');
    expect(result.status.reason).toContain(`${quiet} failed its bake`);
    expect(result.status.clusters.find((cluster) => cluster.name === later)?.state).toBe('not-started');
  });
});
