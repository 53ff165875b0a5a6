import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubernetesActivities } from '../../../activities/kubernetes/index.js';
import { createKubeClients } from '../../../activities/kubernetes/clients.js';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

/** Containers merge by name, so only istiod's env is replaced. */
const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
import { startSim } from '../../../sim/index.js';
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
    expect(inventory.controlPlane.revisions[0]?.meshConfig?.extensionProviders).toEqual([
      { name: 'zipkin', kind: 'zipkin' },
    ]);
    const reviews = inventory.deployments.find((d) => d.name === 'reviews-v2');
    expect(reviews?.proxies.map((p) => [p.version, p.revision, p.nativeSidecar])).toEqual([
      ['1.26.4', 'default', false],
      ['1.26.4', 'default', false],
    ]);
    expect(inventory.deployments.find((d) => d.name === 'batch-worker')?.proxies).toEqual([]);
    expect(inventory.gateways).toEqual([
      {
        namespace: 'istio-system',
        name: 'istio-ingressgateway',
        kind: 'ingress',
        revision: 'default',
        version: '1.26.4',
        health: { desired: 2, ready: 2, updated: 2, unready: [] },
      },
    ]);
    expect(inventory.namespaces.find((n) => n.name === 'bookinfo')?.labels['istio-injection']).toBe('enabled');
    // The simulator serves the Sail API everywhere; a cluster without it reads as null.
    expect(inventory.sail?.istio ?? null).toBeNull();
    // Reading is reading: a fixed number of list calls (the Warning Events of istio-system among
    // them, as nothing else is unready) and not one write.
    expect(writes).toBe(0);
    expect(requests.every((r) => r.verb === 'list' || r.verb === 'get')).toBe(true);
    expect(requests.filter((r) => r.resource === 'events').map((r) => r.namespace)).toEqual(['istio-system']);
    expect(requests.length).toBeLessThanOrEqual(17);
  });

  it('reads a Helm mesh and keeps the Lightstep access token out of the mesh config', async () => {
    const { inventory } = await inventoryOf('sidecarHelm');
    expect(inventory.controlPlane.installer).toBe('helm');
    const mesh = inventory.controlPlane.revisions[0]?.meshConfig;
    expect(mesh?.extensionProviders).toEqual([{ name: 'lightstep', kind: 'lightstep' }]);
    expect(JSON.stringify(mesh?.raw)).not.toMatch(/accessToken":"(?!\[REDACTED\])/);
    expect(inventory.gateways[0]).toMatchObject({
      namespace: 'istio-ingress',
      name: 'istio-ingress',
      kind: 'ingress',
      version: '1.26.4',
    });
  });

  it('reads an ambient Sail mesh: Istio, its revision, IstioCNI, ZTunnel and their DaemonSets', async () => {
    const { inventory } = await inventoryOf('ambientSail');
    expect(inventory.controlPlane.installer).toBe('sail');
    expect(inventory.sail?.istio).toMatchObject({
      name: 'default',
      updateStrategy: 'RevisionBased',
      inactiveRevisionDeletionGracePeriodSeconds: 30,
    });
    expect(inventory.sail?.revisions).toEqual([
      { name: 'default-v1-26-4', version: expect.stringMatching(/1\.26\.4$/) as string, inUse: true },
    ]);
    expect(inventory.sail?.cni?.version).toMatch(/1\.26\.4$/);
    expect(inventory.ztunnel).toMatchObject({ name: 'ztunnel', version: '1.26.4', desired: 3, ready: 3 });
    expect(inventory.cni).toMatchObject({ name: 'istio-cni-node', version: '1.26.4' });
    // Its pods show the revision that rendered them; its Gateway, unlabelled, follows the default tag.
    expect(inventory.gateways.find((gateway) => gateway.name === 'waypoint')).toMatchObject({
      namespace: 'bookinfo',
      name: 'waypoint',
      kind: 'waypoint',
      revision: 'default-v1-26-4',
      version: '1.26.4',
      gatewayRevLabel: null,
    });
  });

  it("reads the Istio's active revision and what each IstioRevisionTag follows, as Sail reports them", async () => {
    cluster = await startCluster('ambientSail');
    const tag = (name: string, targetRef: { kind: string; name: string }) =>
      cluster?.clients.custom.createClusterCustomObject({
        group: 'sailoperator.io',
        version: 'v1',
        plural: 'istiorevisiontags',
        body: { apiVersion: 'sailoperator.io/v1', kind: 'IstioRevisionTag', metadata: { name }, spec: { targetRef } },
      });
    // The scenario's Sail install already has the `default` tag, following the Istio.
    await tag('pinned', { kind: 'IstioRevision', name: 'default-v1-26-4' });
    await cluster.sim.settled();
    const inventory = await createKubernetesActivities(cluster.clients).readInventory();
    expect(inventory.sail?.istio?.activeRevisionName).toBe('default-v1-26-4');
    expect(inventory.sail?.revisionTags).toEqual([
      { name: 'default', revision: 'default-v1-26-4', targetRef: { kind: 'Istio', name: 'default' } },
      { name: 'pinned', revision: 'default-v1-26-4', targetRef: { kind: 'IstioRevision', name: 'default-v1-26-4' } },
    ]);
  });
});

