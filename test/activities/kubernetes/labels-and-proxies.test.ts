import { describe, expect, it } from 'vitest';
import { kubernetesActivitiesOn } from '../support/sim.js';

const t = kubernetesActivitiesOn('sidecarIstioctl');

const writesTo = (resource: string, name: string) =>
  t.cluster.sim.writeLog.filter((w) => w.resource === resource && w.name === name).length;

describe('namespace labels', () => {
  it('moves bookinfo from istio-injection to istio.io/rev=1-28, and a second call writes nothing', async () => {
    const move = { namespace: 'bookinfo', set: { 'istio.io/rev': '1-28' }, remove: ['istio-injection'] };
    const first = await t.k.setNamespaceLabels(move);
    expect(first.changed).toBe(true);
    expect(first.labels).toMatchObject({ 'istio.io/rev': '1-28' });
    expect(first.labels['istio-injection']).toBeUndefined();
    const second = await t.k.setNamespaceLabels(move);
    expect(second).toEqual({ changed: false, labels: first.labels });
    expect(writesTo('namespaces', 'bookinfo')).toBe(1);
  });

  it('removing a label that is gone is a no-op', async () => {
    expect((await t.k.setNamespaceLabels({ namespace: 'legacy', remove: ['istio-injection'] })).changed).toBe(false);
    expect(writesTo('namespaces', 'legacy')).toBe(0);
  });
});

describe('pod-template labels', () => {
  it('labels ratings-v1 pods with a revision, which starts one rollout', async () => {
    const before = t.cluster.sim.get('deployments', 'bookinfo', 'ratings-v1')?.metadata.generation ?? 0;
    const change = await t.k.setPodTemplateLabels({
      namespace: 'bookinfo',
      deployment: 'ratings-v1',
      set: { 'istio.io/rev': '1-28' },
    });
    expect(change.labels).toMatchObject({ app: 'ratings', 'istio.io/rev': '1-28' });
    expect(
      (
        await t.k.setPodTemplateLabels({
          namespace: 'bookinfo',
          deployment: 'ratings-v1',
          set: { 'istio.io/rev': '1-28' },
        })
      ).changed,
    ).toBe(false);
    expect(t.cluster.sim.get('deployments', 'bookinfo', 'ratings-v1')?.metadata.generation).toBe(before + 1);
  });
});

describe('proxies on a revision', () => {
  it('lists every proxy injected by the default revision, gateways included', async () => {
    const proxies = await t.k.listProxiesOnRevision({ revision: 'default' });
    const owners = new Set(proxies.map((p) => p.owner));
    expect(owners).toContain('Deployment/istio-ingressgateway');
    expect(owners).toContain('Deployment/productpage-v1');
    expect(proxies.every((p) => p.version === '1.26.4')).toBe(true);
    expect(proxies.some((p) => p.namespace === 'legacy')).toBe(false);
  });

  it('finds none on a revision nobody uses', async () => {
    expect(await t.k.listProxiesOnRevision({ revision: '1-99' })).toEqual([]);
  });
});
