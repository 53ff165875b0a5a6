/**
 * A worker process killed with SIGKILL while three restarts of one batch wait for their rollouts
 * (concurrency 3: each restart PATCH sent, none of the new pods ready yet), and a new worker
 * process started. Unlike mid-restart (one rollout in flight), three activities of one child
 * workflow die at once: each is retried as attempt 2 of the same scheduled activity, finds its
 * own restart annotation (restartValue(upgradeKey, stepId, attempt) is the same on every
 * attempt), sends no second PATCH and waits for the rollout the first worker started, so no
 * deployment gets a second new ReplicaSet.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import type { SimCluster } from '../../activities/support/sim.js';
import type { KubeObject } from '../../../sim/api/object.js';
import { RESTARTED_AT_ANNOTATION } from '../../../activities/kubernetes/restart.js';
import {
  BOOKINFO,
  activityRuns,
  bookinfoRestarts,
  canaryWithCrash,
  crashCanarySpec,
  expectFinishedOnce,
  startCrashCluster,
} from '../support/crash-harness.js';

/** The first batch of three: reviews-v2 goes first by the spec's order, the rest by name. */
const IN_FLIGHT = ['reviews-v2', 'details-v1', 'productpage-v1'];

function replicaSetsOf(cluster: SimCluster, deployment: string): KubeObject[] {
  return cluster.sim
    .list('replicasets', 'bookinfo')
    .filter((rs) =>
      rs.metadata.ownerReferences?.some((owner) => owner.kind === 'Deployment' && owner.name === deployment),
    );
}

/** Ready pods of the ReplicaSets a restart created (their template carries the restart annotation). */
function restartedReady(cluster: SimCluster, deployment: string): number {
  return replicaSetsOf(cluster, deployment)
    .filter(
      (rs) =>
        (rs.spec as { template?: { metadata?: { annotations?: Record<string, string> } } }).template?.metadata
          ?.annotations?.[RESTARTED_AT_ANNOTATION] !== undefined,
    )
    .reduce((sum, rs) => sum + ((rs.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0), 0);
}

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  // Bookinfo's pods take 2 s each to get ready: three rollouts in flight long enough to die in.
  [env, cluster] = await Promise.all([devServerEnv(), startCrashCluster({ timeScale: 50, bookinfoReadySeconds: 100 })]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

describe('a worker killed while three restarts wait for their rollouts', () => {
  it('sends no second restart PATCH after a new worker starts, resumes the three waits and finishes the canary, every bookinfo deployment restarted exactly once', async () => {
    let readyAtKill: number[] = [];
    const run = await canaryWithCrash(env, inject('temporalAddress'), cluster, {
      spec: crashCanarySpec({}, { restarts: { concurrency: 3 } }),
      killWhen: (status, c) => {
        const restarts = bookinfoRestarts(c);
        const waiting = IN_FLIGHT.every(
          (name) => restarts[name] === 1 && status.workloads.find((w) => w.name === name)?.state === 'running',
        );
        if (waiting) readyAtKill = IN_FLIGHT.map((name) => restartedReady(c, name));
        return waiting && readyAtKill.every((ready) => ready === 0);
      },
    });
    // Killed with all three PATCHes in and none of their new pods ready: inside the rollout waits.
    expect(readyAtKill).toEqual([0, 0, 0]);
    expect(
      run.atKill.workloads
        .filter((w) => w.state === 'running')
        .map((w) => w.name)
        .sort(),
    ).toEqual([...IN_FLIGHT].sort());
    await expectFinishedOnce(env, run, cluster);

    // The three in-flight restarts ended on attempt 2 of one scheduled activity each (the dead
    // worker's attempt timed out on its heartbeat); the next batch never saw the old worker.
    const runs = await activityRuns(env, run.handle);
    const batch = (n: number) =>
      (runs[`${run.handle.workflowId}/restarts-${n}`] ?? []).map((r) => `${r.summary}#${r.attempt}`).sort();
    expect(batch(1)).toEqual(IN_FLIGHT.map((name) => `restart bookinfo/${name}#2`).sort());
    expect(batch(2)).toEqual(['ratings-v1', 'reviews-v1', 'reviews-v3'].map((name) => `restart bookinfo/${name}#1`));

    // One rollout each at the cluster's level too: the ReplicaSet from before and one new one.
    expect(Object.fromEntries(BOOKINFO.map((name) => [name, replicaSetsOf(cluster, name).length]))).toEqual(
      Object.fromEntries(BOOKINFO.map((name) => [name, 2])),
    );
  }, 240_000);
});
