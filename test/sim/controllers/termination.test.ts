import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { api, bookinfo, eventually, kubectl } from '../support.js';

interface PodJson {
  metadata: {
    name: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    labels?: Record<string, string>;
  };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

async function podsOf(sim: Sim, selector: string): Promise<PodJson[]> {
  const res = await kubectl(sim, ['get', 'pods', '-n', 'bookinfo', '-l', selector, '-o', 'json']);
  return (JSON.parse(res.stdout) as { items: PodJson[] }).items;
}

const ready = (p: PodJson): boolean =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('graceful pod termination, seen through the real kubectl', () => {
  let sim: Sim;
  beforeAll(async () => {
    const scenario = bookinfo();
    const [ns] = scenario.namespaces ?? [];
    // reviews-v2 takes an hour to stop, so its old pods are certainly still there when looked at;
    // reviews-v1 two seconds. Real time, so the default 30 s leaves kubectl time to look.
    if (ns) {
      ns.deployments = [
        { name: 'productpage-v1', replicas: 2 },
        { name: 'reviews-v1', replicas: 1, terminationGracePeriodSeconds: 2 },
        { name: 'reviews-v2', replicas: 3, terminationGracePeriodSeconds: 3600 },
      ];
    }
    sim = await startSim({ scenario, timeScale: 1 });
  });
  afterAll(async () => sim.stop());

  it('keeps a deleted pod Terminating and unready for its 30 s default grace period; --grace-period=0 --force then removes it at once', async () => {
    const [victim] = await podsOf(sim, 'app=productpage');
    const name = victim?.metadata.name ?? '';
    const reply = await api(sim, 'DELETE', `/api/v1/namespaces/bookinfo/pods/${name}`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Background',
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      kind: 'Pod',
      metadata: { name, deletionGracePeriodSeconds: 30, deletionTimestamp: expect.any(String) as unknown },
    });
    const after = JSON.parse(
      (await kubectl(sim, ['get', 'pod', name, '-n', 'bookinfo', '-o', 'json'])).stdout,
    ) as PodJson;
    expect(after.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(ready(after)).toBe(false);
    const table = await kubectl(sim, ['get', 'pod', name, '-n', 'bookinfo']);
    expect(table.stdout).toMatch(new RegExp(`${name}\\s+0/2\\s+Terminating`));
    const events = await kubectl(sim, [
      'get',
      'events',
      '-n',
      'bookinfo',
      '--field-selector',
      `involvedObject.name=${name}`,
    ]);
    expect(events.stdout).toContain('Stopping container productpage');

    const forced = await kubectl(sim, ['delete', 'pod', name, '-n', 'bookinfo', '--grace-period=0', '--force']);
    expect(forced.stderr).toContain('Immediate deletion does not wait for confirmation');
    expect(sim.get('pods', 'bookinfo', name)).toBeUndefined();
    // The ReplicaSet replaced it as soon as it began terminating: two pods again, both ready.
    await kubectl(sim, ['rollout', 'status', 'deployment/productpage-v1', '-n', 'bookinfo', '--timeout=60s']);
    const pods = await podsOf(sim, 'app=productpage');
    expect(pods.filter((p) => p.metadata.deletionTimestamp === undefined && ready(p))).toHaveLength(2);
  });

  it('removes a terminating pod once its own grace period has passed on the sim clock', async () => {
    const [victim] = await podsOf(sim, 'app=reviews,version=v1');
    const name = victim?.metadata.name ?? '';
    const reply = await api(sim, 'DELETE', `/api/v1/namespaces/bookinfo/pods/${name}`);
    expect(reply.body).toMatchObject({ kind: 'Pod', metadata: { name, deletionGracePeriodSeconds: 2 } });
    await kubectl(sim, ['wait', '--for=delete', `pod/${name}`, '-n', 'bookinfo', '--timeout=60s']);
    expect(sim.get('pods', 'bookinfo', name)).toBeUndefined();
  });

  it('overlaps old and new pods in a rollout: terminating pods count in no replica field, so rollout status completes while they linger', async () => {
    const before = (await podsOf(sim, 'app=reviews,version=v2')).map((p) => p.metadata.name);
    expect(before).toHaveLength(3);
    await kubectl(sim, ['rollout', 'restart', 'deployment/reviews-v2', '-n', 'bookinfo']);
    const status = await kubectl(sim, [
      'rollout',
      'status',
      'deployment/reviews-v2',
      '-n',
      'bookinfo',
      '--timeout=60s',
    ]);
    expect(status.stdout).toContain('deployment "reviews-v2" successfully rolled out');

    const pods = await podsOf(sim, 'app=reviews,version=v2');
    const terminating = pods.filter((p) => p.metadata.deletionTimestamp !== undefined);
    const live = pods.filter((p) => p.metadata.deletionTimestamp === undefined);
    expect(terminating.map((p) => p.metadata.name).sort()).toEqual([...before].sort());
    expect(terminating.every((p) => p.metadata.deletionGracePeriodSeconds === 3600 && !ready(p))).toBe(true);
    expect(live).toHaveLength(3);
    expect(live.every(ready)).toBe(true);

    const deployment = JSON.parse(
      (await kubectl(sim, ['get', 'deployment', 'reviews-v2', '-n', 'bookinfo', '-o', 'json'])).stdout,
    ) as { status: Record<string, unknown> };
    expect(deployment.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(deployment.status.unavailableReplicas).toBeUndefined();
    const rs = JSON.parse(
      (await kubectl(sim, ['get', 'rs', '-n', 'bookinfo', '-l', 'app=reviews,version=v2', '-o', 'json'])).stdout,
    ) as {
      items: Array<{ metadata: { name: string }; spec: { replicas: number }; status: { replicas: number } }>;
    };
    const old = rs.items.filter((r) => r.spec.replicas === 0);
    expect(old).toHaveLength(1);
    expect(old[0]?.status.replicas).toBe(0);

    const table = await kubectl(sim, ['get', 'pods', '-n', 'bookinfo', '-l', 'app=reviews,version=v2']);
    expect(table.stdout.split('\n').filter((l) => /\s0\/2\s+Terminating\s/.test(l))).toHaveLength(3);

    // Force-deleting the lingering pods changes nothing the Deployment counts.
    await kubectl(sim, ['delete', 'pod', ...before, '-n', 'bookinfo', '--grace-period=0', '--force']);
    await eventually(() => before.every((n) => sim.get('pods', 'bookinfo', n) === undefined));
    expect(sim.get('deployments', 'bookinfo', 'reviews-v2')?.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
    });
  });
});
