/**
 * The activities as a worker runs them: registered by createActivities, called by a workflow
 * through proxyActivities on the dev server, acting on the simulated cluster over HTTPS.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { startCluster, type SimCluster } from '../activities/support/sim.js';
import { devServerEnv } from '../support/temporal.js';
import { withWorker } from '../support/worker.js';
import type { restartOne } from './fixtures/restart-one.js';

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  [env, cluster] = await Promise.all([devServerEnv(), startCluster('sidecarIstioctl')]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

function run(name: string) {
  const activities = createActivities({
    kubeConfig: cluster.kubeConfig,
    tools: { kubeconfigPath: cluster.sim.kubeconfigPath },
  });
  return withWorker(env, { workflowsPath: 'test/workflows/fixtures/restart-one.ts', activities }, ({ taskQueue }) =>
    env.client.workflow.execute<typeof restartOne>('restartOne', {
      taskQueue,
      workflowId: `restart-one-${randomUUID()}`,
      args: [{ namespace: 'bookinfo', name }],
    }),
  );
}

const patchesOf = (name: string) =>
  cluster.sim.writeLog.filter(
    (w) => w.verb === 'patch' && w.resource === 'deployments' && w.namespace === 'bookinfo' && w.name === name,
  );

describe('activities through a real worker', () => {
  it('restarts reviews-v2 once and waits for it, and a missing deployment fails as NotFound without retries', async () => {
    const result = await run('reviews-v2');

    expect(result.namespacesInMesh).toContain('bookinfo');
    expect(result.changed).toBe(true);
    expect(result.rollout).toMatch(/successfully rolled out/);
    expect(patchesOf('reviews-v2')).toHaveLength(1);
    expect(result.missingWorkloadFailure).toEqual({ type: 'NotFound', nonRetryable: true });
    const missingReads = cluster.sim.requests.filter((r) => r.name === 'no-such-deployment');
    expect(missingReads.length).toBeLessThanOrEqual(4); // the adapter's own read retries, never Temporal's five attempts on top
  });

  it('rides out a 500 on the restart patch through Temporal retries, still with one rollout', async () => {
    cluster.sim.faults.add({
      kind: 'apiError',
      code: 500,
      verb: 'patch',
      resource: 'deployments',
      namespace: 'bookinfo',
      name: 'ratings-v1',
      count: 1,
    });
    const result = await run('ratings-v1');

    expect(result.changed).toBe(true);
    expect(result.rollout).toMatch(/successfully rolled out/);
    expect(patchesOf('ratings-v1')).toHaveLength(1);
    const refused = cluster.sim.requests.filter((r) => r.verb === 'patch' && r.name === 'ratings-v1' && r.code === 500);
    expect(refused).toHaveLength(1);
  });
});
