import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { kubectl } from '../support.js';

async function eventually<T>(look: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await look();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface ContainerStatusJson {
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown };
}

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string };
  spec: {
    nodeName?: string;
    containers: Array<{ name: string; image: string }>;
    affinity?: {
      nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: {
          nodeSelectorTerms?: Array<{ matchFields?: Array<{ values?: string[] }> }>;
        };
      };
    };
  };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: ContainerStatusJson[];
  };
}

async function pods(sim: Sim, namespace: string, selector: string): Promise<PodJson[]> {
  const res = await kubectl(sim, ['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json']);
  return (JSON.parse(res.stdout) as { items: PodJson[] }).items.filter(
    (p) => p.metadata.deletionTimestamp === undefined,
  );
}

const waiting = (p: PodJson): string | undefined => p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
const condition = (p: PodJson, type: string) => p.status?.conditions?.find((c) => c.type === type);
const tag = (p: PodJson): string | undefined => p.spec.containers[0]?.image.split(':').pop();
/** The pod meant for a node: scheduled there, or pinned there by the DaemonSet's node affinity. */
const forNode = (all: PodJson[], node: string): PodJson | undefined =>
  all.find(
    (p) =>
      p.spec.nodeName === node ||
      p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]
        ?.matchFields?.[0]?.values?.[0] === node,
  );

const SANDBOX =
  'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "4f2c": plugin type="istio-cni" name="istio-cni" failed (add): failed to find plugin "istio-cni"';

