import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createComponentActivities, workloadVerdict } from '../../../activities/kubernetes/components.js';
import { startCluster, type SimCluster } from '../support/sim.js';

const istiod = (image: string, status: V1Deployment['status'], generation = 2): V1Deployment => ({
  metadata: { namespace: 'istio-system', name: 'istiod-1-28-3', generation },
  spec: {
    replicas: 2,
    selector: {},
    template: { spec: { containers: [{ name: 'discovery', image }] } },
  },
  status,
});

const ztunnel = (image: string, status: V1DaemonSet['status']): V1DaemonSet => ({
  metadata: { namespace: 'istio-system', name: 'ztunnel', generation: 5 },
  spec: { selector: {}, template: { spec: { containers: [{ name: 'istio-proxy', image }] } } },
  status,
});

const rolledOut = { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 };

describe('what an install step produced, judged from the workload', () => {
  it('passes istiod when every container runs the version and every replica is updated and available', () => {
    expect(
      workloadVerdict(
        'istiod 1-28-3',
        { kind: 'Deployment', object: istiod('docker.io/istio/pilot:1.28.3', rolledOut) },
        '1.28.3',
      ),
    ).toEqual({ ok: true, message: 'istiod 1-28-3 (istio-system/istiod-1-28-3) 1.28.3, 2/2 available' });
  });

  it('names both versions when istiod runs another patch (a wrong istioctl installed it)', () => {
    const verdict = workloadVerdict(
      'istiod 1-28-3',
      { kind: 'Deployment', object: istiod('docker.io/istio/pilot:1.28.0-distroless', rolledOut) },
      '1.28.3',
    );
    expect(verdict).toEqual({
      ok: false,
      message: 'istiod 1-28-3 (istio-system/istiod-1-28-3) runs 1.28.0, expected 1.28.3',
    });
  });

  it('refuses a Deployment whose controller has not seen the change yet, or whose replicas are not all available', () => {
    const stale = istiod('docker.io/istio/pilot:1.28.3', { ...rolledOut, observedGeneration: 1 });
    expect(workloadVerdict('istiod 1-28-3', { kind: 'Deployment', object: stale }, '1.28.3').ok).toBe(false);
    const oneDown = istiod('docker.io/istio/pilot:1.28.3', { ...rolledOut, availableReplicas: 1 });
    expect(workloadVerdict('istiod 1-28-3', { kind: 'Deployment', object: oneDown }, '1.28.3').message).toBe(
      'istiod 1-28-3 (istio-system/istiod-1-28-3) runs 1.28.3 but is not available: 1/2 ready',
    );
  });

  it('counts a DaemonSet node by node: 2/3 updated is not done', () => {
    const status = {
      observedGeneration: 5,
      desiredNumberScheduled: 3,
      updatedNumberScheduled: 2,
      numberAvailable: 3,
      currentNumberScheduled: 3,
      numberMisscheduled: 0,
      numberReady: 3,
    };
    expect(
      workloadVerdict('ztunnel', { kind: 'DaemonSet', object: ztunnel('istio/ztunnel:1.28.3', status) }, '1.28.3')
        .message,
    ).toBe('ztunnel (istio-system/ztunnel) runs 1.28.3 but is not available: 2/3 ready');
    expect(
      workloadVerdict(
        'ztunnel',
        { kind: 'DaemonSet', object: ztunnel('istio/ztunnel:1.28.3', { ...status, updatedNumberScheduled: 3 }) },
        '1.28.3',
      ).ok,
    ).toBe(true);
  });

  it('does not take an image without a version tag as proof of anything', () => {
    expect(
      workloadVerdict(
        'istiod 1-28-3',
        { kind: 'Deployment', object: istiod('istio/pilot@sha256:abc', rolledOut) },
        '1.28.3',
      ),
    ).toEqual({
      ok: false,
      message: 'istiod 1-28-3 (istio-system/istiod-1-28-3) has no container image with a version tag',
    });
  });
});

describe('reading it back from the simulated cluster', () => {
  let cluster: SimCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('finds istiod by revision label and the node agents by name, with a list each and no write', async () => {
    cluster = await startCluster('ambientSail');
    const { verifyWorkloads } = createComponentActivities(cluster.clients);
    const writes = cluster.sim.writeLog.length;
    const revisions = cluster.sim
      .list('deployments', 'istio-system')
      .filter((d) => d.metadata.labels?.app === 'istiod');
    const revision = revisions[0]?.metadata.labels?.['istio.io/rev'] ?? '';
    const zt = cluster.sim.list('daemonsets').find((d) => d.metadata.name === 'ztunnel')?.metadata.namespace ?? '';
    const result = await verifyWorkloads({
      version: '1.26.4',
      workloads: [
        {
          kind: 'Deployment',
          namespace: 'istio-system',
          name: null,
          selector: { app: 'istiod', 'istio.io/rev': revision },
          label: `istiod ${revision}`,
        },
        { kind: 'DaemonSet', namespace: zt, name: 'ztunnel', selector: null, label: 'ztunnel' },
      ],
    });
    expect(result.wrong).toEqual([]);
    expect(result.checked).toHaveLength(2);
    expect(result.checked[1]).toBe(`ztunnel (${zt}/ztunnel) 1.26.4, 3/3 available`);

    const wrong = await verifyWorkloads({
      version: '1.27.3',
      workloads: [
        {
          kind: 'Deployment',
          namespace: 'istio-system',
          name: null,
          selector: { app: 'istiod', 'istio.io/rev': 'no-such-revision' },
          label: 'istiod no-such-revision',
        },
        { kind: 'DaemonSet', namespace: zt, name: 'ztunnel', selector: null, label: 'ztunnel' },
      ],
    });
    expect(wrong.wrong).toEqual([
      'istiod no-such-revision: no Deployment app=istiod,istio.io/rev=no-such-revision in istio-system',
      `ztunnel (${zt}/ztunnel) runs 1.26.4, expected 1.27.3`,
    ]);
    expect(cluster.sim.writeLog.length).toBe(writes);
  });
});
