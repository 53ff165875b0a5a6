/**
 * A worker process killed with SIGKILL while `istioctl install --revision 1-27-3` waits for the
 * new istiod (its objects created, its pod not ready yet), and a new worker process started: the
 * install is tried again, finds its revision, and the canary goes on to the end.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import type { SimCluster } from '../../activities/support/sim.js';
import { canaryWithCrash, crashCanarySpec, expectFinishedOnce, startCrashCluster } from '../support/crash-harness.js';

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  // istiod takes 2.5 s to get ready; bookinfo's pods stay quick.
  [env, cluster] = await Promise.all([devServerEnv(), startCrashCluster({ timeScale: 2, bookinfoReadySeconds: 0.2 })]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

describe('a worker killed during the install of the new revision', () => {
  it('installs 1-27-3 once a new worker starts and finishes the canary, restarting every bookinfo deployment exactly once', async () => {
    const run = await canaryWithCrash(env, inject('temporalAddress'), cluster, {
      spec: crashCanarySpec(),
      killWhen: (status, c) =>
        status.current === 'install-revision:1-27-3' &&
        c.sim.get('deployments', 'istio-system', 'istiod-1-27-3') !== undefined,
    });
    expect(run.atKill.steps.find((step) => step.id === 'install-revision:1-27-3')?.state).toBe('running');
    await expectFinishedOnce(env, run, cluster);
  }, 240_000);
});
