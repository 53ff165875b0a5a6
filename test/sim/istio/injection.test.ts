import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectionRevisionFor } from '../../../sim/istio/injection.js';
import { startSim, type Sim } from '../../../sim/index.js';
import { api, bookinfo } from '../support.js';

describe('which revision injects a pod', () => {
  it.each([
    [
      'namespace istio-injection=enabled wins over istio.io/rev',
      { 'istio-injection': 'enabled', 'istio.io/rev': '1-27-1' },
      {},
      'default',
    ],
    [
      'namespace istio.io/rev wins over the pod label',
      { 'istio.io/rev': '1-27-1' },
      { 'istio.io/rev': 'canary' },
      '1-27-1',
    ],
    ['the pod label applies in an unlabelled namespace', {}, { 'istio.io/rev': 'canary' }, 'canary'],
    ['a pod can opt out', { 'istio-injection': 'enabled' }, { 'sidecar.istio.io/inject': 'false' }, undefined],
    [
      'istio-injection=disabled injects nothing',
      { 'istio-injection': 'disabled', 'istio.io/rev': '1-27-1' },
      {},
      undefined,
    ],
    ['an ambient namespace gets no sidecar', { 'istio.io/dataplane-mode': 'ambient' }, {}, undefined],
  ])('%s', (_name, ns, pod, expected) => {
    expect(injectionRevisionFor(ns, pod)).toBe(expected);
  });
});

describe('the injector on pods created over HTTP', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({
      scenario: bookinfo({
        istio: {
          installer: 'istioctl',
          version: '1.26.4',
          revisions: [{ name: '1-27-1', version: '1.27.1' }],
          tags: [{ name: 'canary', revision: '1-27-1' }],
        },
        namespaces: [
          { name: 'old', labels: { 'istio-injection': 'enabled' } },
          { name: 'new', labels: { 'istio.io/rev': 'canary' } },
          { name: 'compat', labels: { 'istio.io/rev': '1-27-1' } },
        ],
      }),
    });
  });
  afterAll(async () => sim.stop());

  const createPod = async (namespace: string, annotations: Record<string, string> = {}) => {
    const res = await api(sim, 'POST', `/api/v1/namespaces/${namespace}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'p-', annotations },
      spec: { containers: [{ name: 'app', image: 'app:1' }] },
    });
    expect(res.status).toBe(201);
    return res.body as {
      spec: {
        containers: Array<{ name: string; image: string }>;
        initContainers?: Array<{ name: string; image: string; restartPolicy?: string }>;
      };
    };
  };

  it('gives 1.26 pods an istio-proxy container', async () => {
    const pod = await createPod('old');
    expect(pod.spec.containers.map((c) => c.image)).toContain('docker.io/istio/proxyv2:1.26.4');
    expect(pod.spec.initContainers).toBeUndefined();
  });

  it('gives 1.27 pods (through a tag) a native sidecar init container', async () => {
    const pod = await createPod('new');
    expect(pod.spec.initContainers).toEqual([
      expect.objectContaining({
        name: 'istio-proxy',
        image: 'docker.io/istio/proxyv2:1.27.1',
        restartPolicy: 'Always',
      }),
    ]);
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['app']);
  });

  it('honours the per-pod native sidecar opt-out', async () => {
    const pod = await createPod('compat', { 'sidecar.istio.io/nativeSidecar': 'false' });
    expect(pod.spec.initContainers).toBeUndefined();
    expect(pod.spec.containers.map((c) => c.image)).toContain('docker.io/istio/proxyv2:1.27.1');
  });
});
