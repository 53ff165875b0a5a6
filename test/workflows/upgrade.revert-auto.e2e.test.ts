/**
 * The spec's `onFailure: revert` end to end: shop's cart-v1 fails its test on 1.27.3 and shop goes
 * back to the old revision without waiting for anyone; bookinfo moves on, the upgrade ends
 * partial. Then `istio-upgrade rollback <id>` of that partial upgrade undoes bookinfo and the new
 * revision, and leaves shop as the revert left it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { REVERTED_ANNOTATION } from '../../core/labels.js';
import { rollbackWorkflowId } from '../../workflows/messages.js';
import type { PendingGate, UpgradeResult } from '../../workflows/messages.js';
import { operatorCli } from '../support/cli.js';
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
    let rollbackPlan = '';

    const { upgraded, rolledBack } = await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, spec);
      const upgraded = await answerWith(handle, () => undefined, gates);
      if (upgraded.plan === null)
        throw new Error(`the upgrade has no plan: ${JSON.stringify(upgraded.status.failure)}`);
      // `istio-upgrade rollback <id>` of the finished partial upgrade, as an operator runs it.
      const cli = await operatorCli(taskQueue, 'alice')(
        'rollback',
        handle.workflowId,
        '--reason',
        'bookinfo latency',
        '--kubeconfig',
        cluster.sim.kubeconfigPath,
      );
      if (cli.exitCode !== 0) throw new Error(`rollback exited ${cli.exitCode}: ${cli.stderr}`);
      rollbackPlan = cli.stdout;
      const rolledBack = (await suite.env.client.workflow
        .getHandle(rollbackWorkflowId(handle.workflowId))
        .result()) as UpgradeResult;
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
    const steps = rollbackPlan.slice(
      rollbackPlan.indexOf('Steps:'),
      rollbackPlan.indexOf('\n\n', rollbackPlan.indexOf('Steps:')),
    );
    expect(steps).toMatch(/Move namespace bookinfo from 1-27-3 to revision default/);
    expect(steps).not.toMatch(/shop/);
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
