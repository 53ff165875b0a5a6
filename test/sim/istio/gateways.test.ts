/**
 * Gateways and waypoints as Istio installs and moves them: an ingress gateway pod has one
 * `istio-proxy`, `image: auto`, filled in by the gateway template of the revision its
 * `istio.io/rev` names; a waypoint is rendered from its Gateway, so relabelling the Gateway or
 * moving the default tag an unlabelled one follows rolls it onto the other revision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../sim/api/object.js';
import { startSim, type Sim } from '../../../sim/index.js';
import { api, eventually } from '../support.js';

const MERGE = 'application/merge-patch+json';

interface ContainerView {
  name: string;
  image?: string;
}

/** Every proxy container of a pod, init containers included, as `name=version`. */
function proxiesOf(pod: KubeObject): string[] {
  const spec = pod.spec as { containers?: ContainerView[]; initContainers?: ContainerView[] } | undefined;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]
    .filter((c) => c.name === 'istio-proxy' || (c.image ?? '').includes('/proxyv2'))
    .map((c) => `${c.name}=${(c.image ?? '').split(':').pop() ?? ''}`);
}

describe('gateways and waypoints in the simulator', () => {
  let sim: Sim;
  /** Live pods of a gateway or waypoint, by the label istiod or the installer gives them. */
  const podsOf = (namespace: string, key: string, value: string) =>
    sim
      .list('pods', namespace)
      .filter((p) => p.metadata.labels?.[key] === value && p.metadata.deletionTimestamp === undefined);
  const proxiesOfEach = (namespace: string, key: string, value: string) => podsOf(namespace, key, value).map(proxiesOf);

  beforeAll(async () => {
    sim = await startSim({
      scenario: {
        name: 'gateways-and-waypoints',
        timing: { podReadySeconds: 1, jobRunSeconds: 1 },
        nodes: 2,
        istio: {
          installer: 'istioctl',
          mode: 'ambient',
          version: '1.26.4',
          defaultRevision: '1-26-4',
          revisions: [{ name: '1-27-1', version: '1.27.1' }],
          tags: [{ name: 'default', revision: '1-26-4' }],
          gateways: [{ name: 'istio-ingressgateway', namespace: 'istio-ingress', replicas: 1 }],
        },
        namespaces: [
          {
            name: 'bookinfo',
            labels: { 'istio.io/dataplane-mode': 'ambient' },
            waypoints: [{ name: 'follower' }, { name: 'pinned', revision: '1-26-4' }],
          },
        ],
      },
      timeScale: 20,
    });
  });
  afterAll(async () => sim.stop());

  it('runs one istio-proxy in an ingress gateway pod, its image filled in by the gateway template of its revision', () => {
    const [pod, ...others] = podsOf('istio-ingress', 'app', 'istio-ingressgateway');
    expect(others).toEqual([]);
    expect(proxiesOf(pod!)).toEqual(['istio-proxy=1.26.4']);
    expect(JSON.parse(pod!.metadata.annotations?.['sidecar.istio.io/status'] ?? '{}')).toMatchObject({
      revision: '1-26-4',
    });
  });

  it('runs only the new proxy in the gateway pod once it is relabelled istio.io/rev=1-27-1 and rolled', async () => {
    const patch = await api(
      sim,
      'PATCH',
      '/apis/apps/v1/namespaces/istio-ingress/deployments/istio-ingressgateway',
      { spec: { template: { metadata: { labels: { 'istio.io/rev': '1-27-1' } } } } },
      MERGE,
    );
    expect(patch.status).toBe(200);
    const proxies = await eventually(() => {
      const each = proxiesOfEach('istio-ingress', 'app', 'istio-ingressgateway');
      return each.length === 1 && each[0]?.includes('istio-proxy=1.27.1') ? each : undefined;
    });
    expect(proxies).toEqual([['istio-proxy=1.27.1']]);
  });

  it('rolls a waypoint onto 1-27-1 when its Gateway is relabelled, as istiod re-renders it', async () => {
    const before = sim.get('deployments', 'bookinfo', 'pinned')?.metadata.generation ?? 0;
    expect(proxiesOfEach('bookinfo', 'gateway.networking.k8s.io/gateway-name', 'pinned')).toEqual([
      ['istio-proxy=1.26.4'],
    ]);
    const patch = await api(
      sim,
      'PATCH',
      '/apis/gateway.networking.k8s.io/v1/namespaces/bookinfo/gateways/pinned',
      { metadata: { labels: { 'istio.io/rev': '1-27-1' } } },
      MERGE,
    );
    expect(patch.status).toBe(200);
    await eventually(() => {
      const each = proxiesOfEach('bookinfo', 'gateway.networking.k8s.io/gateway-name', 'pinned');
      return each.length === 1 && each[0]?.[0] === 'istio-proxy=1.27.1';
    });
    const deployment = sim.get('deployments', 'bookinfo', 'pinned');
    expect(deployment?.metadata.generation).toBeGreaterThan(before);
    expect(
      (deployment?.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template?.metadata
        ?.labels?.['istio.io/rev'],
    ).toBe('1-27-1');
    expect(sim.get('gateways.gateway.networking.k8s.io', 'bookinfo', 'follower')?.metadata.labels).not.toHaveProperty(
      'istio.io/rev',
    );
  });

  it('rolls an unlabelled waypoint onto 1-27-1 when the default tag moves, and leaves its Gateway unlabelled', async () => {
    expect(proxiesOfEach('bookinfo', 'gateway.networking.k8s.io/gateway-name', 'follower')).toEqual([
      ['istio-proxy=1.26.4'],
    ]);
    // What `istioctl tag set default --revision 1-27-1 --overwrite` changes on the tag's webhook.
    const patch = await api(
      sim,
      'PATCH',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-revision-tag-default',
      { metadata: { labels: { 'istio.io/rev': '1-27-1' } } },
      MERGE,
    );
    expect(patch.status).toBe(200);
    await eventually(() => {
      const each = proxiesOfEach('bookinfo', 'gateway.networking.k8s.io/gateway-name', 'follower');
      return each.length === 1 && each[0]?.[0] === 'istio-proxy=1.27.1';
    });
    expect(sim.get('gateways.gateway.networking.k8s.io', 'bookinfo', 'follower')?.metadata.labels).toEqual({
      'istio.io/waypoint-for': 'service',
    });
  });
});
