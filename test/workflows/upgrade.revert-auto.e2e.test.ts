/**
 * The spec's `onFailure: revert` end to end: shop's cart-v1 fails its test on 1.27.3 and shop goes
 * back to the old revision without waiting for anyone; bookinfo moves on, the upgrade ends
 * partial. Then `rollback` of that partial upgrade (the plan the CLI passes: its reverted parts
 * left out) undoes bookinfo and the new revision, and leaves shop as the revert left it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { REVERTED_ANNOTATION } from '../../core/labels.js';
import { withoutReverted } from '../../core/plan/rollback.js';
import type { RollbackInput, UpgradeResult } from '../../workflows/messages.js';
import type { PendingGate } from '../../workflows/messages.js';
import type { rollback } from '../../workflows/rollback.js';
import { e2eSuite, meshState, restartsOf, runWorker, startUpgrade } from './support/upgrade-harness.js';
import { SHOP, answerWith, proxyVersionProbe, twoNamespaces, twoNamespaceSpec } from './support/revert-harness.js';

const suite = e2eSuite();
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

describe('onFailure: revert for shop', () => {
  it('reverts shop without a gate and ends partial; rollback then undoes bookinfo and leaves shop reverted', async () => {
    const cluster = await suite.fresh(twoNamespaces());
    const probe = await proxyVersionProbe(cluster, { namespace: 'shop', name: 'cart-v1', badVersion: '1.27.3' });
    closers.push(probe.close);
    const before = meshState(cluster);
    const spec = twoNamespaceSpec(probe, { onFailure: { namespaces: { shop: 'revert' } } });
    const gates: PendingGate[] = [];

    const { upgraded, rolledBack } = await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, spec);
      const upgraded = await answerWith(handle, () => undefined, gates);
      if (upgraded.plan === null)
        throw new Error(`the upgrade has no plan: ${JSON.stringify(upgraded.status.failure)}`);
      // What `istio-upgrade rollback <id>` starts for a finished upgrade.
      const input: RollbackInput = {
        upgradeId: handle.workflowId,
        by: 'alice',
        reason: 'bookinfo latency',
        plan: withoutReverted(upgraded.plan, upgraded.status.reverted ?? [], upgraded.status.skippedByRevert ?? []),
        spec,
      };
      const rolledBack: UpgradeResult = await suite.env.client.workflow.execute<typeof rollback>('rollback', {
        taskQueue,
        workflowId: `${handle.workflowId}-rollback-${randomUUID()}`,
        args: [input],
      });
      return { upgraded, rolledBack };
    });

    // No human was asked about the failure.
    expect(gates.filter((gate) => gate.kind === 'failure')).toEqual([]);
    expect(upgraded.outcome).toBe('partial');
    expect(upgraded.status.reverted).toEqual([
      expect.objectContaining({
        kind: 'namespace',
        namespace: 'shop',
        to: 'default',
        reason: expect.stringMatching(/^onFailure revert: shop\/cart-v1: GET .* → 503/) as unknown,
      }),
    ]);
    expect(upgraded.status.steps.find((s) => s.id === 'restart:shop/cart-v1@1.27.3')).toMatchObject({
      state: 'skipped',
      note: expect.stringMatching(/^reverted to default: onFailure revert: /) as unknown,
    });
    const shopRestarts = Object.fromEntries(SHOP.map((name) => [name, 2]));
    expect(restartsOf(cluster, 'shop')).toEqual(shopRestarts);

    // The rollback moved bookinfo back and removed 1-27-3; shop was left alone (no rollout, mark kept).
    expect(rolledBack.outcome).toBe('rolled-back');
    expect(rolledBack.status.steps.map((s) => s.id).filter((id) => id.includes('shop'))).toEqual([]);
    expect(restartsOf(cluster, 'shop')).toEqual(shopRestarts);
    expect(meshState(cluster)).toEqual(before);
    const mark = cluster.sim.list('namespaces').find((n) => n.metadata.name === 'shop')?.metadata.annotations?.[
      REVERTED_ANNOTATION
    ];
    expect(JSON.parse(mark ?? '{}')).toMatchObject({ to: 'default', from: '1-27-3' });
  }, 180_000);
});
