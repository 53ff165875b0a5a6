/**
 * The rollback of a finished upgrade: possible while the old revision still runs, refused with
 * the reason once it is gone.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import type { rollback } from '../../workflows/rollback.js';
import type { UpgradeResult } from '../../workflows/messages.js';
import { devServerEnv } from '../support/temporal.js';
import type { SimCluster } from '../activities/support/sim.js';
import { answerGates, meshState, quickSpec, runWorker, startSimCluster, startUpgrade } from './support/upgrade-harness.js';

let env: TestWorkflowEnvironment;
const clusters: SimCluster[] = [];
beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => {
  await Promise.all([env?.teardown(), ...clusters.map((c) => c.stop())]);
});

async function fresh(): Promise<SimCluster> {
  const cluster = await startSimCluster('sidecarIstioctl');
  clusters.push(cluster);
  return cluster;
}

const canary = (extra: Partial<SpecInput> = {}): SpecInput =>
  quickSpec({ install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.27.3' }, scope: { namespaces: ['bookinfo'] }, ...extra });

function rollBack(taskQueue: string, upgraded: UpgradeResult): Promise<UpgradeResult> {
  if (upgraded.plan === null) throw new Error('the upgrade has no plan');
  return env.client.workflow.execute<typeof rollback>('rollback', {
    taskQueue,
    workflowId: `rollback-${randomUUID()}`,
    args: [{ upgradeId: 'the-upgrade', by: 'alice', reason: 'latency regression', plan: upgraded.plan, spec: upgraded.spec }],
  });
}

describe('rollback of a finished upgrade', () => {
  it('takes bookinfo back to the default revision while the old istiod still runs (kept for an excluded deployment)', async () => {
    const cluster = await fresh();
    const before = meshState(cluster);
    await runWorker(env, cluster, async (taskQueue) => {
      const upgraded = await answerGates(await startUpgrade(env, taskQueue, canary({ scope: { namespaces: ['bookinfo'], exclude: ['bookinfo/reviews-v3'] } })));
      expect(upgraded.outcome).toBe('completed');
      expect(upgraded.plan?.steps.some((step) => step.kind === 'remove-old-revision')).toBe(false);
      const rolledBack = await rollBack(taskQueue, upgraded);
      expect(rolledBack.status.failure).toBeNull();
      expect(rolledBack.outcome).toBe('rolled-back');
      expect(rolledBack.status.kind).toBe('rollback');
    });
    expect(meshState(cluster)).toEqual(before);
  }, 120_000);

  it('refuses once the old revision was removed, naming it, and writes nothing', async () => {
    const cluster = await fresh();
    await runWorker(env, cluster, async (taskQueue) => {
      const upgraded = await answerGates(await startUpgrade(env, taskQueue, canary()));
      expect(upgraded.outcome).toBe('completed');
      const writes = cluster.sim.writeLog.length;
      const refused = await rollBack(taskQueue, upgraded);
      expect(refused.outcome).toBe('refused');
      expect(refused.status.failure?.message).toMatch(/^revision default \(1\.26\.4\) was removed/);
      expect(cluster.sim.writeLog.length).toBe(writes);
    });
  }, 120_000);
});
