/**
 * A worker process killed with SIGKILL while a revert puts shop back on the old revision (its
 * label moved back, checkout-v1's rollback rollout sent, its pods not ready yet), and a new
 * worker process started: the revert finishes with each shop workload restarted once more, not
 * twice, and the upgrade ends partial.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import type { SimCluster } from '../../activities/support/sim.js';
import { canaryWithCrash, scheduledActivities, startCrashCluster } from '../support/crash-harness.js';
import { restartsOf } from '../support/upgrade-harness.js';
import { SHOP, namespaceState, proxyVersionProbe, twoNamespaces, twoNamespaceSpec } from '../support/revert-harness.js';

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
let probe: Awaited<ReturnType<typeof proxyVersionProbe>>;
beforeAll(async () => {
  const scenario = twoNamespaces();
  // Shop's pods take 2 s each to get ready: the revert's rollouts last long enough to die in.
  for (const namespace of scenario.namespaces ?? [])
    if (namespace.name === 'shop') for (const deployment of namespace.deployments ?? []) deployment.readySeconds = 100;
  [env, cluster] = await Promise.all([devServerEnv(), startCrashCluster({ timeScale: 50, scenario })]);
  probe = await proxyVersionProbe(cluster, { namespace: 'shop', name: 'cart-v1', badVersion: '1.27.3' });
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop(), probe?.close()]);
});

describe('a worker killed in the middle of a revert', () => {
  it('finishes the revert after a new worker starts, restarting each shop workload back once', async () => {
    const shopBefore = namespaceState(cluster, 'shop');
    const run = await canaryWithCrash(env, inject('temporalAddress'), cluster, {
      spec: twoNamespaceSpec(probe),
      answer: (gateId, status) =>
        status.pendingGates.find((g) => g.id === gateId)?.kind === 'failure' ? 'revert' : 'approve',
      // checkout-v1's way back is sent, and the revert has not reported back.
      killWhen: (status, c) => restartsOf(c, 'shop')['checkout-v1'] === 2 && (status.reverted ?? []).length === 0,
    });
    expect(run.atKill.controls.map((c) => c.action)).toContain('revert');
    expect(run.result.outcome).toBe('partial');
    expect(run.result.status.reverted?.map((r) => `${r.namespace}:${r.restarted.join(',')}`)).toEqual([
      'shop:checkout-v1,cart-v1',
    ]);
    expect(restartsOf(cluster, 'shop')).toEqual(Object.fromEntries(SHOP.map((name) => [name, 2])));
    expect(namespaceState(cluster, 'shop')).toEqual(shopBefore);
    const twice = Object.entries(await scheduledActivities(env, run.handle)).filter(([, count]) => count > 1);
    expect(twice).toEqual([]);
  }, 240_000);
});
