/**
 * A workload pinned by its own pod label, in a namespace without injection labels, moves by that
 * label: the restart writes it in the same patch, the new pods come from the new revision, and a
 * revert's mark on the Deployment goes with the move.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClients, mergePatch, type KubeClients } from '../../../activities/kubernetes/clients.js';
import { createWorkloadActivities } from '../../../activities/workloads/rollout-workload.js';
import { REVERTED_ANNOTATION } from '../../../core/labels.js';
import { startSim, type Sim } from '../../../sim/index.js';
import { runIn } from '../support/activity-env.js';

let sim: Sim;
let clients: KubeClients;
beforeAll(async () => {
  sim = await startSim({
    scenario: {
      name: 'pinned-workloads',
      timing: { podReadySeconds: 1, jobRunSeconds: 1 },
      nodes: 1,
      istio: { installer: 'helm', version: '1.26.4', revisions: [{ name: '1-27-3', version: '1.27.3' }] },
      namespaces: [{ name: 'legacy', deployments: [{ name: 'billing', podLabels: { 'istio.io/rev': 'default' } }] }],
    },
    timeScale: 20,
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sim.kubeconfigPath);
  clients = createKubeClients(kubeConfig);
});
afterAll(async () => {
  await sim?.stop();
});

const firstAttempt = () =>
  new MockActivityEnvironment({
    attempt: 1,
    scheduledTimestampMs: Date.now(),
    currentAttemptScheduledTimestampMs: Date.now(),
    heartbeatTimeoutMs: 600,
  });

describe('a workload pinned by its pod label', () => {
  it('moves legacy/billing to 1-27-3 with one patch of label and restart, clears its revert mark, and a retry writes nothing', async () => {
    await clients.apps.patchNamespacedDeployment(
      {
        namespace: 'legacy',
        name: 'billing',
        body: {
          metadata: {
            annotations: {
              [REVERTED_ANNOTATION]: JSON.stringify({
                upgrade: 'istio-upgrade-sim',
                from: '1-27-3',
                to: 'default',
                reason: 'bob: billing times out',
                at: '2026-12-04T21:10:00.000Z',
              }),
            },
          },
        },
      },
      mergePatch,
    );
    const before = sim.get('deployments', 'legacy', 'billing')?.metadata.generation ?? 0;
    const writes = () => sim.writeLog.filter((w) => w.resource === 'deployments' && w.name === 'billing').length;
    const writesBefore = writes();
    const w = createWorkloadActivities(clients);
    const move = {
      namespace: 'legacy',
      name: 'billing',
      restartedAt: '2026-12-05T03:00:00Z',
      expectedVersion: '1.27.3',
      expectedRevision: '1-27-3',
      test: null,
      testRunId: 'billing/1',
      podLabels: { 'istio.io/rev': '1-27-3' },
    };
    const result = await runIn(firstAttempt(), () => w.rolloutWorkload(move));
    expect(result).toMatchObject({ restarted: true, wrongProxies: [], pods: 1 });
    const billing = sim.get('deployments', 'legacy', 'billing');
    expect(billing?.metadata.generation).toBe(before + 1);
    expect(billing?.metadata.annotations?.[REVERTED_ANNOTATION]).toBeUndefined();
    expect(
      (billing?.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels,
    ).toMatchObject({
      'istio.io/rev': '1-27-3',
    });
    expect(writes()).toBe(writesBefore + 1);
    const retry = await w.rolloutWorkload(move);
    expect(retry).toMatchObject({ restarted: false, wrongProxies: [] });
    expect(writes()).toBe(writesBefore + 1);
  });
});
