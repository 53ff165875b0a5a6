/**
 * A worker process killed with SIGKILL while the gate before moving bookinfo waits for a human,
 * and a new worker process started: the gate is still open, the approval given to the new worker
 * is recorded once, and the canary goes on.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import type { SimCluster } from '../../activities/support/sim.js';
import { canaryWithCrash, crashCanarySpec, expectFinishedOnce, startCrashCluster } from '../support/crash-harness.js';

const GATE = 'gate:namespace:bookinfo@1.27.3';

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  [env, cluster] = await Promise.all([devServerEnv(), startCrashCluster({ timeScale: 50 })]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

describe('a worker killed while a gate waits for approval', () => {
  it('keeps the gate open across the restart, takes the approval once, and finishes the canary restarting every bookinfo deployment exactly once', async () => {
    const run = await canaryWithCrash(env, inject('temporalAddress'), cluster, {
      spec: crashCanarySpec(),
      holdGate: GATE,
      killWhen: (status) => status.pendingGates.some((gate) => gate.id === GATE),
    });
    expect(run.atKill.pause).toBe('awaiting-approval');
    expect(
      cluster.sim.writeLog.filter((write) => write.namespace === 'bookinfo' || write.name === 'bookinfo').length,
    ).toBeGreaterThan(0);
    await expectFinishedOnce(env, run, cluster);
    expect(
      run.result.status.decisions
        .filter((decision) => decision.gateId === GATE)
        .map((decision) => `${decision.outcome} via ${decision.via}`),
    ).toEqual(['approved via update']);
  }, 240_000);
});
