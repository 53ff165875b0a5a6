/**
 * A revert's mark goes with the move that undoes it: the label patch that puts a reverted
 * namespace (or pinned workload) on the revision the mark says it left also removes the mark, in
 * the same write; a move anywhere else leaves it.
 */
import { describe, expect, it } from 'vitest';
import { mergePatch } from '../../../activities/kubernetes/clients.js';
import { REVERTED_ANNOTATION } from '../../../core/labels.js';
import { kubernetesActivitiesOn } from '../support/sim.js';

const t = kubernetesActivitiesOn('sidecarIstioctl');

const mark = JSON.stringify({
  upgrade: 'istio-upgrade-sim',
  from: '1-27-3',
  to: 'default',
  reason: 'alice: reviews-v2 fails its smoke test',
  at: '2026-12-04T21:10:00.000Z',
});
const writesTo = (resource: string, name: string) =>
  t.cluster.sim.writeLog.filter((w) => w.resource === resource && w.name === name).length;

describe('moving a reverted object again clears its mark', () => {
  it('moves bookinfo to 1-27-3 and removes its mark in one write; a retry writes nothing', async () => {
    await t.cluster.clients.core.patchNamespace(
      { name: 'bookinfo', body: { metadata: { annotations: { [REVERTED_ANNOTATION]: mark } } } },
      mergePatch,
    );
    const writes = writesTo('namespaces', 'bookinfo');
    const move = { namespace: 'bookinfo', set: { 'istio.io/rev': '1-27-3' }, remove: ['istio-injection'] };
    expect((await t.k.setNamespaceLabels(move)).changed).toBe(true);
    const bookinfo = t.cluster.sim.get('namespaces', undefined, 'bookinfo');
    expect(bookinfo?.metadata.annotations?.[REVERTED_ANNOTATION]).toBeUndefined();
    expect(bookinfo?.metadata.labels).toMatchObject({ 'istio.io/rev': '1-27-3' });
    expect(writesTo('namespaces', 'bookinfo')).toBe(writes + 1);
    expect((await t.k.setNamespaceLabels(move)).changed).toBe(false);
    expect(writesTo('namespaces', 'bookinfo')).toBe(writes + 1);
  });

  it('keeps the mark when a label moves the namespace anywhere but the revision it left', async () => {
    await t.cluster.clients.core.patchNamespace(
      { name: 'legacy', body: { metadata: { annotations: { [REVERTED_ANNOTATION]: mark } } } },
      mergePatch,
    );
    await t.k.setNamespaceLabels({ namespace: 'legacy', set: { team: 'batch' } });
    expect(t.cluster.sim.get('namespaces', undefined, 'legacy')?.metadata.annotations?.[REVERTED_ANNOTATION]).toBe(
      mark,
    );
  });

  it("relabels a pinned workload's pod template to 1-27-3 and clears the Deployment's mark in the same patch", async () => {
    await t.cluster.clients.apps.patchNamespacedDeployment(
      {
        namespace: 'legacy',
        name: 'batch-worker',
        body: { metadata: { annotations: { [REVERTED_ANNOTATION]: mark } } },
      },
      mergePatch,
    );
    const writes = writesTo('deployments', 'batch-worker');
    const change = await t.k.setPodTemplateLabels({
      namespace: 'legacy',
      deployment: 'batch-worker',
      set: { 'istio.io/rev': '1-27-3' },
    });
    expect(change.labels).toMatchObject({ 'istio.io/rev': '1-27-3' });
    const batch = t.cluster.sim.get('deployments', 'legacy', 'batch-worker');
    expect(batch?.metadata.annotations?.[REVERTED_ANNOTATION]).toBeUndefined();
    expect(writesTo('deployments', 'batch-worker')).toBe(writes + 1);
  });

  it('clears a mark left on a workload already back on the revision it left, without touching its pods', async () => {
    await t.cluster.clients.apps.patchNamespacedDeployment(
      {
        namespace: 'legacy',
        name: 'batch-worker',
        body: { metadata: { annotations: { [REVERTED_ANNOTATION]: mark } } },
      },
      mergePatch,
    );
    const generation = t.cluster.sim.get('deployments', 'legacy', 'batch-worker')?.metadata.generation;
    const change = await t.k.setPodTemplateLabels({
      namespace: 'legacy',
      deployment: 'batch-worker',
      set: { 'istio.io/rev': '1-27-3' },
    });
    expect(change.changed).toBe(true);
    const batch = t.cluster.sim.get('deployments', 'legacy', 'batch-worker');
    expect(batch?.metadata.annotations?.[REVERTED_ANNOTATION]).toBeUndefined();
    expect(batch?.metadata.generation).toBe(generation);
  });
});
