/**
 * The fleet's ordering, waiting and halting, on the time-skipping server: the real fleet workflow
 * on a control queue, and one worker per cluster queue running a stand-in upgrade
 * (support/stub-upgrade.ts) that takes an hour (30 minutes when it fails). Bakes, windows and a
 * week's wait pass in skipped time. Stage gates are answered by signal as the operator would.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSpecInput } from '../../../core/fleet/spec.js';
import type { fleetUpgrade } from '../../../workflows/fleet/fleet.js';
import { fleetStatusQuery } from '../../../workflows/fleet/messages.js';
import type { FleetResult, FleetStatus } from '../../../workflows/fleet/messages.js';
import { approveSignal } from '../../../workflows/messages.js';
import { timeSkippingEnv } from '../../support/temporal.js';
import { runWithWorkers, workflowBundle } from '../../support/worker.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const HOUR = 3_600_000;

function fleetOf(clusters: FleetSpecInput['clusters'], stages: FleetSpecInput['stages']): FleetSpecInput {
  return {
    name: `fleet-${randomUUID().slice(0, 8)}`,
    target: '1.27.3',
    upgrade: {
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
      version: { target: '1.27.3' },
      approvals: { approvers: ['alice', 'bob'] },
    },
    clusters,
    stages,
    approvals: { approvers: ['alice', 'bob'] },
  };
}

/** Unique cluster names per test, so task queues and child workflow ids never collide between tests. */
function names(...roles: string[]): string[] {
  const suffix = randomUUID().slice(0, 6);
  return roles.map((role) => `${role}-${suffix}`);
}

interface Played {
  result: FleetResult;
  /** Server times each child upgrade started and closed, by cluster. */
  children: Map<string, { start: number; close: number }>;
  startedAt: number;
  /** Fleet statuses seen while it ran. */
  seen: FleetStatus[];
}

/** Runs a fleet with a worker per cluster queue; approves each stage gate as it opens. */
async function play(fleet: FleetSpecInput): Promise<Played> {
  const control = `control-${randomUUID()}`;
  const clusterBundle = await workflowBundle('test/workflows/fleet/support/stub-upgrade.ts');
  const workers = await Promise.all([
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: control,
      workflowBundle: await workflowBundle('workflows/index.ts'),
    }),
    ...Object.keys(fleet.clusters).map(async (cluster) =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue: `istio-upgrades-${cluster}`,
        workflowBundle: clusterBundle,
      }),
    ),
  ]);
  const startedAt = await env.currentTimeMs();
  const seen: FleetStatus[] = [];
  const run = async (): Promise<FleetResult> => {
    const handle: WorkflowHandle<typeof fleetUpgrade> = await env.client.workflow.start('fleetUpgrade', {
      taskQueue: control,
      workflowId: `istio-fleet-${fleet.name}`,
      args: [{ fleet, initiator: 'carol' }],
    });
    // Time moves only by the operator's sleeps: awaiting the result would let the server skip
    // past an open gate (it has no timer) to the end of time.
    const answered = new Set<string>();
    for (;;) {
      const status = await handle.query(fleetStatusQuery);
      seen.push(status);
      if (status.outcome !== null) break;
      const open = status.pendingGates.filter((gate) => !answered.has(gate.id));
      for (const gate of open) {
        answered.add(gate.id);
        await handle.signal(approveSignal, { gateId: gate.id, by: 'alice', requestId: `approve-${gate.id}` });
      }
      if (open.length === 0) await env.sleep(15 * 60_000);
    }
    return handle.result();
  };
  const result = await runWithWorkers(workers, run);
  const children = new Map<string, { start: number; close: number }>();
  for (const cluster of Object.keys(fleet.clusters)) {
    const description = await env.client.workflow
      .getHandle(`istio-upgrade-${cluster}`)
      .describe()
      .catch(() => null);
    if (description)
      children.set(cluster, { start: description.startTime.getTime(), close: description.closeTime?.getTime() ?? NaN });
  }
  return { result, children, startedAt, seen };
}

