/**
 * The fleet's controls, which are Updates (the time-skipping server has none): on the shared dev
 * server in real time, with a stand-in upgrade of four seconds per cluster on each cluster's queue.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSpecInput } from '../../../core/fleet/spec.js';
import type { fleetUpgrade } from '../../../workflows/fleet/fleet.js';
import { fleetStatusQuery, skipClusterUpdate } from '../../../workflows/fleet/messages.js';
import type { FleetResult, FleetStatus } from '../../../workflows/fleet/messages.js';
import { abortUpdate, pauseUpdate, resumeUpdate } from '../../../workflows/messages.js';
import type { OperatorRequest } from '../../../workflows/messages.js';
import { devServerEnv } from '../../support/temporal.js';
import { runWithWorkers, workflowBundle } from '../../support/worker.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

type FleetHandle = WorkflowHandle<typeof fleetUpgrade>;

/** Three quick clusters in one stage, one at a time, no gate. */
function quickFleet(): { fleet: FleetSpecInput; names: string[] } {
  const suffix = randomUUID().slice(0, 6);
  const names = [`quick-a-${suffix}`, `quick-b-${suffix}`, `quick-c-${suffix}`];
  return {
    names,
    fleet: {
      name: `controls-${suffix}`,
      target: '1.27.3',
      upgrade: {
        install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
        approvals: { approvers: ['alice', 'bob'] },
      },
      clusters: Object.fromEntries(names.map((name) => [name, {}])),
      stages: [{ name: 'all', clusters: names, gate: false }],
      approvals: { approvers: ['alice', 'bob'] },
    },
  };
}

async function withFleet(fleet: FleetSpecInput, fn: (handle: FleetHandle) => Promise<void>): Promise<FleetResult> {
  const control = `control-${randomUUID()}`;
  const stub = await workflowBundle('test/workflows/fleet/support/stub-upgrade.ts');
  const workers = await Promise.all([
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: control,
      workflowBundle: await workflowBundle('workflows/index.ts'),
    }),
    ...Object.keys(fleet.clusters).map((cluster) =>
      Worker.create({ connection: env.nativeConnection, taskQueue: `istio-upgrades-${cluster}`, workflowBundle: stub }),
    ),
  ]);
  const run = async (): Promise<FleetResult> => {
    const handle: FleetHandle = await env.client.workflow.start('fleetUpgrade', {
      taskQueue: control,
      workflowId: `istio-fleet-${fleet.name}`,
      args: [{ fleet, initiator: 'carol' }],
    });
    await fn(handle);
    return handle.result();
  };
  return runWithWorkers(workers, run);
}

async function until(handle: FleetHandle, test: (status: FleetStatus) => boolean): Promise<FleetStatus> {
  for (let i = 0; i < 300; i += 1) {
    const status = await handle.query(fleetStatusQuery);
    if (test(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the fleet never reached the expected state');
}

function request(by: string): OperatorRequest;
function request<T extends object>(by: string, more: T): OperatorRequest & T;
function request(by: string, more: object = {}): OperatorRequest {
  return { by, requestId: randomUUID(), ...more };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(error instanceof WorkflowUpdateFailedError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error.cause?.message ?? error.message;
}

describe('fleet controls', () => {
  it('pause holds the next cluster while the running one finishes; resume goes on; skip leaves one out with a reason', async () => {
    const { fleet, names } = quickFleet();
    const [a = '', b = '', c = ''] = names;
    const result = await withFleet(fleet, async (handle) => {
      await until(handle, (s) => s.clusters[0]?.state === 'running');
      await handle.executeUpdate(pauseUpdate, { args: [request('carol')] });
      // The running cluster finishes; the next does not start while held.
      const held = await until(handle, (s) => s.clusters[0]?.state === 'completed');
      expect(held.held).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await handle.query(fleetStatusQuery)).clusters[1]?.state).toBe('pending');
      // Skip needs an approver (not the initiator) and a comment.
      expect(
        await refusal(
          handle.executeUpdate(skipClusterUpdate, { args: [request('carol', { cluster: c, comment: 'x' })] }),
        ),
      ).toBe('"carol" started this fleet and may not do this');
      expect(
        await refusal(
          handle.executeUpdate(skipClusterUpdate, { args: [request('mallory', { cluster: c, comment: 'x' })] }),
        ),
      ).toBe('"mallory" is not an approver of this fleet');
      expect(await refusal(handle.executeUpdate(skipClusterUpdate, { args: [request('alice', { cluster: c })] }))).toBe(
        'comment: say why the cluster is skipped',
      );
      expect(
        await refusal(
          handle.executeUpdate(skipClusterUpdate, { args: [request('alice', { cluster: a, comment: 'late' })] }),
        ),
      ).toBe(`cluster ${a} is completed: only a cluster that has not started can be skipped`);
      await handle.executeUpdate(skipClusterUpdate, {
        args: [request('alice', { cluster: c, comment: 'being migrated' })],
      });
      await handle.executeUpdate(resumeUpdate, { args: [request('alice')] });
    });
    expect(result.outcome).toBe('completed');
    expect(result.status.clusters.map((cl) => [cl.name, cl.state, cl.reason])).toEqual([
      [a, 'completed', null],
      [b, 'completed', null],
      [c, 'skipped', 'skipped by alice: being migrated'],
    ]);
    expect(result.status.controls.map((r) => [r.action, r.by, r.cluster ?? null])).toEqual([
      ['pause', 'carol', null],
      ['skipCluster', 'alice', c],
      ['resume', 'alice', null],
    ]);
  });

  it('abort cancels the running upgrade (its rollback runs) and starts no other cluster', async () => {
    const { fleet } = quickFleet();
    const result = await withFleet(fleet, async (handle) => {
      await until(handle, (s) => s.clusters[0]?.state === 'running');
      await handle.executeUpdate(abortUpdate, { args: [request('alice', { comment: 'bad release' })] });
    });
    expect(result.outcome).toBe('aborted');
    expect(result.status.reason).toBe('aborted by alice: bad release');
    expect(result.status.clusters.map((c) => c.state)).toEqual(['rolled-back', 'not-started', 'not-started']);
  });
});