describe('an inventory fit for workflow history', () => {
  it('keeps secrets out: istiod env named like a credential, and Helm release data, which is listed as metadata only', async () => {
    cluster = await startCluster('sidecarHelm');
    const istiod = cluster.sim.list('deployments', 'istio-system').find((d) => d.metadata.labels?.app === 'istiod');
    const name = istiod?.metadata.name ?? 'istiod';
    const env = [
      { name: 'ENABLE_AUTO_SNI', value: 'true' },
      { name: 'AWS_SECRET_ACCESS_KEY', value: 'leaky-aws-secret' },
      { name: 'PILOT_CA_PASSWORD', value: 'leaky-password' },
      { name: 'EXTRA_ARGS', value: 'token=leaky-token' },
    ];
    const body = { spec: { template: { spec: { containers: [{ name: 'discovery', env }] } } } };
    await cluster.clients.apps.patchNamespacedDeployment({ namespace: 'istio-system', name, body }, strategicMerge);
    const since = cluster.sim.requests.at(-1)?.seq ?? 0;
    const inventory = await createKubernetesActivities(cluster.clients).readInventory();
    const text = JSON.stringify(inventory);
    expect(text).not.toMatch(/leaky-aws-secret|leaky-password|leaky-token|AWS_SECRET_ACCESS_KEY|PILOT_CA_PASSWORD/);
    expect(inventory.controlPlane.revisions[0]?.istiodEnv.ENABLE_AUTO_SNI).toBe('true');
    expect(inventory.controlPlane.installer).toBe('helm');
    const secretReads = cluster.sim.requests.filter((r) => r.seq > since && r.resource === 'secrets');
    expect(secretReads.length).toBeGreaterThan(0);
    expect(secretReads.every((r) => r.metadataOnly === true)).toBe(true);
  });

  it('reads a 2,000-deployment mesh in pages and stays under 1 MB', { timeout: 240_000 }, async () => {
    const sim = await startSim({
      timeScale: 600,
      watchHistory: 50_000,
      scenario: {
        name: 'inventory-scale',
        timing: { podReadySeconds: 10, jobRunSeconds: 3 },
        nodes: 20,
        istio: { installer: 'istioctl', version: '1.26.4' },
        namespaces: Array.from({ length: 20 }, (_, n) => ({
          name: `team-${n}`,
          labels: { 'istio-injection': 'enabled' },
          deployments: Array.from({ length: 100 }, (_, i) => ({ name: `svc-${i}`, replicas: 1 })),
        })),
      },
    });
    try {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(sim.kubeconfigPath);
      const since = sim.requests.at(-1)?.seq ?? 0;
      const inventory = await createKubernetesActivities(createKubeClients(kubeConfig)).readInventory();
      const bytes = Buffer.byteLength(JSON.stringify(inventory));
      console.log(`inventory of ${inventory.deployments.length} deployments: ${(bytes / 1024).toFixed(0)} KiB`);
      expect(inventory.deployments.filter((d) => d.namespace.startsWith('team-'))).toHaveLength(2000);
      expect(inventory.deployments.find((d) => d.name === 'svc-99' && d.namespace === 'team-19')?.proxies).toHaveLength(
        1,
      );
      expect(bytes).toBeLessThan(1024 * 1024);
      const podPages = sim.requests.filter((r) => r.seq > since && r.resource === 'pods' && r.verb === 'list');
      expect(podPages.length).toBeGreaterThanOrEqual(4);
      expect(podPages.every((r) => r.query.includes('limit=500'))).toBe(true);
    } finally {
      await sim.stop();
    }
  });
});
