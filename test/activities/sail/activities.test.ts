import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSailActivities } from '../../../activities/sail/activities.js';
import { createKubernetesActivities } from '../../../activities/kubernetes/index.js';
import { startCluster, type SimCluster } from '../support/sim.js';
import { activityEnv, runIn } from '../support/activity-env.js';
import { failureOf } from '../support/failures.js';

let cluster: SimCluster;
let sail: ReturnType<typeof createSailActivities>;
let k: ReturnType<typeof createKubernetesActivities>;
beforeAll(async () => {
  cluster = await startCluster('ambientSail');
  sail = createSailActivities(cluster.clients);
  k = createKubernetesActivities(cluster.clients);
});
afterAll(() => cluster.stop());

const sailWrites = (resource: string) =>
  cluster.sim.writeLog.filter((w) => w.group === 'sailoperator.io' && w.resource === resource).length;

describe('Sail, ambient, revision-based', () => {
  it('moves Istio default to v1.27.0: a new IstioRevision beside the old one, which the default tag no longer uses', async () => {
    const patch = await sail.patchSailResource({ kind: 'Istio', version: 'v1.27.0' });
    expect(patch.changed).toBe(true);
    const { env, heartbeats } = activityEnv(300);
    const readiness = await runIn(env, () =>
      sail.waitSailReady({ kind: 'Istio', minGeneration: patch.generation, deadlineSeconds: 30 }),
    );
    expect(readiness).toMatchObject({ ready: true, state: 'Healthy', pending: [] });
    expect(heartbeats.length).toBeGreaterThan(0);
    // Ambient pods carry no sidecar, so only the `default` tag and pods of the revision itself held
    // it in use; a pod being replaced keeps it in use until it has terminated (its grace period),
    // as Sail's InUse condition does on a real cluster.
    const before = await sail.listIstioRevisions();
    expect(before.find((r) => r.name === 'default-v1-27-0')).toEqual({
      name: 'default-v1-27-0',
      version: 'v1.27.0',
      inUse: true,
      ready: true,
    });
    const terminating = cluster.sim
      .list('pods')
      .filter((p) => p.metadata.deletionTimestamp !== undefined)
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    let revisions = before;
    for (let i = 0; i < 200 && revisions.some((r) => r.name === 'default-v1-26-4' && r.inUse); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      revisions = await sail.listIstioRevisions();
    }
    expect(
      revisions,
      `old revision still in use; terminating when first listed: ${terminating.join(', ') || 'none'}`,
    ).toEqual([
      { name: 'default-v1-26-4', version: 'v1.26.4', inUse: false, ready: true },
      { name: 'default-v1-27-0', version: 'v1.27.0', inUse: true, ready: true },
    ]);
  });

  it('a repeated patch writes nothing', async () => {
    const before = sailWrites('istios');
    expect(
      (
        await sail.patchSailResource({
          kind: 'Istio',
          version: 'v1.27.0',
          updateStrategy: { type: 'RevisionBased', inactiveRevisionDeletionGracePeriodSeconds: 30 },
        })
      ).changed,
    ).toBe(false);
    expect(sailWrites('istios')).toBe(before);
  });

  it('then IstioCNI and ZTunnel, each rolled in place node by node', async () => {
    for (const kind of ['IstioCNI', 'ZTunnel'] as const) {
      const patch = await sail.patchSailResource({ kind, version: 'v1.27.0' });
      expect(patch.changed).toBe(true);
      expect(await sail.waitSailReady({ kind, minGeneration: patch.generation, deadlineSeconds: 30 })).toMatchObject({
        ready: true,
      });
    }
    const inventory = await k.readInventory();
    expect(inventory.ztunnel?.version).toBe('1.27.0');
    expect(inventory.cni?.version).toBe('1.27.0');
  });

  it('refuses an update strategy on ZTunnel as a Validation failure', async () => {
    const f = await failureOf(sail.patchSailResource({ kind: 'ZTunnel', updateStrategy: { type: 'InPlace' } }));
    expect(f.type).toBe('Validation');
  });

  it('a missing Istio is NotFound, not retried', async () => {
    const f = await failureOf(sail.patchSailResource({ kind: 'Istio', name: 'absent', version: 'v1.27.0' }));
    expect(f.type).toBe('NotFound');
    expect(f.nonRetryable).toBe(true);
  });
});

describe('DaemonSet rollouts', () => {
  it('restarts ztunnel and waits node by node, by kubectl rules', async () => {
    const ztunnel = cluster.sim.list('daemonsets').find((d) => d.metadata.name === 'ztunnel');
    const namespace = ztunnel?.metadata.namespace ?? 'istio-system';
    const restart = await k.restartWorkload({
      kind: 'DaemonSet',
      namespace,
      name: 'ztunnel',
      restartedAt: '2026-11-23T13:00:00Z',
    });
    const { env, heartbeats } = activityEnv(300);
    const result = await runIn(env, () =>
      k.waitForRollout({ kind: 'DaemonSet', namespace, name: 'ztunnel', minGeneration: restart.generation }),
    );
    expect(result.progress).toEqual({ desired: 3, updated: 3, available: 3 });
    expect(
      heartbeats
        .map((h) => (h as { message: string }).message)
        .some((m) => /\d\/3 (pods updated|updated pods available)/.test(m)),
    ).toBe(true);
  });
});
