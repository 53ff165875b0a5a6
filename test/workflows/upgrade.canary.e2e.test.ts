/**
 * The revision canary end to end: the real upgrade workflow on the dev server, the real
 * activities, the istioctl stand-in and the simulated cluster (a sidecar mesh on 1.26.4
 * installed by istioctl, revision-less, as `npm start` runs it).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import { devServerEnv } from '../support/temporal.js';
import type { SimCluster } from '../activities/support/sim.js';
import { answerGates, meshState, quickSpec, restartsOf, runWorker, startSimCluster, startUpgrade } from './support/upgrade-harness.js';

const canary: SpecInput = quickSpec({
  cluster: { context: 'sim' },
  install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
  version: { target: '1.27.3' },
  scope: { namespaces: ['bookinfo'] },
  restarts: { order: ['bookinfo/reviews-v2'] },
});

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  [env, cluster] = await Promise.all([devServerEnv(), startSimCluster('sidecarIstioctl')]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

describe('revision canary with istioctl away from a revision-less istiod', () => {
  it('moves bookinfo to 1-27-3 restarting reviews-v2 first and each deployment once, makes 1-27-3 the default, and removes the old istiod', async () => {
    const before = meshState(cluster);
    const result = await runWorker(env, cluster, async (taskQueue) => answerGates(await startUpgrade(env, taskQueue, canary)));

    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(result.status.steps.every((step) => step.state === 'done')).toBe(true);
    const restarts = result.status.steps.filter((step) => step.kind === 'restart-workload').map((step) => step.id);
    expect(restarts[0]).toBe('restart:bookinfo/reviews-v2@1.27.3');
    expect(restartsOf(cluster, 'bookinfo')).toEqual({ 'details-v1': 1, 'productpage-v1': 1, 'ratings-v1': 1, 'reviews-v1': 1, 'reviews-v2': 1, 'reviews-v3': 1 });
    expect(result.status.progress).toEqual({ restarted: 6, total: 6 });

    const after = meshState(cluster) as { namespaces: Record<string, unknown>; istiods: string[]; tags: string[]; proxies: Record<string, string> };
    expect(before).not.toEqual(after);
    expect(after.istiods).toEqual(['istiod-1-27-3:1.27.3']);
    expect(after.tags).toEqual(['default→1-27-3']);
    expect(after.namespaces.bookinfo).toEqual({ 'istio.io/rev': '1-27-3' });
    expect(Object.entries(after.proxies).filter(([owner]) => owner.startsWith('bookinfo/')).every(([, proxy]) => proxy === '1.27.3@1-27-3')).toBe(true);
  }, 120_000);
});
