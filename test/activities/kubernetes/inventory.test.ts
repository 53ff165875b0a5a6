import { afterEach, describe, expect, it } from 'vitest';
import { createKubernetesActivities } from '../../../activities/kubernetes/index.js';
import { startCluster, type SimCluster } from '../support/sim.js';

let cluster: SimCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function inventoryOf(scenario: Parameters<typeof startCluster>[0]) {
  cluster = await startCluster(scenario);
  const since = cluster.sim.requests.at(-1)?.seq ?? 0;
  const inventory = await createKubernetesActivities(cluster.clients).readInventory();
  const sim = cluster.sim;
  return { inventory, requests: sim.requests.filter((r) => r.seq > since), writes: sim.writeLog.length };
}

describe('reading the inventory', () => {
  it('reads an istioctl sidecar mesh: one default revision at 1.26.4, bookinfo proxies, the ingress gateway', async () => {
    const { inventory, requests, writes } = await inventoryOf('sidecarIstioctl');
    expect(inventory.controlPlane.installer).toBe('istioctl');
    expect(inventory.controlPlane.revisions.map((r) => [r.name, r.version])).toEqual([['default', '1.26.4']]);
    expect(inventory.controlPlane.revisions[0]?.meshConfig?.extensionProviders).toEqual([{ name: 'zipkin', kind: 'zipkin' }]);
    const reviews = inventory.deployments.find((d) => d.name === 'reviews-v2');
    expect(reviews?.proxies.map((p) => [p.version, p.revision, p.nativeSidecar])).toEqual([
      ['1.26.4', 'default', false],
      ['1.26.4', 'default', false],
    ]);
    expect(inventory.deployments.find((d) => d.name === 'batch-worker')?.proxies).toEqual([]);
    expect(inventory.gateways).toEqual([{ namespace: 'istio-system', name: 'istio-ingressgateway', kind: 'ingress', revision: 'default', version: '1.26.4' }]);
    expect(inventory.namespaces.find((n) => n.name === 'bookinfo')?.labels['istio-injection']).toBe('enabled');
    // The simulator serves the Sail API everywhere; a cluster without it reads as null.
    expect(inventory.sail?.istio ?? null).toBeNull();
    // Reading is reading: a fixed number of list calls and not one write.
    expect(writes).toBe(0);
    expect(requests.every((r) => r.verb === 'list' || r.verb === 'get')).toBe(true);
    expect(requests.length).toBeLessThanOrEqual(16);
  });

  it('reads a Helm mesh and keeps the Lightstep access token out of the mesh config', async () => {
    const { inventory } = await inventoryOf('sidecarHelm');
    expect(inventory.controlPlane.installer).toBe('helm');
    const mesh = inventory.controlPlane.revisions[0]?.meshConfig;
    expect(mesh?.extensionProviders).toEqual([{ name: 'lightstep', kind: 'lightstep' }]);
    expect(JSON.stringify(mesh?.raw)).not.toMatch(/accessToken":"(?!\[REDACTED\])/);
    expect(inventory.gateways[0]).toMatchObject({ namespace: 'istio-ingress', name: 'istio-ingress', kind: 'ingress', version: '1.26.4' });
  });

  it('reads an ambient Sail mesh: Istio, its revision, IstioCNI, ZTunnel and their DaemonSets', async () => {
    const { inventory } = await inventoryOf('ambientSail');
    expect(inventory.controlPlane.installer).toBe('sail');
    expect(inventory.sail?.istio).toMatchObject({ name: 'default', updateStrategy: 'RevisionBased', inactiveRevisionDeletionGracePeriodSeconds: 30 });
    expect(inventory.sail?.revisions).toEqual([{ name: 'default-v1-26-4', version: expect.stringMatching(/1\.26\.4$/) as string, inUse: true }]);
    expect(inventory.sail?.cni?.version).toMatch(/1\.26\.4$/);
    expect(inventory.ztunnel).toMatchObject({ name: 'ztunnel', version: '1.26.4', desired: 3, ready: 3 });
    expect(inventory.cni).toMatchObject({ name: 'istio-cni-node', version: '1.26.4' });
    expect(inventory.gateways).toContainEqual({ namespace: 'bookinfo', name: 'waypoint', kind: 'waypoint', revision: 'default-v1-26-4', version: '1.26.4' });
  });
});
