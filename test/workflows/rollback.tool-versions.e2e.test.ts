/**
 * The way back needs its own tools: the source version's istioctl (a canary's tags move back
 * with it, its revision is uninstalled with it). Without one, an upgrade refuses to start (it
 * must not start what it cannot undo) and a rollback refuses before its first write, each naming
 * the missing istioctl. Real workers whose tools are stand-ins (here only `istioctl-1.27`, which
 * claims 1.27.3), the shared dev server and a simulated cluster at 1.26.4 per test.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { SpecInput } from '../../core/spec/schema.js';
import { standInToolsFolder } from '../../sim/index.js';
import type { UpgradeResult } from '../../workflows/messages.js';
import type { rollback } from '../../workflows/rollback.js';
import type { SimCluster } from '../activities/support/sim.js';
import { withWorker } from '../support/worker.js';
import { answerGates, meshState, quickSpec, runWorker, startUpgrade, e2eSuite } from './support/upgrade-harness.js';

const suite = e2eSuite();
/** A worker that can go to 1.27.3 but has no istioctl 1.26.4 to come back with. */
const forwardOnly = standInToolsFolder({ minors: ['1.27'] });

function runForwardOnlyWorker<T>(cluster: SimCluster, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const activities = createActivities({
    kubeConfig: cluster.kubeConfig,
    tools: { kubeconfigPath: cluster.sim.kubeconfigPath, searchPath: [forwardOnly] },
  });
  return withWorker(suite.env, { workflowsPath: 'workflows/index.ts', activities }, ({ taskQueue }) => fn(taskQueue));
}

const canary = (): SpecInput =>
  quickSpec({
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.27.3' },
    // The excluded deployment keeps the old revision running, so the finished canary can still be rolled back.
    scope: { namespaces: ['bookinfo'], exclude: ['bookinfo/reviews-v3'] },
  });

function rollBack(taskQueue: string, upgraded: UpgradeResult): Promise<UpgradeResult> {
  if (upgraded.plan === null) throw new Error('the upgrade has no plan');
  return suite.env.client.workflow.execute<typeof rollback>('rollback', {
    taskQueue,
    workflowId: `rollback-${randomUUID()}`,
    args: [
      { upgradeId: 'the-upgrade', by: 'alice', reason: 'latency regression', plan: upgraded.plan, spec: upgraded.spec },
    ],
  });
}

describe('the tools of the way back', () => {
  it('refuses an istioctl canary from 1.26.4 before any write when the worker has no istioctl 1.26.4 to roll back with', async () => {
    const cluster = await suite.fresh('sidecarIstioctl');
    const result = await runForwardOnlyWorker(cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, canary())),
    );
    expect(result.outcome).toBe('refused');
    expect(result.status.failure?.type).toBe('PrecheckBlocked');
    expect(result.status.failure?.message).toMatch(
      /^tool-versions: no istioctl for Istio 1\.26\.4 among the worker's tools: a rollback of this upgrade would run it \(rollback:[^)]+\), and an upgrade must not start what it cannot undo\.$/,
    );
    expect(cluster.sim.writeLog).toEqual([]);
  }, 120_000);

  it('refuses the rollback of a finished canary before its first write when the worker lacks istioctl 1.26.4, naming it; with it the rollback runs', async () => {
    const cluster = await suite.fresh('sidecarIstioctl');
    const before = meshState(cluster);
    await runWorker(suite.env, cluster, async (fullTools) => {
      const upgraded = await answerGates(await startUpgrade(suite.env, fullTools, canary()));
      expect(upgraded.outcome).toBe('completed');

      const writes = cluster.sim.writeLog.length;
      const refused = await runForwardOnlyWorker(cluster, (taskQueue) => rollBack(taskQueue, upgraded));
      expect(refused.outcome).toBe('refused');
      expect(refused.status.failure?.type).toBe('PrecheckBlocked');
      expect(refused.status.failure?.message).toMatch(
        /^tool-versions: no istioctl for Istio 1\.26\.4 among the worker's tools: the steps that run it would fail/,
      );
      expect(cluster.sim.writeLog.length).toBe(writes);

      const rolledBack = await rollBack(fullTools, upgraded);
      expect(rolledBack.status.failure).toBeNull();
      expect(rolledBack.outcome).toBe('rolled-back');
    });
    expect(meshState(cluster)).toEqual(before);
  }, 180_000);
});
