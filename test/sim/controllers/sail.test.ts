import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../sim/api/object.js';
import { startSim, type Sim } from '../../../sim/index.js';
import { eventually, kubectl } from '../support.js';

const condition = (o: KubeObject | undefined, type: string): string | undefined =>
  (o?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions?.find(
    (c) => c.type === type,
  )?.status;

describe('the Sail operator, revision-based, sidecar mode', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({
      scenario: {
        name: 'sail-sidecar',
        timing: { podReadySeconds: 2, jobRunSeconds: 2 },
        nodes: 2,
        istio: {
          installer: 'sail',
          version: '1.26.4',
          sail: { updateStrategy: 'RevisionBased', inactiveRevisionDeletionGracePeriodSeconds: 120 },
        },
        namespaces: [
          {
            name: 'bookinfo',
            labels: { 'istio.io/rev': 'default-v1-26-4' },
            deployments: [{ name: 'reviews-v1', replicas: 2 }],
          },
        ],
      },
      timeScale: 50,
    });
  });
  afterAll(async () => sim.stop());

  it('creates default-v1-27-1 beside the old revision, keeps the old one while in use, then prunes it after the grace period', async () => {
    await kubectl(sim, ['patch', 'istio', 'default', '--type=merge', '-p', '{"spec":{"version":"v1.27.1"}}']);
    const fresh = await eventually(() => {
      const r = sim.get('istiorevisions', undefined, 'default-v1-27-1');
      return condition(r, 'Ready') === 'True' ? r : undefined;
    });
    expect(fresh.spec).toMatchObject({ version: 'v1.27.1' });
    expect(sim.get('istios', undefined, 'default')?.status).toMatchObject({
      activeRevisionName: 'default-v1-27-1',
      revisions: { total: 2 },
    });
    expect(condition(sim.get('istiorevisions', undefined, 'default-v1-26-4'), 'InUse')).toBe('True');

    // Move the namespace and restart: nothing references 1.26 any more once the old pods have
    // terminated (30 sim-seconds), and 120 sim-seconds later it is gone.
    await kubectl(sim, ['label', 'ns', 'bookinfo', 'istio.io/rev=default-v1-27-1', '--overwrite']);
    await kubectl(sim, ['rollout', 'restart', 'deployment/reviews-v1', '-n', 'bookinfo']);
    await kubectl(sim, ['rollout', 'status', 'deployment/reviews-v1', '-n', 'bookinfo', '--timeout=30s']);
    expect(sim.get('istiorevisions', undefined, 'default-v1-26-4')).toBeDefined();
    await eventually(() => sim.get('istiorevisions', undefined, 'default-v1-26-4') === undefined, 15_000);
    expect(sim.get('deployments', 'istio-system', 'istiod-default-v1-26-4')).toBeUndefined();
    const images = sim
      .list('pods', 'bookinfo')
      .map((p) => (p.spec as { initContainers?: Array<{ image: string }> }).initContainers?.[0]?.image);
    expect(images).toEqual(['docker.io/istio/proxyv2:1.27.1', 'docker.io/istio/proxyv2:1.27.1']);
  });
});

describe('the Sail operator, ambient', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ scenario: 'sim/scenarios/ambient-sail-1.26.yaml', timeScale: 50 });
  });
  afterAll(async () => sim.stop());

  it('moves the waypoint with the default tag when the control plane is upgraded', async () => {
    await kubectl(sim, ['patch', 'istio', 'default', '--type=merge', '-p', '{"spec":{"version":"v1.27.1"}}']);
    await eventually(() => {
      const w = sim.get('deployments', 'bookinfo', 'waypoint') as
        { spec: { template: { spec: { containers: Array<{ image: string }> } } } } | undefined;
      return w?.spec.template.spec.containers[0]?.image === 'docker.io/istio/proxyv2:1.27.1';
    });
    await kubectl(sim, ['rollout', 'status', 'deployment/waypoint', '-n', 'bookinfo', '--timeout=30s']);
    expect(sim.get('istiorevisiontags', undefined, 'default')?.status).toMatchObject({
      istioRevision: 'default-v1-27-1',
    });
  });
  it('upgrades ztunnel in place, node by node', async () => {
    await kubectl(sim, ['patch', 'ztunnel', 'default', '--type=merge', '-p', '{"spec":{"version":"v1.27.1"}}']);
    const status = await kubectl(sim, ['rollout', 'status', 'daemonset/ztunnel', '-n', 'ztunnel', '--timeout=30s']);
    expect(status.stdout).toContain('daemon set "ztunnel" successfully rolled out');
    await eventually(() => condition(sim.get('ztunnels', undefined, 'default'), 'Ready') === 'True');
    const images = sim
      .list('pods', 'ztunnel')
      .map((p) => (p.spec as { containers: Array<{ image: string }> }).containers[0]?.image);
    expect(new Set(images)).toEqual(new Set(['docker.io/istio/ztunnel:1.27.1']));
  });
});
