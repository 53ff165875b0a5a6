/**
 * The `dropResponse` fault: a write lands but its answer never arrives, as when a client dies
 * with its request in flight. The client sees its connection close; the cluster has the change.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../activities/kubernetes/call.js';
import { createKubeClients, mergePatch } from '../../../activities/kubernetes/clients.js';
import { startSim, type Sim } from '../../../sim/index.js';
import { api, bookinfo } from '../support.js';

const PATH = '/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v2';
const MERGE = 'application/merge-patch+json';
const annotationsOf = (sim: Sim) => sim.get('deployments', 'bookinfo', 'reviews-v2')?.metadata.annotations ?? {};

describe('a write whose answer is dropped', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ scenario: bookinfo(), timeScale: 50 });
  });
  afterAll(async () => sim.stop());

  it('applies the PATCH to reviews-v2, closes the connection unanswered, and answers the next PATCH', async () => {
    sim.faults.add({ kind: 'dropResponse', verb: 'patch', resource: 'deployments', name: 'reviews-v2', count: 1 });
    const patch = (value: string) => api(sim, 'PATCH', PATH, { metadata: { annotations: { dropped: value } } }, MERGE);
    await expect(patch('first')).rejects.toThrow(/fetch failed/);
    expect(annotationsOf(sim).dropped).toBe('first');
    expect(sim.writeLog.filter((w) => w.verb === 'patch' && w.name === 'reviews-v2')).toHaveLength(1);
    expect(sim.requests.filter((r) => r.verb === 'patch' && r.name === 'reviews-v2').map((r) => r.code)).toEqual([0]);

    expect((await patch('second')).status).toBe(200);
    expect(annotationsOf(sim).dropped).toBe('second');
    expect(sim.faults.list()).toEqual([]);
  });

  it('holds the connection for holdMs before closing it, and leaves other deployments and reads alone', async () => {
    sim.faults.add({ kind: 'dropResponse', verb: 'patch', resource: 'deployments', name: 'reviews-v2', holdMs: 400 });
    const started = Date.now();
    const dropped = api(sim, 'PATCH', PATH, { metadata: { annotations: { held: 'yes' } } }, MERGE).catch(
      (error: unknown) => error,
    );
    // Applied while the client still waits for an answer.
    await new Promise((r) => setTimeout(r, 150));
    expect(annotationsOf(sim).held).toBe('yes');
    expect(await dropped).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);

    const other = await api(
      sim,
      'PATCH',
      '/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v1',
      {
        metadata: { annotations: { held: 'no' } },
      },
      MERGE,
    );
    expect(other.status).toBe(200);
    expect((await api(sim, 'GET', PATH)).status).toBe(200);
    sim.faults.clear();
  });

  it('reaches an activity as a retryable Timeout, so Temporal retries the write', async () => {
    sim.faults.add({ kind: 'dropResponse', verb: 'patch', resource: 'deployments', name: 'reviews-v2', count: 1 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(sim.kubeconfigPath);
    const clients = createKubeClients(kubeConfig);
    const failure = await call('patch deployment bookinfo/reviews-v2', () =>
      clients.apps.patchNamespacedDeployment(
        { namespace: 'bookinfo', name: 'reviews-v2', body: { metadata: { annotations: { client: 'kube' } } } },
        mergePatch,
      ),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('Timeout');
    expect((failure as ApplicationFailure).nonRetryable).toBe(false);
    expect(annotationsOf(sim).client).toBe('kube');
  });
});
