/**
 * What a stalled rollout is stuck on, from the workload, its pods and their Events as listed:
 * the node, the pod, the reason and the latest Warning, the way an operator would find them with
 * `kubectl describe`.
 */
import type { CoreV1Event, V1DaemonSet, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { describeStuck } from '../../../activities/kubernetes/rollout-stuck.js';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000);

const daemonSet: V1DaemonSet = {
  metadata: { name: 'ztunnel', namespace: 'istio-system' },
  spec: {
    selector: { matchLabels: { app: 'ztunnel' } },
    template: { spec: { containers: [{ name: 'istio-proxy', image: 'docker.io/istio/ztunnel:1.27.3' }] } },
  },
};

function pod(
  name: string,
  node: string | undefined,
  options: { ready?: boolean; image?: string; waiting?: string; age?: number; unschedulable?: boolean } = {},
): V1Pod {
  return {
    metadata: { name, namespace: 'istio-system', uid: `uid-${name}`, creationTimestamp: ago(options.age ?? 60) },
    spec: {
      ...(node !== undefined && { nodeName: node }),
      containers: [{ name: 'istio-proxy', image: options.image ?? 'docker.io/istio/ztunnel:1.27.3' }],
    },
    status: {
      phase: options.ready === false ? 'Pending' : 'Running',
      conditions: [
        { type: 'Ready', status: options.ready === false ? 'False' : 'True' },
        ...(options.unschedulable ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] : []),
      ],
      containerStatuses: [
        {
          name: 'istio-proxy',
          image: options.image ?? '',
          imageID: '',
          ready: options.ready !== false,
          restartCount: 0,
          ...(options.waiting && { state: { waiting: { reason: options.waiting } } }),
        },
      ],
    },
  };
}

function warning(podName: string, reason: string, message: string, secondsAgo: number): CoreV1Event {
  return {
    metadata: { name: `${podName}.${secondsAgo}` },
    involvedObject: { kind: 'Pod', name: podName, uid: `uid-${podName}` },
    type: 'Warning',
    reason,
    message,
    lastTimestamp: ago(secondsAgo),
  };
}

const progress = { desired: 3, updated: 2, available: 2 };

describe('describeStuck', () => {
  it('names node-2, its ztunnel pod, ContainerCreating for 6m and the latest FailedCreatePodSandBox Warning', () => {
    const result = describeStuck({
      label: 'ztunnel',
      version: '1.27.3',
      workload: { kind: 'DaemonSet', object: daemonSet },
      progress,
      pods: [
        pod('ztunnel-aaaaa', 'node-1'),
        pod('ztunnel-abcde', 'node-2', { ready: false, waiting: 'ContainerCreating', age: 360 }),
        pod('ztunnel-old33', 'node-3', { image: 'docker.io/istio/ztunnel:1.26.4' }),
      ],
      events: [
        warning('ztunnel-abcde', 'FailedCreatePodSandBox', 'failed to setup network for sandbox: cni not ready', 300),
        warning('ztunnel-abcde', 'FailedCreatePodSandBox', 'rpc error: code = DeadlineExceeded', 20),
        warning('ztunnel-aaaaa', 'BackOff', 'not this pod', 10),
        { ...warning('ztunnel-abcde', 'Scheduled', 'a Normal event is not a reason', 5), type: 'Normal' },
      ],
      now: NOW,
    });
    // The old pod on node-3 only waits its turn behind node-2: it is not named.
    expect(result.message).toBe(
      'ztunnel: 2/3 nodes on 1.27.3; node-2: ztunnel-abcde ContainerCreating for 6m (FailedCreatePodSandBox: rpc error: code = DeadlineExceeded)',
    );
    expect(result.pods).toEqual([
      {
        pod: 'ztunnel-abcde',
        node: 'node-2',
        reason: 'ContainerCreating',
        seconds: 360,
        event: 'FailedCreatePodSandBox: rpc error: code = DeadlineExceeded',
      },
    ]);
  });

  it('names a pod with no node as Unschedulable, and the longest-waiting pods first, five at most', () => {
    const pending = Array.from({ length: 6 }, (_, i) =>
      pod(`ztunnel-p${i}`, `node-${i + 1}`, { ready: false, waiting: 'ImagePullBackOff', age: 100 + i }),
    );
    const result = describeStuck({
      label: 'ztunnel',
      version: '1.27.3',
      workload: { kind: 'DaemonSet', object: daemonSet },
      progress: { desired: 7, updated: 0, available: 0 },
      pods: [...pending, pod('ztunnel-nonode', undefined, { ready: false, unschedulable: true, age: 900 })],
      events: [warning('ztunnel-nonode', 'FailedScheduling', '0/7 nodes are available: 1 Insufficient cpu', 30)],
      now: NOW,
    });
    expect(result.message).toBe(
      'ztunnel: 0/7 nodes on 1.27.3; no node: ztunnel-nonode Unschedulable for 15m (FailedScheduling: 0/7 nodes are available: 1 Insufficient cpu); node-6: ztunnel-p5 ImagePullBackOff for 1m45s; node-5: ztunnel-p4 ImagePullBackOff for 1m44s; node-4: ztunnel-p3 ImagePullBackOff for 1m43s; node-3: ztunnel-p2 ImagePullBackOff for 1m42s; and 2 more',
    );
    expect(result.pods).toHaveLength(7);
  });

  it('names the DaemonSet pods still on the old template when every pod is ready', () => {
    const result = describeStuck({
      label: 'istio-cni',
      version: '1.27.3',
      workload: { kind: 'DaemonSet', object: daemonSet },
      progress,
      pods: [pod('cni-new', 'node-1'), pod('cni-old', 'node-3', { image: 'docker.io/istio/ztunnel:1.26.4', age: 600 })],
      events: [],
      now: NOW,
    });
    expect(result.message).toBe('istio-cni: 2/3 nodes on 1.27.3; node-3: cni-old Running an older template for 10m');
  });

  it('says so when every pod of a Deployment is ready and only the controller is behind', () => {
    const deployment: V1Deployment = {
      metadata: { name: 'istio-ingressgateway', namespace: 'istio-ingress' },
      spec: { selector: { matchLabels: { app: 'istio-ingressgateway' } }, template: {} },
    };
    const result = describeStuck({
      label: 'gateway istio-ingress/istio-ingressgateway',
      version: null,
      workload: { kind: 'Deployment', object: deployment },
      progress: { desired: 2, updated: 1, available: 2 },
      pods: [pod('gw-1', 'node-1'), pod('gw-2', 'node-2')],
      events: [],
      now: NOW,
    });
    expect(result).toEqual({
      message:
        'gateway istio-ingress/istio-ingressgateway: 1/2 replicas updated; every pod is ready: waiting for the controller',
      pods: [],
    });
  });

  it('counts the age on the cluster clock when the cluster runs ahead of ours', () => {
    const result = describeStuck({
      label: 'ztunnel',
      version: '1.27.3',
      workload: { kind: 'DaemonSet', object: daemonSet },
      progress,
      pods: [pod('ztunnel-abcde', 'node-2', { ready: false, waiting: 'ContainerCreating', age: -600 })],
      events: [warning('ztunnel-abcde', 'FailedCreatePodSandBox', 'cni not ready', -900)],
      now: NOW,
    });
    expect(result.pods[0]?.seconds).toBe(300);
  });
});
