import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { startSim, type Sim } from '../../../sim/index.js';

describe('waypoints, as istiod deploys them', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({
      scenario: {
        name: 'waypoint',
        timing: { podReadySeconds: 2, jobRunSeconds: 2 },
        nodes: 2,
        istio: { installer: 'istioctl', mode: 'ambient', version: '1.26.4' },
        namespaces: [
          {
            name: 'bookinfo',
            labels: { 'istio.io/dataplane-mode': 'ambient' },
            waypoints: [{ name: 'waypoint' }],
            deployments: [{ name: 'reviews-v1' }],
          },
        ],
      },
      timeScale: 20,
    });
  });
  afterAll(async () => sim.stop());

  it('labels the waypoint Deployment and its pods as managed by the mesh controller, as real istiod does', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: 'bookinfo', name: 'waypoint' });
    const expected = {
      'gateway.istio.io/managed': 'istio.io-mesh-controller',
      'gateway.networking.k8s.io/gateway-name': 'waypoint',
      'gateway.networking.k8s.io/gateway-class-name': 'istio-waypoint',
    };
    expect(d.metadata?.labels).toMatchObject(expected);
    expect(d.spec?.template.metadata?.labels).toMatchObject(expected);
    const pods = sim
      .list('pods', 'bookinfo')
      .filter((p) => p.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === 'waypoint');
    expect(pods.length).toBe(1);
    expect(pods[0]?.metadata.labels).toMatchObject(expected);
  });

  it('leaves application Deployments without the gateway labels', () => {
    expect(
      sim.get('deployments', 'bookinfo', 'reviews-v1')?.metadata.labels?.['gateway.istio.io/managed'],
    ).toBeUndefined();
  });
});
