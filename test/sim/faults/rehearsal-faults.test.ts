import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, startSim, type Sim } from '../../../sim/index.js';
import { api, bookinfo, kubectl } from '../support.js';

/** Polls an asynchronous look (a kubectl call) until it finds something. */
async function eventually<T>(look: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await look();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: {
    nodeName?: string;
    containers: Array<{ name: string; image: string }>;
    initContainers?: Array<{ name: string; image: string }>;
  };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ state?: { waiting?: { reason?: string } } }>;
  };
}

async function pods(sim: Sim, namespace: string, selector: string): Promise<PodJson[]> {
  const res = await kubectl(sim, ['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json']);
  return (JSON.parse(res.stdout) as { items: PodJson[] }).items.filter(
    (p) => p.metadata.deletionTimestamp === undefined,
  );
}

const ready = (p: PodJson): boolean =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const proxyImage = (p: PodJson): string | undefined =>
  [...p.spec.containers, ...(p.spec.initContainers ?? [])].find((c) => c.name === 'istio-proxy')?.image;

describe('neverReady: new pods never become ready once they run a given proxy version', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({
      scenario: bookinfo({
        istio: { installer: 'istioctl', version: '1.26.4', revisions: [{ name: '1-27-3', version: '1.27.3' }] },
        faults: [{ kind: 'neverReady', deployment: 'reviews-v2', namespace: 'bookinfo', minProxyVersion: '1.27.0' }],
      }),
      timeScale: 50,
    });
  });
  afterAll(async () => sim.stop());

  it('rolls reviews-v2 on 1.26 as usual, but on 1.27.3 its new pod stays unready and kubectl rollout status never completes', async () => {
    await kubectl(sim, ['rollout', 'restart', 'deployment/reviews-v2', '-n', 'bookinfo']);
    await kubectl(sim, ['rollout', 'status', 'deployment/reviews-v2', '-n', 'bookinfo', '--timeout=30s']);

    await kubectl(sim, ['label', 'namespace', 'bookinfo', 'istio-injection-', 'istio.io/rev=1-27-3']);
    // kubectl refuses a second restart within the same second (its annotation has one-second
    // precision), and the first rollout can now finish inside one.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await kubectl(sim, ['rollout', 'restart', 'deployment/reviews-v2', '-n', 'bookinfo']);
    const fresh = await eventually(async () => {
      const found = (await pods(sim, 'bookinfo', 'app=reviews,version=v2')).filter(
        (p) => proxyImage(p) === 'docker.io/istio/proxyv2:1.27.3',
      );
      return found.length > 0 && found.every((p) => p.status?.phase === 'Running') ? found : undefined;
    });
    expect(fresh).toHaveLength(1);
    expect(ready(fresh[0] as PodJson)).toBe(false);
    const status = await kubectl(
      sim,
      ['rollout', 'status', 'deployment/reviews-v2', '-n', 'bookinfo', '--timeout=3s'],
      { reject: false },
    );
    expect(status.exitCode).not.toBe(0);
    expect(status.stdout).toContain(
      'Waiting for deployment "reviews-v2" rollout to finish: 1 out of 3 new replicas have been updated',
    );
    // The old 1.26 pods keep serving: maxUnavailable 0 of 3 removes none while the new one is unready.
    const serving = (await pods(sim, 'bookinfo', 'app=reviews,version=v2')).filter(
      (p) => proxyImage(p) === 'docker.io/istio/proxyv2:1.26.4',
    );
    expect(serving.filter(ready)).toHaveLength(3);
    const table = await kubectl(sim, ['get', 'pod', fresh[0]?.metadata.name ?? '', '-n', 'bookinfo']);
    const [, readyCount, total] = /\s(\d+)\/(\d+)\s+Running\s/.exec(table.stdout) ?? [];
    expect(Number(readyCount)).toBeLessThan(Number(total));
  });
});

