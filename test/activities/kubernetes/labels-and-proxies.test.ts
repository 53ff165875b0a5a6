import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesActivities } from '../../../activities/kubernetes/index.js';
import { startCluster, type SimCluster } from '../support/sim.js';

let cluster: SimCluster;
let k: ReturnType<typeof createKubernetesActivities>;
beforeAll(async () => {
  cluster = await startCluster('sidecarIstioctl');
  k = createKubernetesActivities(cluster.clients);
});
afterAll(() => cluster.stop());

const writesTo = (resource: string, name: string) => cluster.sim.writeLog.filter((w) => w.resource === resource && w.name === name).length;

describe('namespace labels', () => {
  it('moves bookinfo from istio-injection to istio.io/rev=1-28, and a second call writes nothing', async () => {
    const move = { namespace: 'bookinfo', set: { 'istio.io/rev': '1-28' }, remove: ['istio-injection'] };
    const first = await k.setNamespaceLabels(move);
    expect(first.changed).toBe(true);
    expect(first.labels).toMatchObject({ 'istio.io/rev': '1-28' });
    expect(first.labels['istio-injection']).toBeUndefined();
    const second = await k.setNamespaceLabels(move);
    expect(second).toEqual({ changed: false, labels: first.labels });
    expect(writesTo('namespaces', 'bookinfo')).toBe(1);
  });

  it('removing a label that is gone is a no-op', async () => {
    expect((await k.setNamespaceLabels({ namespace: 'legacy', remove: ['istio-injection'] })).changed).toBe(false);
    expect(writesTo('namespaces', 'legacy')).toBe(0);
  });
});

describe('pod-template labels', () => {
  it('labels ratings-v1 pods with a revision, which starts one rollout', async () => {
    const before = cluster.sim.get('deployments', 'bookinfo', 'ratings-v1')?.metadata.generation ?? 0;
    const change = await k.setPodTemplateLabels({ namespace: 'bookinfo', deployment: 'ratings-v1', set: { 'istio.io/rev': '1-28' } });
    expect(change.labels).toMatchObject({ app: 'ratings', 'istio.io/rev': '1-28' });
    expect((await k.setPodTemplateLabels({ namespace: 'bookinfo', deployment: 'ratings-v1', set: { 'istio.io/rev': '1-28' } })).changed).toBe(false);
    expect(cluster.sim.get('deployments', 'bookinfo', 'ratings-v1')?.metadata.generation).toBe(before + 1);
  });
});

describe('proxies on a revision', () => {
  it('lists every proxy injected by the default revision, gateways included', async () => {
    const proxies = await k.listProxiesOnRevision({ revision: 'default' });
    const owners = new Set(proxies.map((p) => p.owner));
    expect(owners).toContain('Deployment/istio-ingressgateway');
    expect(owners).toContain('Deployment/productpage-v1');
    expect(proxies.every((p) => p.version === '1.26.4')).toBe(true);
    expect(proxies.some((p) => p.namespace === 'legacy')).toBe(false);
  });

  it('finds none on a revision nobody uses', async () => {
    expect(await k.listProxiesOnRevision({ revision: '1-99' })).toEqual([]);
  });
});
