/**
 * The rollback of a finished upgrade: possible while the old revision still runs, refused with
 * the reason once it is gone.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import type { rollback } from '../../workflows/rollback.js';
import type { UpgradeResult } from '../../workflows/messages.js';
import { answerGates, meshState, quickSpec, runWorker, startUpgrade, e2eSuite } from './support/upgrade-harness.js';

const suite = e2eSuite();

const canary = (extra: Partial<SpecInput> = {}): SpecInput =>
  quickSpec({
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.27.3' },
    scope: { namespaces: ['bookinfo'] },
    ...extra,
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

describe('rollback of a finished upgrade', () => {
  it('takes bookinfo back to the default revision while the old istiod still runs (kept for an excluded deployment)', async () => {
    const cluster = await suite.fresh();
    const before = meshState(cluster);
    await runWorker(suite.env, cluster, async (taskQueue) => {
      const upgraded = await answerGates(
        await startUpgrade(
          suite.env,
          taskQueue,
          canary({ scope: { namespaces: ['bookinfo'], exclude: ['bookinfo/reviews-v3'] } }),
        ),
      );
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
    const cluster = await suite.fresh();
    await runWorker(suite.env, cluster, async (taskQueue) => {
      const upgraded = await answerGates(await startUpgrade(suite.env, taskQueue, canary()));
      expect(upgraded.outcome).toBe('completed');
      const writes = cluster.sim.writeLog.length;
      const refused = await rollBack(taskQueue, upgraded);
      expect(refused.outcome).toBe('refused');
      expect(refused.status.failure?.message).toMatch(/^revision default \(1\.26\.4\) was removed/);
      expect(cluster.sim.writeLog.length).toBe(writes);
    });
  }, 120_000);
});
