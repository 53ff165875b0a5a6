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
import {
  answerGates,
  meshState,
  quickSpec,
  restartsOf,
  runWorker,
  startSimCluster,
  startUpgrade,
} from './support/upgrade-harness.js';

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
    const result = await runWorker(env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(env, taskQueue, canary)),
    );

    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(result.status.steps.every((step) => step.state === 'done')).toBe(true);
    const restarts = result.status.steps.filter((step) => step.kind === 'restart-workload').map((step) => step.id);
    expect(restarts[0]).toBe('restart:bookinfo/reviews-v2@1.27.3');
    expect(restartsOf(cluster, 'bookinfo')).toEqual({
      'details-v1': 1,
      'productpage-v1': 1,
      'ratings-v1': 1,
      'reviews-v1': 1,
      'reviews-v2': 1,
      'reviews-v3': 1,
    });
    expect(result.status.progress).toEqual({ restarted: 6, total: 6 });

    const after = meshState(cluster) as {
      namespaces: Record<string, unknown>;
      istiods: string[];
      tags: string[];
      proxies: Record<string, string>;
    };
    expect(before).not.toEqual(after);
    expect(after.istiods).toEqual(['istiod-1-27-3:1.27.3']);
    expect(after.tags).toEqual(['default→1-27-3']);
    expect(after.namespaces.bookinfo).toEqual({ 'istio.io/rev': '1-27-3' });
    expect(
      Object.entries(after.proxies)
        .filter(([owner]) => owner.startsWith('bookinfo/'))
        .every(([, proxy]) => proxy === '1.27.3@1-27-3'),
    ).toBe(true);
  }, 120_000);
});

describe('a failing deployment test, then a rejection', () => {
  it('stops at a gate naming ratings-v1 and its test, and the rollback leaves labels, revisions, tags and proxies as they were', async () => {
    const fresh = await startSimCluster('sidecarIstioctl');
    try {
      const before = meshState(fresh);
      const spec: SpecInput = { ...canary, tests: { 'bookinfo/ratings-v1': { command: { argv: ['false'] } } } };
      const failureGates: string[] = [];
      const result = await runWorker(env, fresh, async (taskQueue) =>
        answerGates(await startUpgrade(env, taskQueue, spec), (gateId, status) => {
          const gate = status.pendingGates.find((g) => g.id === gateId);
          if (gate?.kind !== 'failure') return 'approve';
          failureGates.push(gate.description);
          // Reject the upgrade's failure: roll back. The rollback restarts ratings-v1 onto the old
          // proxy and its test (which always fails here) asks again: go on without it.
          return failureGates.length === 1 ? 'reject' : 'approve';
        }),
      );
      const [failureGate = '', rollbackGate = ''] = failureGates;
      expect(failureGate).toMatch(/^Restart bookinfo\/ratings-v1 .* failed \(TestFailed: bookinfo\/ratings-v1: /);
      expect(rollbackGate).toMatch(/^Restart bookinfo\/ratings-v1 and check its proxies run 1\.26\.4 from default/);
      expect(result.outcome).toBe('rolled-back');
      expect(result.status.workloads.find((w) => w.name === 'ratings-v1')).toMatchObject({
        state: 'failed',
        test: { passed: false },
      });
      expect(result.status.rollback?.map((step) => `${step.id} ${step.state}`)).toEqual([
        'rollback:move-namespace:bookinfo@default done',
        'rollback:restart:bookinfo/reviews-v2@1.26.4 done',
        'rollback:restart:bookinfo/details-v1@1.26.4 done',
        'rollback:restart:bookinfo/productpage-v1@1.26.4 done',
        'rollback:restart:bookinfo/ratings-v1@1.26.4 skipped',
        'rollback:verify-proxies@1.26.4 done',
        'rollback:remove-revision:1-27-3 done',
      ]);
      expect(meshState(fresh)).toEqual(before);
    } finally {
      await fresh.stop();
    }
  }, 120_000);
});
