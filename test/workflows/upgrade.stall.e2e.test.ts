/**
 * No silent wait, end to end (dev server, real activities, the simulator): a node agent stuck on
 * one node of three stops the upgrade at a failure gate within the stall time, naming the node,
 * the pod and the reason from the pod's status and its Warning Event. Sail's old revision is held
 * (its grace period raised) until the cleanup step, so the stuck node keeps its control plane;
 * once the node recovers, `retry` finishes the upgrade and the grace period comes back.
 */
import { describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import { HELD_GRACE_ANNOTATION } from '../../activities/sail/activities.js';
import type { SimCluster } from '../activities/support/sim.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import { answerGates, quickSpec, runWorker, startUpgrade, e2eSuite } from './support/upgrade-harness.js';

const suite = e2eSuite();

interface IstioSpec {
  version?: string;
  updateStrategy?: { inactiveRevisionDeletionGracePeriodSeconds?: number };
}

const istioOf = (cluster: SimCluster) => cluster.sim.get('istios.sailoperator.io', undefined, 'default');
const revisions = (cluster: SimCluster) =>
  cluster.sim
    .list('istiorevisions.sailoperator.io')
    .map((revision) => revision.metadata.name)
    .sort();
const podsOf = (cluster: SimCluster, namespace: string, prefix: string) =>
  cluster.sim
    .list('pods', namespace)
    .filter((pod) => pod.metadata.name.startsWith(prefix))
    .map((pod) => `${pod.metadata.name}@${(pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '?'}`)
    .sort();

describe('Sail ambient RevisionBased, ztunnel stuck on node-2', () => {
  it('stops at a failure gate within the stall time naming node-2, the pod and FailedCreatePodSandBox, holds the old revision, and retry completes once the node recovers', async () => {
    const cluster = await suite.fresh('ambientSail');
    const spec: SpecInput = quickSpec({
      install: { method: 'sail', mode: 'ambient', strategy: 'revision' },
      version: { target: '1.27.3' },
      timeouts: { stall: '20s' },
    });
    const before = revisions(cluster);
    const [oldRevision] = before;
    cluster.sim.faults.add({
      kind: 'podStuck',
      selector: { daemonSet: 'ztunnel' },
      node: 'node-2',
      reason: 'ContainerCreating',
      onlyVersion: '1.27.3',
    });

    let atGate: UpgradeStatus | undefined;
    let atGateCluster: { revisions: string[]; istio: ReturnType<typeof istioOf>; cni: string[] } | undefined;
    let stalledAt = 0;
    let ztunnelStartedAt = 0;
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, spec), (gateId, status) => {
        const gate = status.pendingGates.find((g) => g.id === gateId);
        if (gate?.kind !== 'failure') return 'approve';
        if (atGate !== undefined) throw new Error(`a second failure gate: ${gate.description}`);
        atGate = status;
        stalledAt = Date.now();
        ztunnelStartedAt = Date.parse(status.steps.find((s) => s.id === 'ztunnel@1.27.3')?.startedAt ?? '');
        atGateCluster = {
          revisions: revisions(cluster),
          istio: structuredClone(istioOf(cluster)),
          cni: podsOf(cluster, 'istio-cni', 'istio-cni-node'),
        };
        // The node recovers (its CNI is fixed): the operator retries the step.
        cluster.sim.faults.clear();
        return 'retry';
      }),
    );

    // The failure gate names the node, the pod and the reason, within the stall time.
    expect(atGate?.failure?.type).toBe('RolloutStalled');
    expect(atGate?.failure?.message).toMatch(
      /^ztunnel: 2\/3 nodes on 1\.27\.3; node-2: ztunnel-[a-z0-9]+ ContainerCreating for \S+ \(FailedCreatePodSandBox: [^)]+\).*; no progress for 2\ds$/,
    );
    expect(atGate?.pendingGates[0]?.description).toContain('node-2: ztunnel-');
    expect(stalledAt - ztunnelStartedAt).toBeLessThan(60_000);
    expect(atGate?.steps.find((s) => s.id === 'ztunnel@1.27.3')?.state).toBe('failed');
    expect(atGate?.steps.filter((s) => s.phase === 'cleanup').map((s) => s.state)).toEqual(['pending']);
    // The old revision is still there while the node is stuck, held by a raised grace period.
    expect(atGateCluster?.revisions).toEqual(expect.arrayContaining([oldRevision, 'default-v1-27-3']));
    expect(atGateCluster?.istio?.metadata.annotations?.[HELD_GRACE_ANNOTATION]).toBe('30');
    expect(
      (atGateCluster?.istio?.spec as IstioSpec | undefined)?.updateStrategy?.inactiveRevisionDeletionGracePeriodSeconds,
    ).toBe(30 * 86_400);

    // Retried after the fault cleared, the upgrade completes and gives the grace period back.
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(result.status.controls.map((c) => [c.action, c.stepId])).toEqual([['retry', 'ztunnel@1.27.3']]);
    expect(result.status.steps.find((s) => s.id === 'ztunnel@1.27.3')?.note).toMatch(
      /^ztunnel: 3\/3 nodes on 1\.27\.3/,
    );
    const istio = istioOf(cluster);
    expect(istio?.metadata.annotations?.[HELD_GRACE_ANNOTATION]).toBeUndefined();
    expect((istio?.spec as IstioSpec | undefined)?.updateStrategy?.inactiveRevisionDeletionGracePeriodSeconds).toBe(30);
    expect((istio?.spec as IstioSpec | undefined)?.version).toBe('v1.27.3');
    expect(revisions(cluster)).toEqual(['default-v1-27-3']);
  }, 180_000);
});
