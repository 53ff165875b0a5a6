/**
 * Finishing a partial upgrade, end to end on the dev server and the simulator: the first canary
 * of bookinfo and shop to revision 1-27-3 ends `partial` because shop's cart-v1 fails its test on
 * the new proxy and is reverted at its gate. Once the team has fixed it (the fault cleared), a
 * second `start` with the same spec on the same cluster plans only what is left, as a
 * continuation naming the first upgrade: shop moved and restarted, the default tag moved, the old
 * revision removed, nothing installed again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { REVERTED_ANNOTATION } from '../../core/labels.js';
import type { PendingGate, UpgradeResult } from '../../workflows/messages.js';
import { e2eSuite, meshState, restartsOf, runWorker, startUpgrade } from './support/upgrade-harness.js';
import {
  SHOP,
  answerWith,
  namespaceState,
  proxyVersionProbe,
  twoNamespaces,
  twoNamespaceSpec,
} from './support/revert-harness.js';

const suite = e2eSuite();
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

type Mesh = {
  namespaces: Record<string, unknown>;
  istiods: string[];
  tags: string[];
  proxies: Record<string, string>;
};

describe('a second start after a partial upgrade, once the fault is cleared', () => {
  it('continues the first upgrade: moves and restarts only shop, moves the default tag, removes the old revision, installs nothing, ends completed', async () => {
    const cluster = await suite.fresh(twoNamespaces());
    const probe = await proxyVersionProbe(cluster, { namespace: 'shop', name: 'cart-v1', badVersion: '1.27.3' });
    closers.push(probe.close);
    const spec = twoNamespaceSpec(probe);
    const shopBefore = namespaceState(cluster, 'shop');
    const before = meshState(cluster) as Mesh;
    const shopMark = () =>
      cluster.sim.list('namespaces').find((n) => n.metadata.name === 'shop')?.metadata.annotations?.[
        REVERTED_ANNOTATION
      ];

    // Part 1, as upgrade.revert.e2e.test.ts runs it: shop reverted at cart-v1's failure gate.
    const firstGates: PendingGate[] = [];
    let firstId = '';
    const first = await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, spec);
      firstId = handle.workflowId;
      return answerWith(
        handle,
        (gate) => (gate.kind === 'failure' ? { decision: 'revert', comment: 'cart 5xx on 1.27' } : undefined),
        firstGates,
      );
    });
    expect(first.outcome).toBe('partial');
    expect(firstGates.find((g) => g.kind === 'failure')?.id).toMatch(/^failed:restart:shop\/cart-v1@1\.27\.3#/);
    expect(namespaceState(cluster, 'shop')).toEqual(shopBefore);
    const partial = meshState(cluster) as Mesh;
    expect(partial.istiods).toEqual([...before.istiods, 'istiod-1-27-3:1.27.3'].sort());
    expect(partial.tags).toEqual(before.tags);
    const mark = JSON.parse(shopMark() ?? '{}') as { upgrade: string; reason: string; at: string };
    expect(mark).toMatchObject({ upgrade: firstId, from: '1-27-3', to: 'default' });
    expect(mark.reason).toMatch(/^(alice|bob): cart 5xx on 1\.27$/);
    const bookinfoRestarts = restartsOf(cluster, 'bookinfo');
    expect(restartsOf(cluster, 'shop')).toEqual(Object.fromEntries(SHOP.map((name) => [name, 2])));

    // The team fixed cart-v1: the same spec, started again on the same cluster.
    probe.clear();
    const secondGates: PendingGate[] = [];
    let secondId = '';
    const second: UpgradeResult = await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, spec);
      secondId = handle.workflowId;
      // Every planned gate approved; a failure gate fails the test.
      return answerWith(handle, () => undefined, secondGates);
    });

    expect(secondId).not.toBe(firstId);
    expect(second.status.failure).toBeNull();
    expect(second.outcome).toBe('completed');
    // The plan continues the first upgrade and names what it reverted, and why.
    expect(second.plan?.continues).toEqual({
      upgrade: firstId,
      reverted: [{ namespace: 'shop', workload: null, reason: mark.reason, at: mark.at }],
    });
    const steps = second.plan?.steps ?? [];
    const kinds = steps.map((step) => step.kind);
    // Nothing installed again: the new revision, its base and the node agents are there already.
    for (const kind of ['install-revision', 'upgrade-base', 'upgrade-control-plane', 'upgrade-cni', 'upgrade-ztunnel'])
      expect(kinds).not.toContain(kind);
    // Only shop is left: bookinfo moved for good in the first upgrade.
    expect(steps.filter((step) => step.kind === 'move-namespace').map((step) => step.id)).toEqual([
      'move-namespace:shop@1-27-3',
    ]);
    const restarted = second.status.steps.filter((step) => step.kind === 'restart-workload');
    expect(restarted.map((step) => step.id).sort()).toEqual(SHOP.map((name) => `restart:shop/${name}@1.27.3`).sort());
    const state = (id: string) => second.status.steps.find((step) => step.id === id)?.state;
    expect(state('move-namespace:shop@1-27-3')).toBe('done');
    expect(restarted.every((step) => step.state === 'done')).toBe(true);
    expect(state('move-tag:default@1-27-3')).toBe('done');
    expect(state('remove-revision:default')).toBe('done');
    expect(second.status.steps.every((step) => step.state === 'done')).toBe(true);
    expect(second.status.blockers).toEqual([]);
    expect(second.status.reverted ?? []).toEqual([]);
    expect(secondGates.map((gate) => gate.kind)).not.toContain('failure');

    // Each shop workload restarted once more (onto 1-27-3); bookinfo not touched again.
    expect(restartsOf(cluster, 'shop')).toEqual(Object.fromEntries(SHOP.map((name) => [name, 3])));
    expect(restartsOf(cluster, 'bookinfo')).toEqual(bookinfoRestarts);

    // The mesh is where a clean upgrade leaves it: every proxy on 1.27.3 from 1-27-3, one istiod.
    const after = meshState(cluster) as Mesh;
    expect(after.istiods).toEqual(['istiod-1-27-3:1.27.3']);
    expect(after.tags).toEqual(['default→1-27-3']);
    expect(after.namespaces.shop).toEqual({ 'istio.io/rev': '1-27-3' });
    expect(after.namespaces.bookinfo).toEqual({ 'istio.io/rev': '1-27-3' });
    expect(Object.keys(after.proxies).length).toBeGreaterThan(0);
    expect(Object.entries(after.proxies).filter(([, proxy]) => proxy !== '1.27.3@1-27-3')).toEqual([]);
    // The reverted mark went with the move: nothing is left to continue.
    expect(shopMark()).toBeUndefined();
  }, 300_000);
});
