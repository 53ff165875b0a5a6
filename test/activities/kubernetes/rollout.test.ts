import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledFailure } from '@temporalio/common';
import { createKubernetesActivities } from '../../../activities/kubernetes/index.js';
import { mergePatch } from '../../../activities/kubernetes/clients.js';
import { startCluster, type SimCluster } from '../support/sim.js';
import { activityEnv, runIn } from '../support/activity-env.js';
import { failureOf } from '../support/failures.js';

let cluster: SimCluster;
let k: ReturnType<typeof createKubernetesActivities>;
beforeAll(async () => {
  cluster = await startCluster('sidecarIstioctl', { timeScale: 10 });
  k = createKubernetesActivities(cluster.clients);
});
afterAll(() => cluster.stop());

const deploymentWatchesSince = (since: number) =>
  cluster.sim.requests.filter(
    (r) => r.seq > since && r.verb === 'watch' && r.resource === 'deployments' && r.namespace === 'bookinfo',
  ).length;
const lastSeq = () => cluster.sim.requests.at(-1)?.seq ?? 0;

async function restart(name: string, at: string): Promise<number> {
  return (await k.restartWorkload({ namespace: 'bookinfo', name, restartedAt: at })).generation;
}

describe('waiting for a rollout', () => {
  it('survives a dropped watch on productpage-v1 and resumes where it was', async () => {
    const since = lastSeq();
    cluster.sim.faults.add({ kind: 'dropWatch', resource: 'deployments', afterEvents: 1, count: 2 });
    const generation = await restart('productpage-v1', '2026-11-23T11:00:00Z');
    const result = await k.waitForRollout({
      kind: 'Deployment',
      namespace: 'bookinfo',
      name: 'productpage-v1',
      minGeneration: generation,
    });
    expect(result.progress).toEqual({ desired: 2, updated: 2, available: 2 });
    expect(result.watches).toBeGreaterThanOrEqual(2);
    expect(deploymentWatchesSince(since)).toBe(result.watches);
    cluster.sim.faults.clear();
  });

  it('fails as RolloutFailed at its deadline when details-v1 never gets ready, with the last progress', async () => {
    cluster.sim.faults.add({ kind: 'neverReady', deployment: 'details-v1', namespace: 'bookinfo' });
    const generation = await restart('details-v1', '2026-11-23T11:10:00Z');
    const { env } = activityEnv();
    const f = await failureOf(
      runIn(env, () =>
        k.waitForRollout({
          kind: 'Deployment',
          namespace: 'bookinfo',
          name: 'details-v1',
          minGeneration: generation,
          deadlineSeconds: 1,
        }),
      ),
    );
    expect(f.type).toBe('RolloutFailed');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/deployment bookinfo\/details-v1 did not finish within 1s: /);
    cluster.sim.faults.clear();
  });

  it('fails as RolloutFailed on ProgressDeadlineExceeded', async () => {
    cluster.sim.faults.add({ kind: 'neverReady', deployment: 'ratings-v1', namespace: 'bookinfo' });
    await cluster.clients.apps.patchNamespacedDeployment(
      { namespace: 'bookinfo', name: 'ratings-v1', body: { spec: { progressDeadlineSeconds: 5 } } },
      mergePatch,
    );
    const generation = await restart('ratings-v1', '2026-11-23T11:15:00Z');
    const f = await failureOf(
      k.waitForRollout({ kind: 'Deployment', namespace: 'bookinfo', name: 'ratings-v1', minGeneration: generation }),
    );
    expect(f.type).toBe('RolloutFailed');
    expect(f.message).toContain('exceeded its progress deadline');
    cluster.sim.faults.clear();
  });

  it('stops waiting when the activity is cancelled, after heartbeating', async () => {
    cluster.sim.faults.add({ kind: 'neverReady', deployment: 'reviews-v1', namespace: 'bookinfo' });
    const generation = await restart('reviews-v1', '2026-11-23T11:20:00Z');
    const { env, heartbeats } = activityEnv(300);
    const wait = runIn(env, () =>
      k.waitForRollout({ kind: 'Deployment', namespace: 'bookinfo', name: 'reviews-v1', minGeneration: generation }),
    );
    while (heartbeats.length < 2) await new Promise((r) => setTimeout(r, 50));
    env.cancel();
    await expect(wait).rejects.toBeInstanceOf(CancelledFailure);
    const beat = heartbeats.at(-1) as { message: string; progress: { desired: number } };
    expect(beat.message).toMatch(/^deployment bookinfo\/reviews-v1: /);
    expect(beat.progress.desired).toBe(1);
    cluster.sim.faults.clear();
  });
});

describe('waiting through an expired watch history', () => {
  let small: SimCluster;
  beforeAll(async () => {
    // A history of one event: any resume after more than one change gets 410 Gone.
    small = await startCluster('sidecarIstioctl', { timeScale: 10, watchHistory: 1 });
  });
  afterAll(() => small.stop());

  it('starts over from a fresh read when the resumed watch gets 410 Gone', async () => {
    const sk = createKubernetesActivities(small.clients);
    small.sim.faults.add({ kind: 'dropWatch', resource: 'deployments', afterEvents: 1, count: 1 });
    const { generation } = await sk.restartWorkload({
      namespace: 'bookinfo',
      name: 'reviews-v2',
      restartedAt: '2026-11-23T11:05:00Z',
    });
    const result = await sk.waitForRollout({
      kind: 'Deployment',
      namespace: 'bookinfo',
      name: 'reviews-v2',
      minGeneration: generation,
    });
    expect(result.progress).toEqual({ desired: 2, updated: 2, available: 2 });
    // Reads happen only at the start and after a 410: more than one means it started over.
    const reads = small.sim.requests.filter(
      (r) => r.verb === 'get' && r.resource === 'deployments' && r.name === 'reviews-v2',
    ).length;
    expect(reads).toBeGreaterThanOrEqual(3);
  });
});
