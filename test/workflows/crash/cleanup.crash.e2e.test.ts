/**
 * A worker process killed with SIGKILL while `istioctl uninstall --revision default` removes the
 * old control plane (its first object deleted), and a new worker process started: the removal
 * is tried again, finds what is already gone, and the canary completes.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import type { SimCluster } from '../../activities/support/sim.js';
import { canaryWithCrash, crashCanarySpec, expectFinishedOnce, startCrashCluster } from '../support/crash-harness.js';

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  [env, cluster] = await Promise.all([devServerEnv(), startCrashCluster({ timeScale: 50 })]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

describe('a worker killed while the old revision is removed', () => {
  it('removes revision default once a new worker starts and completes the canary, restarting every bookinfo deployment exactly once', async () => {
    // Each DELETE answers 0.7 s late, so the uninstall lasts long enough for the status poll to
    // see it half done on a loaded machine (without it the whole removal could finish between polls).
    cluster.sim.faults.add({ kind: 'latency', ms: 700, verb: 'delete' });
    const run = await canaryWithCrash(env, inject('temporalAddress'), cluster, {
      spec: crashCanarySpec(),
      killWhen: (status, c) =>
        status.current === 'remove-revision:default' && c.sim.writeLog.some((write) => write.verb === 'delete'),
    });
    expect(run.atKill.steps.find((step) => step.id === 'remove-revision:default')?.state).toBe('running');
    await expectFinishedOnce(env, run, cluster);
    expect(cluster.sim.get('deployments', 'istio-system', 'istiod')).toBeUndefined();
  }, 240_000);
});
