import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { kubernetesActivitiesOn } from '../support/sim.js';
import { activityEnv, runIn } from '../support/activity-env.js';
import { mergePatch } from '../../../activities/kubernetes/clients.js';
import { RESTARTED_AT_ANNOTATION } from '../../../activities/kubernetes/restart.js';

const t = kubernetesActivitiesOn('sidecarIstioctl');

const generationOf = (name: string) => t.cluster.sim.get('deployments', 'bookinfo', name)?.metadata.generation ?? 0;
const patchesTo = (name: string) =>
  t.cluster.sim.writeLog.filter((w) => w.verb === 'patch' && w.resource === 'deployments' && w.name === name).length;

describe('restarting a workload', () => {
  it('restarts reviews-v2 and waits for its rollout, heartbeating "x/2 replicas updated"', async () => {
    const { env, heartbeats } = activityEnv(300);
    const restart = await runIn(env, () =>
      t.k.restartWorkload({ namespace: 'bookinfo', name: 'reviews-v2', restartedAt: '2026-11-23T10:00:00Z' }),
    );
    expect(restart.changed).toBe(true);
    const result = await runIn(env, () =>
      t.k.waitForRollout({
        kind: 'Deployment',
        namespace: 'bookinfo',
        name: 'reviews-v2',
        minGeneration: restart.generation,
      }),
    );
    expect(result.message).toBe('deployment "reviews-v2" successfully rolled out');
    expect(result.progress).toEqual({ desired: 2, updated: 2, available: 2 });
    const messages = heartbeats.map((h) => (h as { message: string }).message);
    expect(
      messages.some((m) => /\d\/2 (replicas updated|updated replicas available)|old replicas pending/.test(m)),
    ).toBe(true);
    // Old pods may still be terminating: kubectl's rule does not wait for them.
    const pods = t.cluster.sim
      .list('pods', 'bookinfo')
      .filter((p) => p.metadata.name.startsWith('reviews-v2-') && p.metadata.deletionTimestamp === undefined);
    expect(pods.map((p) => p.metadata.annotations?.[RESTARTED_AT_ANNOTATION])).toEqual([
      '2026-11-23T10:00:00Z',
      '2026-11-23T10:00:00Z',
    ]);
  });

  it('a retried restart of ratings-v1 causes one rollout, not two', async () => {
    const before = generationOf('ratings-v1');
    const input = { namespace: 'bookinfo', name: 'ratings-v1', restartedAt: '2026-11-23T10:05:00Z' };
    const first = await t.k.restartWorkload(input);
    // The second attempt of the same activity: the worker crashed after the patch landed.
    const second = await t.k.restartWorkload(input);
    expect(first).toEqual({ changed: true, generation: before + 1 });
    expect(second).toEqual({ changed: false, generation: before + 1 });
    expect(patchesTo('ratings-v1')).toBe(1);
    await t.k.waitForRollout({
      kind: 'Deployment',
      namespace: 'bookinfo',
      name: 'ratings-v1',
      minGeneration: first.generation,
    });
    expect(generationOf('ratings-v1')).toBe(before + 1);
  });

  it('a first attempt of reviews-v3 sends the PATCH alone; its retry reads, finds it applied, and writes nothing', async () => {
    const input = { namespace: 'bookinfo', name: 'reviews-v3', restartedAt: '2026-11-23T10:07:00Z' };
    const since = t.cluster.sim.requests.at(-1)?.seq ?? 0;
    const first = await runIn(new MockActivityEnvironment({ attempt: 1 }), () => t.k.restartWorkload(input));
    const retry = await runIn(new MockActivityEnvironment({ attempt: 2 }), () => t.k.restartWorkload(input));
    expect(first.changed).toBe(true);
    expect(retry).toEqual({ changed: false, generation: first.generation });
    expect(t.cluster.sim.requests.filter((r) => r.seq > since).map((r) => `${r.verb} ${r.name ?? ''}`)).toEqual([
      'patch reviews-v3',
      'get reviews-v3',
    ]);
  });

  it('two attempts that both patched (a race past the check) still start one rollout', async () => {
    const before = generationOf('details-v1');
    const body = {
      spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: '2026-11-23T10:10:00Z' } } } },
    };
    const ref = { namespace: 'bookinfo', name: 'details-v1', body };
    await t.cluster.clients.apps.patchNamespacedDeployment(ref, mergePatch);
    await t.cluster.clients.apps.patchNamespacedDeployment(ref, mergePatch);
    // The same value written twice is one change for the API server: one generation, one rollout.
    expect(generationOf('details-v1')).toBe(before + 1);
  });

  it('restarts the ingress gateway as a Deployment in istio-system', async () => {
    const restart = await t.k.restartWorkload({
      namespace: 'istio-system',
      name: 'istio-ingressgateway',
      restartedAt: '2026-11-23T10:15:00Z',
    });
    const result = await t.k.waitForRollout({
      kind: 'Deployment',
      namespace: 'istio-system',
      name: 'istio-ingressgateway',
      minGeneration: restart.generation,
    });
    expect(result.progress.updated).toBe(2);
  });
});
