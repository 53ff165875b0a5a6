/**
 * `snapshot` as a real process against each shipped scenario running in the simulator: its
 * output is a valid scenario (the simulator's own schema), and a second simulator started from it
 * holds the same objects, compared object by object on what an upgrade touches, and the same
 * inventory, so `plan` sees the same cluster. The snapshot only reads, and carries no Secret
 * content nor mesh config beyond what the prechecks read.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClients } from '../../activities/kubernetes/clients.js';
import { createInventoryActivities } from '../../activities/kubernetes/inventory.js';
import type { Inventory } from '../../core/inventory.js';
import type { KubeObject } from '../../sim/api/object.js';
import { loadScenario, startSim, type Sim } from '../../sim/index.js';
import { SCENARIOS } from '../activities/support/sim.js';
import { runCli } from '../support/cli.js';

let dir: string;
const sims: Sim[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snapshot-sim-'));
});
afterAll(async () => {
  await Promise.all(sims.map((sim) => sim.stop()));
});

async function started(scenario: Parameters<typeof startSim>[0]['scenario']): Promise<Sim> {
  const sim = await startSim({ scenario, timeScale: 20 });
  sims.push(sim);
  return sim;
}

type Labels = Record<string, string> | undefined;
const sorted = <T>(items: T[]) => items.map((item) => JSON.stringify(item)).sort();

/** What an upgrade touches, without what differs between two runs of the same cluster (uids, times, generated names). */
function objectsOf(sim: Sim): Record<string, string[]> {
  const meta = (o: KubeObject) => ({
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    labels: o.metadata.labels ?? {},
  });
  const workload = (o: KubeObject) => {
    const spec = o.spec as {
      replicas?: number;
      selector?: unknown;
      strategy?: unknown;
      updateStrategy?: unknown;
      progressDeadlineSeconds?: number;
      template?: {
        metadata?: { labels?: Labels; annotations?: Labels };
        spec?: { containers?: { name: string; image?: string }[] };
      };
    };
    return {
      ...meta(o),
      replicas: spec.replicas,
      selector: spec.selector,
      strategy: spec.strategy ?? spec.updateStrategy,
      progressDeadlineSeconds: spec.progressDeadlineSeconds,
      podLabels: spec.template?.metadata?.labels,
      podAnnotations: spec.template?.metadata?.annotations,
      containers: spec.template?.spec?.containers?.map((c) => `${c.name}=${c.image ?? ''}`),
    };
  };
  // Pods by owner workload (pod and ReplicaSet names are generated): containers with their images, the injected revision.
  const pods = sim.list('pods').map((pod) => {
    const spec = pod.spec as {
      containers: { name: string; image?: string }[];
      initContainers?: { name: string; image?: string }[];
    };
    const labels = pod.metadata.labels ?? {};
    const owner = labels.app ?? labels['istio'] ?? labels['k8s-app'] ?? pod.metadata.generateName ?? '';
    return {
      namespace: pod.metadata.namespace,
      owner,
      phase: (pod.status as { phase?: string } | undefined)?.phase,
      containers: [...(spec.initContainers ?? []), ...spec.containers].map((c) => `${c.name}=${c.image ?? ''}`),
      revision: labels['istio.io/rev'] ?? null,
    };
  });
  const sail = (plural: string) =>
    sim.list(`${plural}.sailoperator.io`).map((o) => ({ name: o.metadata.name, spec: o.spec }));
  return {
    namespaces: sorted(sim.list('namespaces').map(meta)),
    nodes: sorted(sim.list('nodes').map(meta)),
    deployments: sorted(sim.list('deployments').map(workload)),
    daemonSets: sorted(sim.list('daemonsets').map(workload)),
    pods: sorted(pods),
    services: sorted(sim.list('services').map((s) => `${s.metadata.namespace ?? ''}/${s.metadata.name}`)),
    mutatingWebhooks: sorted(sim.list('mutatingwebhookconfigurations.admissionregistration.k8s.io').map(meta)),
    validatingWebhooks: sorted(sim.list('validatingwebhookconfigurations.admissionregistration.k8s.io').map(meta)),
    // Names only: their data is what the snapshot deliberately leaves out (Helm release contents, mesh config details).
    configMaps: sorted(sim.list('configmaps').map((c) => `${c.metadata.namespace ?? ''}/${c.metadata.name}`)),
    secrets: sorted(sim.list('secrets').map((s) => ({ ...meta(s), type: (s as { type?: string }).type }))),
    gateways: sorted(sim.list('gateways.gateway.networking.k8s.io').map((g) => ({ ...meta(g), spec: g.spec }))),
    istios: sorted(sail('istios')),
    istioRevisions: sorted(sail('istiorevisions')),
    istioRevisionTags: sorted(sail('istiorevisiontags')),
    istioCnis: sorted(sail('istiocnis')),
    ztunnels: sorted(sail('ztunnels')),
  };
}

/** The planner's view, without the read time, generated pod names, and the raw mesh config (only its summary is kept by design). */
async function inventoryOf(sim: Sim): Promise<Omit<Inventory, 'observedAt'>> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sim.kubeconfigPath);
  const { observedAt: _at, ...inventory } = await createInventoryActivities(
    createKubeClients(kubeConfig),
  ).readInventory({});
  return {
    ...inventory,
    controlPlane: {
      ...inventory.controlPlane,
      revisions: inventory.controlPlane.revisions.map((r) => ({
        ...r,
        meshConfig: r.meshConfig && { ...r.meshConfig, raw: {} },
      })),
    },
    deployments: inventory.deployments.map((d) => ({ ...d, proxies: d.proxies.map((p) => ({ ...p, pod: '' })) })),
  };
}

describe('istio-upgrade snapshot of each shipped scenario', () => {
  for (const [key, file] of Object.entries(SCENARIOS)) {
    it(`reproduces ${key}: a simulator started from the snapshot holds the same objects and inventory`, async () => {
      const original = await started(file);
      await original.settled(30_000);
      const out = join(dir, `${key}.yaml`);
      const result = await runCli(['snapshot', '--kubeconfig', original.kubeconfigPath, '--out', out]);
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain(`written to ${out}`);
      // Read-only: no write reached the cluster.
      expect(original.writeLog).toEqual([]);

      const text = await readFile(out, 'utf8');
      // The Helm scenario's Lightstep provider carries an accessToken; only the provider's name and kind are kept.
      expect(text).not.toMatch(/accessToken|redacted|lightstep-satellite|zipkin\.istio-system/);
      const scenario = loadScenario(out);

      const copy = await started(scenario);
      await copy.settled(30_000);
      const [expected, actual] = [objectsOf(original), objectsOf(copy)];
      for (const kind of Object.keys(expected))
        expect({ kind, objects: actual[kind] }).toEqual({ kind, objects: expected[kind] });
      expect(await inventoryOf(copy)).toEqual(await inventoryOf(original));
    });
  }

  it('refuses a kubeconfig that does not exist or a context it does not have (exit 2, the flag named)', async () => {
    const missing = await runCli(['snapshot', '--kubeconfig', join(dir, 'nope.yaml')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/--kubeconfig: cannot read .*nope\.yaml/);
    const sim = sims[0] ?? (await started(SCENARIOS.sidecarIstioctl));
    const context = await runCli(['snapshot', '--kubeconfig', sim.kubeconfigPath, '--context', 'prod']);
    expect(context.exitCode).toBe(2);
    expect(context.stderr).toContain('--context: no context "prod" in the kubeconfig');
  });
});
