/**
 * No silent wait, by istioctl (Sail: upgrade.stall.e2e.test.ts, Helm: upgrade.stall-helm.e2e.test.ts):
 * an ambient canary whose new ztunnel pod on node-2 never gets its sandbox stops at a failure
 * gate within the stall time, naming the node, the pod and the reason, instead of hanging inside
 * istioctl's own readiness wait. The new revision goes in without istio-cni and ztunnel; each
 * node agent step installs its own and the workflow watches it roll. The old istiod still runs
 * and nothing is cleaned up; once the node recovers, `retry` completes the upgrade.
 */
import { describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import type { ScenarioInput } from '../../sim/index.js';
import type { SimCluster } from '../activities/support/sim.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import { answerGates, quickSpec, runWorker, startUpgrade, e2eSuite } from './support/upgrade-harness.js';

const suite = e2eSuite();

const ambientMesh: ScenarioInput = {
  name: 'ambient-istioctl-1.26',
  timing: { podReadySeconds: 2, jobRunSeconds: 2 },
  nodes: 3,
  istio: { installer: 'istioctl', mode: 'ambient', version: '1.26.4' },
  namespaces: [
    {
      name: 'bookinfo',
      labels: { 'istio.io/dataplane-mode': 'ambient' },
      deployments: [{ name: 'productpage-v1', replicas: 1 }],
    },
  ],
};

const istiods = (cluster: SimCluster) =>
  cluster.sim
    .list('deployments', 'istio-system')
    .filter((d) => d.metadata.labels?.app === 'istiod')
    .map((d) => d.metadata.name)
    .sort();

const version = (cluster: SimCluster, daemonSet: string) =>
  cluster.sim.get('daemonsets', 'istio-system', daemonSet)?.metadata.labels?.['app.kubernetes.io/version'];

describe('an ambient istioctl canary, ztunnel stuck on node-2', () => {
  it('installs the revision without the node agents, stops at a failure gate within the stall time naming node-2, the pod and FailedCreatePodSandBox, keeps the old istiod, and retry completes once the node recovers', async () => {
    const cluster = await suite.fresh(ambientMesh);
    const spec: SpecInput = quickSpec({
      install: { method: 'istioctl', mode: 'ambient', strategy: 'revision' },
      version: { target: '1.27.3' },
      timeouts: { stall: '20s' },
    });
    cluster.sim.faults.add({
      kind: 'podStuck',
      selector: { daemonSet: 'ztunnel' },
      node: 'node-2',
      reason: 'ContainerCreating',
      onlyVersion: '1.27.3',
    });

    // What the node agents ran when each gate before them opened: the revision's install left them alone.
    const agentsAt: Record<string, string> = {};
    let atGate: UpgradeStatus | undefined;
    let istiodsAtGate: string[] = [];
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, spec), (gateId, status) => {
        const gate = status.pendingGates.find((g) => g.id === gateId);
        if (gate?.kind !== 'failure') {
          agentsAt[gateId] = `istio-cni ${version(cluster, 'istio-cni-node')}, ztunnel ${version(cluster, 'ztunnel')}`;
          return 'approve';
        }
        if (atGate !== undefined) throw new Error(`a second failure gate: ${gate.description}`);
        atGate = status;
        istiodsAtGate = istiods(cluster);
        cluster.sim.faults.clear();
        return 'retry';
      }),
    );

    expect(agentsAt['gate:before-ztunnel@1.27.3']).toBe('istio-cni 1.27.3, ztunnel 1.26.4');
    expect(atGate?.failure?.type).toBe('RolloutStalled');
    expect(atGate?.failure?.message).toMatch(
      /ztunnel.*node-2: ztunnel-[a-z0-9]+ ContainerCreating for \S+ \(FailedCreatePodSandBox: [^)]+\).*; no progress for 2\ds$/,
    );
    expect(atGate?.steps.find((s) => s.id === 'install-revision:1-27-3')?.state).toBe('done');
    const cleanup = atGate?.steps.filter((s) => s.phase === 'cleanup') ?? [];
    expect(cleanup.length).toBeGreaterThan(0);
    expect(cleanup.filter((s) => s.state !== 'pending')).toEqual([]);
    // The revision-less istiod the mesh started on still runs beside the new one.
    expect(istiodsAtGate).toEqual(['istiod', 'istiod-1-27-3']);

    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(result.status.controls.map((c) => c.action)).toEqual(['retry']);
    expect(istiods(cluster)).toEqual(['istiod-1-27-3']);
    expect(version(cluster, 'ztunnel')).toBe('1.27.3');
  }, 240_000);
});