describe('a fleet in stages', () => {
  it('upgrades staging, bakes, then two production clusters at once, each on its own queue', async () => {
    const [staging = '', prodA = '', prodB = ''] = names('staging', 'prod-a', 'prod-b');
    const fleet = fleetOf({ [staging]: {}, [prodA]: {}, [prodB]: {} }, [
      { name: 'staging', clusters: [staging], bake: '2h' },
      { name: 'prod', clusters: [prodA, prodB], concurrency: 2 },
    ]);
    const { result, children } = await play(fleet);
    expect(result.outcome).toBe('completed');
    expect(result.status.clusters.map((c) => [c.name, c.state])).toEqual([
      [staging, 'completed'],
      [prodA, 'completed'],
      [prodB, 'completed'],
    ]);
    const s = children.get(staging)!;
    const a = children.get(prodA)!;
    const b = children.get(prodB)!;
    // Production starts only after staging finished and baked two hours.
    expect(a.start - s.close).toBeGreaterThanOrEqual(2 * HOUR);
    expect(b.start - s.close).toBeGreaterThanOrEqual(2 * HOUR);
    // Concurrency 2: the production clusters ran side by side.
    expect(a.start).toBeLessThan(b.close);
    expect(b.start).toBeLessThan(a.close);
    expect(result.status.decisions.map((d) => [d.gateId, d.outcome, d.by])).toEqual([
      ['before-stage:staging', 'approved', 'alice'],
      ['before-stage:prod', 'approved', 'alice'],
    ]);
  });

  it('halts on the first failed cluster: the next one never starts and the fleet names the failure', async () => {
    const [staging = '', prodFail = '', prodB = ''] = names('staging', 'prod-fail', 'prod-b');
    const fleet = fleetOf({ [staging]: {}, [prodFail]: {}, [prodB]: {} }, [
      { name: 'staging', clusters: [staging], gate: false },
      { name: 'prod', clusters: [prodFail, prodB], concurrency: 1, gate: false },
    ]);
    const { result, children } = await play(fleet);
    expect(result.outcome).toBe('halted');
    expect(result.status.reason).toBe(
      `stage prod: ${prodFail} rolled-back (TestFailed: ${prodFail}: productpage answered 503 (istio-upgrades-${prodFail}))`,
    );
    expect(result.status.clusters.find((c) => c.name === prodB)?.state).toBe('not-started');
    expect(children.has(prodB)).toBe(false);
    expect(result.status.stages.map((s) => [s.name, s.state, s.failures])).toEqual([
      ['staging', 'done', 0],
      ['prod', 'halted', 1],
    ]);
  });

  it('goes on past a failure the stage allows', async () => {
    const [fail = '', ok = ''] = names('fail', 'ok');
    const fleet = fleetOf({ [fail]: {}, [ok]: {} }, [
      { name: 'all', clusters: [fail, ok], gate: false, allowedFailures: 1 },
    ]);
    const { result } = await play(fleet);
    expect(result.outcome).toBe('completed');
    expect(result.status.clusters.map((c) => c.state)).toEqual(['rolled-back', 'completed']);
  });

  it('holds a cluster until its maintenance window opens, days later, at no real cost', async () => {
    const [windowed = ''] = names('windowed');
    const now = await env.currentTimeMs();
    // A one-hour window three days from now, at 02:00 UTC.
    const day = new Date(now + 3 * 24 * HOUR);
    const weekday = (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[day.getUTCDay()] ?? 'mon';
    const opens = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 2, 0);
    const fleet = fleetOf(
      { [windowed]: { windows: [{ days: [weekday], start: '02:00', duration: '1h', timeZone: 'UTC' }] } },
      [{ name: 'only', clusters: [windowed], gate: false }],
    );
    const realStart = Date.now();
    const { result, children, seen } = await play(fleet);
    expect(result.outcome).toBe('completed');
    expect(children.get(windowed)?.start).toBeGreaterThanOrEqual(opens);
    expect(children.get(windowed)?.start).toBeLessThan(opens + HOUR);
    const waiting = seen.flatMap((s) => s.clusters).find((c) => c.state === 'waiting-window');
    expect(waiting?.window).toEqual({ until: new Date(opens).toISOString(), why: 'outside its maintenance windows' });
    expect(Date.now() - realStart).toBeLessThan(60_000);
  });
});