describe('nodeNotReady: a node agent stuck on one node after its rollout', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({
      scenario: {
        name: 'ambient-stuck-node',
        timing: { podReadySeconds: 2, jobRunSeconds: 2 },
        nodes: 3,
        istio: { installer: 'istioctl', mode: 'ambient', version: '1.26.4' },
        faults: [{ kind: 'nodeNotReady', node: 'node-2', component: 'ztunnel', minVersion: '1.27.0' }],
      },
      timeScale: 50,
    });
  });
  afterAll(async () => sim.stop());

  it('keeps the new ztunnel pod on node-2 ContainerCreating, so the DaemonSet rollout stops there until the fault clears', async () => {
    await kubectl(sim, [
      'set',
      'image',
      'daemonset/ztunnel',
      'istio-proxy=docker.io/istio/ztunnel:1.27.3',
      '-n',
      'istio-system',
    ]);
    const stuck = await eventually(async () => {
      const all = await pods(sim, 'istio-system', 'app=ztunnel');
      return all.find(
        (p) =>
          p.spec.nodeName === 'node-2' &&
          p.spec.containers[0]?.image.endsWith(':1.27.3') &&
          p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating',
      );
    });
    expect(stuck.status?.phase).toBe('Pending');
    const wide = await kubectl(sim, ['get', 'pods', '-n', 'istio-system', '-l', 'app=ztunnel', '-o', 'wide']);
    expect(wide.stdout).toMatch(new RegExp(`${stuck.metadata.name}\\s+0/1\\s+ContainerCreating\\s.*\\snode-2\\s`));
    const describe = await kubectl(sim, ['describe', 'pod', stuck.metadata.name, '-n', 'istio-system']);
    expect(describe.stdout).toContain('FailedCreatePodSandBox');

    const status = await kubectl(
      sim,
      ['rollout', 'status', 'daemonset/ztunnel', '-n', 'istio-system', '--timeout=3s'],
      { reject: false },
    );
    expect(status.exitCode).not.toBe(0);
    expect(status.stdout).toMatch(
      /Waiting for daemon set "ztunnel" rollout to finish: \d out of 3 new pods have been updated/,
    );
    // node-1 was rolled, node-2 is stuck, node-3 waits: maxUnavailable 1 is spent on node-2.
    const byNode = Object.fromEntries(
      (await pods(sim, 'istio-system', 'app=ztunnel')).map((p): [string, string | undefined] => [
        p.spec.nodeName ?? '',
        p.spec.containers[0]?.image.split(':').pop(),
      ]),
    );
    expect(byNode).toEqual({ 'node-1': '1.27.3', 'node-2': '1.27.3', 'node-3': '1.26.4' });

    sim.faults.clear();
    await kubectl(sim, ['rollout', 'status', 'daemonset/ztunnel', '-n', 'istio-system', '--timeout=60s']);
    const after = await pods(sim, 'istio-system', 'app=ztunnel');
    expect(after.map((p) => p.spec.containers[0]?.image.split(':').pop())).toEqual(['1.27.3', '1.27.3', '1.27.3']);
    expect(after.every(ready)).toBe(true);
  });
});

