/**
 * A worker process killed with SIGKILL while a deployment of the canary is rolling out (its
 * restart patch sent, its new pods not ready yet), and a new worker process started: the retried
 * restart finds its own annotation and sends no second patch.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import type { SimCluster } from '../../activities/support/sim.js';
import {
  bookinfoRestarts,
  canaryWithCrash,
  crashCanarySpec,
  expectFinishedOnce,
  startCrashCluster,
} from '../support/crash-harness.js';

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  // Bookinfo's pods take 2 s each to get ready: a rollout lasts long enough to die in.
  [env, cluster] = await Promise.all([devServerEnv(), startCrashCluster({ timeScale: 50, bookinfoReadySeconds: 100 })]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

describe('a worker killed in the middle of a restart batch', () => {
  it('finishes the canary after a new worker starts, restarting every bookinfo deployment exactly once', async () => {
    const run = await canaryWithCrash(env, inject('temporalAddress'), cluster, {
      spec: crashCanarySpec(),
      // reviews-v2 goes first; kill once its patch is in and before its rollout is reported done.
      killWhen: (status, c) =>
        bookinfoRestarts(c)['reviews-v2'] === 1 &&
        status.workloads.find((w) => w.name === 'reviews-v2')?.state === 'running',
    });
    expect(run.atKill.current).toBe('restart:bookinfo/reviews-v2@1.27.3');
    await expectFinishedOnce(env, run, cluster);
  }, 240_000);
});
