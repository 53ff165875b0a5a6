/**
 * The waypoint's Gateway relabelled on the simulated cluster (istiod re-renders its Deployment),
 * and the proxy check that must not pass a pod because one of its proxies is on the version.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClients } from '../../../activities/kubernetes/clients.js';
import { createKubernetesActivities } from '../../../activities/kubernetes/index.js';
import { createRevisionUserActivities } from '../../../activities/kubernetes/revision-users.js';
import { startSim, type Sim } from '../../../sim/index.js';
import { api, eventually } from '../../sim/support.js';

let sim: Sim;
let k: ReturnType<typeof createKubernetesActivities> & ReturnType<typeof createRevisionUserActivities>;

beforeAll(async () => {
  sim = await startSim({
    scenario: {
      name: 'waypoint-relabel',
      timing: { podReadySeconds: 1, jobRunSeconds: 1 },
      nodes: 2,
      istio: {
        installer: 'istioctl',
        mode: 'ambient',
        version: '1.26.4',
        defaultRevision: '1-26-4',
        revisions: [{ name: '1-27-1', version: '1.27.1' }],
        tags: [{ name: 'default', revision: '1-26-4' }],
      },
      namespaces: [
        {
          name: 'bookinfo',
          labels: { 'istio.io/dataplane-mode': 'ambient' },
          waypoints: [{ name: 'pinned', revision: '1-26-4' }],
        },
        { name: 'edge' },
      ],
    },
    timeScale: 20,
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sim.kubeconfigPath);
  const clients = createKubeClients(kubeConfig);
  k = { ...createKubernetesActivities(clients), ...createRevisionUserActivities(clients) };
});
afterAll(async () => sim?.stop());

const gatewayWrites = () =>
  sim.writeLog.filter((w) => w.resource === 'gateways' && w.name === 'pinned' && w.verb === 'patch').length;

describe('setGatewayLabels', () => {
  it("relabels waypoint bookinfo/pinned istio.io/rev=1-27-1, returning its Deployment's generation from before; a second call writes nothing", async () => {
    const before = sim.get('deployments', 'bookinfo', 'pinned')?.metadata.generation;
    const move = { namespace: 'bookinfo', name: 'pinned', set: { 'istio.io/rev': '1-27-1' } };
    const first = await k.setGatewayLabels(move);
    expect(first).toEqual({
      changed: true,
      labels: { 'istio.io/waypoint-for': 'service', 'istio.io/rev': '1-27-1' },
      renderedGeneration: before,
    });
    await eventually(() => (sim.get('deployments', 'bookinfo', 'pinned')?.metadata.generation ?? 0) > (before ?? 0));
    const second = await k.setGatewayLabels(move);
    expect(second).toEqual({ changed: false, labels: first.labels, renderedGeneration: null });
    expect(gatewayWrites()).toBe(1);
  });

  it('names the Gateway when it does not exist', async () => {
    await expect(
      k.setGatewayLabels({ namespace: 'bookinfo', name: 'missing', set: { 'istio.io/rev': '1-27-1' } }),
    ).rejects.toThrow(/gateway bookinfo\/missing/);
  });
});

describe('checkProxies on pods with more than one proxy', () => {
  it('fails a gateway pod whose injected proxy runs 1.27.1 while an old explicit one still runs 1.26.4', async () => {
    const proxy = (name: string, version: string) => ({ name, image: `docker.io/istio/proxyv2:${version}` });
    for (const [name, containers] of [
      ['edge-gw-mixed', [proxy('istio-proxy', '1.27.1'), proxy('legacy-proxy', '1.26.4')]],
      ['edge-gw-new', [proxy('istio-proxy', '1.27.1')]],
    ] as const) {
      const created = await api(sim, 'POST', '/api/v1/namespaces/edge/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          namespace: 'edge',
          name,
          labels: { app: 'edge-gw', 'sidecar.istio.io/inject': 'false' },
          annotations: { 'sidecar.istio.io/status': JSON.stringify({ revision: '1-27-1' }) },
        },
        spec: { containers: [...containers] },
      });
      expect(created.status).toBe(201);
    }
    const check = await k.checkProxies({
      namespaces: [],
      gateways: ['edge/edge-gw'],
      version: '1.27.1',
      revision: '1-27-1',
    });
    expect(check).toEqual({ checked: 2, wrong: ['edge/edge-gw-mixed: 1.27.1+1.26.4 from 1-27-1'], wrongCount: 1 });
  });
});
