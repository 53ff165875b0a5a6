import { describe, expect, it } from 'vitest';
import { loadScenario, startSim } from '../../../sim/index.js';

describe('the shipped scenarios', () => {
  it.each([
    ['sim/scenarios/sidecar-istioctl-1.26.yaml', 'istiod', 'docker.io/istio/proxyv2:1.26.4'],
    ['sim/scenarios/sidecar-helm-1.26.yaml', 'istiod', 'docker.io/istio/proxyv2:1.26.4'],
    ['sim/scenarios/ambient-sail-1.26.yaml', 'istiod-default-v1-26-4', undefined],
  ])('%s starts settled, with its control plane and bookinfo', async (file, istiod, proxyImage) => {
    const sim = await startSim({ scenario: file, timeScale: 20 });
    try {
      expect(sim.get('deployments', 'istio-system', istiod)).toBeDefined();
      const pods = sim.list('pods', 'bookinfo').filter((p) => p.metadata.labels?.app === 'reviews');
      expect(pods).toHaveLength(4);
      const images = pods.flatMap((p) =>
        (p.spec as { containers: Array<{ image: string }> }).containers.map((c) => c.image),
      );
      if (proxyImage) expect(images).toContain(proxyImage);
      else expect(images.some((i) => i.includes('proxyv2'))).toBe(false);
      const mesh = sim.list('configmaps', 'istio-system').find((c) => c.metadata.name.startsWith('istio'));
      expect((mesh?.data as { mesh?: string } | undefined)?.mesh).toContain('discoveryAddress');
      expect(sim.writeLog).toEqual([]);
    } finally {
      await sim.stop();
    }
  });

  it('names the field when a scenario is invalid', () => {
    expect(() =>
      loadScenario({ name: 'x', namespaces: [{ name: 'a', deployments: [{ name: 'd', replicas: 'two' }] }] } as never),
    ).toThrow(/namespaces\[0\]\.deployments\[0\]\.replicas/);
    expect(() => loadScenario({ name: 'x', nodez: 3 } as never)).toThrow(/nodez/);
  });
});