describe('podStuck: components stuck on one node, shown as a real cluster shows them', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({
      scenario: {
        name: 'ambient-stuck-at-boot',
        timing: { podReadySeconds: 2, jobRunSeconds: 2 },
        nodes: 3,
        istio: { installer: 'istioctl', mode: 'ambient', version: '1.26.4' },
        faults: [
          {
            kind: 'podStuck',
            selector: { namespace: 'istio-system', daemonSet: 'ztunnel' },
            node: 'node-2',
            reason: 'ContainerCreating',
            message: SANDBOX,
          },
        ],
      },
      timeScale: 50,
    });
  });
  afterAll(async () => sim.stop());

  it('starts with the ztunnel pod on node-2 in ContainerCreating: get pods -o wide, describe and get events name it, the DaemonSet is 2/3 ready', async () => {
    const all = await pods(sim, 'istio-system', 'app=ztunnel');
    const stuck = all.find((p) => p.spec.nodeName === 'node-2');
    expect(stuck?.status?.phase).toBe('Pending');
    expect(waiting(stuck as PodJson)).toBe('ContainerCreating');
    const name = stuck?.metadata.name ?? '';
    const wide = await kubectl(sim, ['get', 'pods', '-n', 'istio-system', '-l', 'app=ztunnel', '-o', 'wide']);
    expect(wide.stdout).toMatch(new RegExp(`${name}\\s+0/1\\s+ContainerCreating\\s+0\\s.*\\snode-2\\s`));
    const describe = await kubectl(sim, ['describe', 'pod', name, '-n', 'istio-system']);
    expect(describe.stdout).toMatch(/Warning\s+FailedCreatePodSandBox\s/);
    expect(describe.stdout).toContain('failed to find plugin "istio-cni"');
    const events = await kubectl(sim, [
      'get',
      'events',
      '-n',
      'istio-system',
      '--field-selector',
      `involvedObject.name=${name},type=Warning`,
    ]);
    expect(events.stdout).toMatch(new RegExp(`Warning\\s+FailedCreatePodSandBox\\s+pod/${name}\\s`));
    const ds = await kubectl(sim, ['get', 'daemonset', 'ztunnel', '-n', 'istio-system']);
    expect(ds.stdout).toMatch(/ztunnel\s+3\s+3\s+2\s+3\s+2\s/);

    sim.faults.clear();
    await kubectl(sim, ['rollout', 'status', 'daemonset/ztunnel', '-n', 'istio-system', '--timeout=30s']);
  });

  it('with onlyVersion 1.27.3, sticks only the new ztunnel on node-2 in ImagePullBackOff while the old one on node-3 keeps running, until the fault clears', async () => {
    sim.faults.add({
      kind: 'podStuck',
      selector: { daemonSet: 'ztunnel' },
      node: 'node-2',
      reason: 'ImagePullBackOff',
      onlyVersion: '1.27.3',
    });
    await kubectl(sim, [
      'set',
      'image',
      'daemonset/ztunnel',
      'istio-proxy=docker.io/istio/ztunnel:1.27.3',
      '-n',
      'istio-system',
    ]);
    const stuck = await eventually(async () =>
      (await pods(sim, 'istio-system', 'app=ztunnel')).find(
        (p) => p.spec.nodeName === 'node-2' && tag(p) === '1.27.3' && waiting(p) === 'ImagePullBackOff',
      ),
    );
    expect(stuck.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe(
      'Back-off pulling image "docker.io/istio/ztunnel:1.27.3": ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/istio/ztunnel:1.27.3": failed to resolve reference "docker.io/istio/ztunnel:1.27.3": docker.io/istio/ztunnel:1.27.3: not found',
    );
    const wide = await kubectl(sim, ['get', 'pods', '-n', 'istio-system', '-l', 'app=ztunnel', '-o', 'wide']);
    expect(wide.stdout).toMatch(new RegExp(`${stuck.metadata.name}\\s+0/1\\s+ImagePullBackOff\\s.*\\snode-2\\s`));
    const describe = await kubectl(sim, ['describe', 'pod', stuck.metadata.name, '-n', 'istio-system']);
    expect(describe.stdout).toContain('Failed to pull image "docker.io/istio/ztunnel:1.27.3"');
    expect(describe.stdout).toMatch(/Warning\s+Failed\s.*Error: ImagePullBackOff/);
    const byNode = Object.fromEntries(
      (await pods(sim, 'istio-system', 'app=ztunnel')).map((p) => [p.spec.nodeName ?? '', tag(p)]),
    );
    expect(byNode).toEqual({ 'node-1': '1.27.3', 'node-2': '1.27.3', 'node-3': '1.26.4' });

    sim.faults.clear();
    await kubectl(sim, ['rollout', 'status', 'daemonset/ztunnel', '-n', 'istio-system', '--timeout=30s']);
    const after = await pods(sim, 'istio-system', 'app=ztunnel');
    expect(after.map(tag)).toEqual(['1.27.3', '1.27.3', '1.27.3']);
  });

  it('puts a restarted istiod in CrashLoopBackOff with a growing restart count and BackOff Events', async () => {
    sim.faults.add({ kind: 'podStuck', selector: { deployment: 'istiod' }, reason: 'CrashLoopBackOff' });
    await kubectl(sim, ['rollout', 'restart', 'deployment/istiod', '-n', 'istio-system']);
    const looping = await eventually(async () =>
      (await pods(sim, 'istio-system', 'app=istiod')).find(
        (p) => waiting(p) === 'CrashLoopBackOff' && (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
      ),
    );
    expect(looping.status?.phase).toBe('Running');
    expect(looping.status?.containerStatuses?.[0]?.state?.waiting?.message).toMatch(
      new RegExp(`^back-off \\d+s restarting failed container=discovery pod=${looping.metadata.name}_istio-system\\(`),
    );
    const table = await kubectl(sim, ['get', 'pod', looping.metadata.name, '-n', 'istio-system']);
    expect(table.stdout).toMatch(/0\/1\s+CrashLoopBackOff\s+\d+ \(\d+s ago\)\s/);
    const events = await kubectl(sim, ['get', 'events', '-n', 'istio-system', '--field-selector', 'reason=BackOff']);
    expect(events.stdout).toContain(
      `Back-off restarting failed container discovery in pod ${looping.metadata.name}_istio-system(`,
    );

    sim.faults.clear();
    await kubectl(sim, ['rollout', 'status', 'deployment/istiod', '-n', 'istio-system', '--timeout=30s']);
  });

  it('leaves a new istio-cni pod for node-1 Pending with no node: PodScheduled False Unschedulable and a FailedScheduling Event', async () => {
    sim.faults.add({
      kind: 'podStuck',
      selector: { daemonSet: 'istio-cni-node' },
      node: 'node-1',
      reason: 'Unschedulable',
    });
    const old = (await pods(sim, 'istio-system', 'app=istio-cni-node')).find((p) => p.spec.nodeName === 'node-1');
    await kubectl(sim, ['delete', 'pod', old?.metadata.name ?? '', '-n', 'istio-system', '--wait=false']);
    const pending = await eventually(async () => {
      const all = await pods(sim, 'istio-system', 'app=istio-cni-node');
      const p = forNode(all, 'node-1');
      return p !== undefined && condition(p, 'PodScheduled')?.reason === 'Unschedulable' ? p : undefined;
    });
    expect(pending.spec.nodeName).toBeUndefined();
    expect(pending.status?.phase).toBe('Pending');
    expect(condition(pending, 'PodScheduled')?.message).toBe(
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
    );
    const wide = await kubectl(sim, ['get', 'pod', pending.metadata.name, '-n', 'istio-system', '-o', 'wide']);
    expect(wide.stdout).toMatch(
      new RegExp(`${pending.metadata.name}\\s+0/1\\s+Pending\\s+0\\s+\\S+\\s+<none>\\s+<none>\\s`),
    );
    const describe = await kubectl(sim, ['describe', 'pod', pending.metadata.name, '-n', 'istio-system']);
    expect(describe.stdout).toMatch(/Warning\s+FailedScheduling\s/);

    sim.faults.clear();
    await kubectl(sim, ['rollout', 'status', 'daemonset/istio-cni-node', '-n', 'istio-system', '--timeout=30s']);
    const scheduled = forNode(await pods(sim, 'istio-system', 'app=istio-cni-node'), 'node-1');
    expect(scheduled?.spec.nodeName).toBe('node-1');
  });

  it('takes node-3 NotReady: kubectl get nodes shows it, its pods turn unready with a NodeNotReady Event, and come back when it clears', async () => {
    sim.faults.add({ kind: 'podStuck', node: 'node-3', reason: 'NodeNotReady' });
    const nodes = await eventually(async () => {
      const res = await kubectl(sim, ['get', 'nodes']);
      return /node-3\s+NotReady\s/.test(res.stdout) ? res.stdout : undefined;
    });
    expect(nodes).toMatch(/node-1\s+Ready\s/);
    const ztunnel = await eventually(async () =>
      (await pods(sim, 'istio-system', 'app=ztunnel')).find(
        (p) => p.spec.nodeName === 'node-3' && condition(p, 'Ready')?.status === 'False',
      ),
    );
    expect(ztunnel.status?.phase).toBe('Running');
    const events = await kubectl(sim, [
      'get',
      'events',
      '-n',
      'istio-system',
      '--field-selector',
      `involvedObject.name=${ztunnel.metadata.name}`,
    ]);
    expect(events.stdout).toMatch(/Warning\s+NodeNotReady\s+pod\/\S+\s+Node is not ready/);
    const node = JSON.parse((await kubectl(sim, ['get', 'node', 'node-3', '-o', 'json'])).stdout) as {
      spec: { taints?: Array<{ key: string; effect: string }> };
      status: { conditions: Array<{ type: string; status: string; reason: string }> };
    };
    expect(node.status.conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
    });
    expect(node.spec.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
    ]);

    sim.faults.clear();
    await kubectl(sim, ['rollout', 'status', 'daemonset/ztunnel', '-n', 'istio-system', '--timeout=30s']);
    expect((await kubectl(sim, ['get', 'nodes'])).stdout).toMatch(/node-3\s+Ready\s/);
  });
});