describe('the injection webhook fails while its istiod has no ready pod', () => {
  let sim: Sim;
  const refusal =
    'Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://istiod.istio-system.svc:443/inject?timeout=10s": no endpoints available for service "istiod"';
  beforeAll(async () => {
    sim = await startSim({ scenario: bookinfo(), timeScale: 50 });
  });
  afterAll(async () => sim.stop());

  it('refuses kubectl run in an injected namespace with the API server’s webhook error while istiod is scaled to 0, and the ReplicaSet records FailedCreate', async () => {
    await kubectl(sim, ['scale', 'deployment/istiod', '-n', 'istio-system', '--replicas=0']);
    await eventually(async () => (await pods(sim, 'istio-system', 'app=istiod')).length === 0 || undefined);
    const run = await kubectl(sim, ['run', 'probe', '--image=curlimages/curl', '-n', 'bookinfo'], { reject: false });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain(`Error from server (InternalError): ${refusal}`);
    expect(sim.get('pods', 'bookinfo', 'probe')).toBeUndefined();
    // Not injected, not refused: a namespace without injection does not call the webhook.
    await kubectl(sim, ['run', 'probe', '--image=curlimages/curl', '-n', 'default']);

    await kubectl(sim, ['rollout', 'restart', 'deployment/reviews-v1', '-n', 'bookinfo']);
    const events = await eventually(async () => {
      const res = await kubectl(sim, ['get', 'events', '-n', 'bookinfo', '--field-selector', 'reason=FailedCreate']);
      return res.stdout.includes('replicaset/reviews-v1-') ? res.stdout : undefined;
    });
    expect(events).toContain(`Error creating: ${refusal}`);
    expect(events).toMatch(/\sWarning\s+FailedCreate\s/);
    const deployment = JSON.parse(
      (await kubectl(sim, ['get', 'deployment', 'reviews-v1', '-n', 'bookinfo', '-o', 'json'])).stdout,
    ) as {
      status: { conditions: Array<{ type: string; status: string; reason?: string; message?: string }> };
    };
    expect(deployment.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'ReplicaFailure',
        status: 'True',
        reason: 'FailedCreate',
        message: `Error creating: ${refusal}`,
      }),
    );
    const status = await kubectl(
      sim,
      ['rollout', 'status', 'deployment/reviews-v1', '-n', 'bookinfo', '--timeout=2s'],
      { reject: false },
    );
    expect(status.exitCode).not.toBe(0);
    // The old pod keeps running: nothing was taken away while nothing new could start.
    expect((await pods(sim, 'bookinfo', 'app=reviews,version=v1')).filter(ready)).toHaveLength(1);

    await kubectl(sim, ['scale', 'deployment/istiod', '-n', 'istio-system', '--replicas=1']);
    await kubectl(sim, ['rollout', 'status', 'deployment/reviews-v1', '-n', 'bookinfo', '--timeout=60s']);
    const healed = JSON.parse(
      (await kubectl(sim, ['get', 'deployment', 'reviews-v1', '-n', 'bookinfo', '-o', 'json'])).stdout,
    ) as { status: { conditions: Array<{ type: string }> } };
    expect(healed.status.conditions.map((c) => c.type)).not.toContain('ReplicaFailure');
  });

  it('takes istiod down with the istiodUnavailable fault: kubectl shows it unready and pod creation is refused until the fault clears', async () => {
    sim.faults.add({ kind: 'istiodUnavailable', revision: 'default' });
    const [istiod] = await eventually(async () => {
      const found = await pods(sim, 'istio-system', 'app=istiod');
      return found.length === 1 && !ready(found[0] as PodJson) ? found : undefined;
    });
    const table = await kubectl(sim, ['get', 'pod', istiod?.metadata.name ?? '', '-n', 'istio-system']);
    expect(table.stdout).toMatch(/\s0\/1\s+Running\s/);
    const run = await kubectl(sim, ['run', 'probe2', '--image=curlimages/curl', '-n', 'bookinfo'], { reject: false });
    expect(run.stderr).toContain(`Error from server (InternalError): ${refusal}`);
    // A deployment's test Job cannot start its pod either: the Job controller records FailedCreate and retries.
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'test-reviews' },
      spec: {
        backoffLimit: 0,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 't', image: 'curl' }] } },
      },
    };
    expect((await api(sim, 'POST', '/apis/batch/v1/namespaces/bookinfo/jobs', job)).status).toBe(201);
    const jobEvents = await eventually(async () => {
      const res = await kubectl(sim, [
        'get',
        'events',
        '-n',
        'bookinfo',
        '--field-selector',
        'involvedObject.kind=Job,reason=FailedCreate',
      ]);
      return res.stdout.includes('job/test-reviews') ? res.stdout : undefined;
    });
    expect(jobEvents).toContain(`Error creating: ${refusal}`);

    sim.faults.clear();
    await kubectl(sim, [
      'wait',
      '--for=condition=Ready',
      'pod',
      '-l',
      'app=istiod',
      '-n',
      'istio-system',
      '--timeout=60s',
    ]);
    await kubectl(sim, ['wait', '--for=condition=Complete', 'job/test-reviews', '-n', 'bookinfo', '--timeout=60s']);
    await kubectl(sim, ['run', 'probe2', '--image=curlimages/curl', '-n', 'bookinfo']);
    const created = await pods(sim, 'bookinfo', 'run=probe2');
    expect(created.map(proxyImage)).toEqual(['docker.io/istio/proxyv2:1.26.4']);
  });
});

describe('the new fault and scenario fields refuse bad input by name', () => {
  it('names the field of a misspelt or missing value, and starts nothing', () => {
    expect(() => loadScenario(bookinfo({ faults: [{ kind: 'istiodUnavailable' } as never] }))).toThrow(
      /faults\[0\]\.revision: /,
    );
    expect(() =>
      loadScenario(bookinfo({ faults: [{ kind: 'nodeNotReady', node: 'node-1', minVersoin: '1.27.0' } as never] })),
    ).toThrow(/faults\[0\]: Unrecognized key: "minVersoin"/);
    const scenario = bookinfo();
    const [ns] = scenario.namespaces ?? [];
    if (ns) ns.deployments = [{ name: 'reviews-v1', terminationGracePeriodSeconds: -1 }];
    expect(() => loadScenario(scenario)).toThrow(/namespaces\[0\]\.deployments\[0\]\.terminationGracePeriodSeconds: /);
  });
});
