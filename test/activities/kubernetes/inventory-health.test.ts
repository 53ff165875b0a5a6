import { describe, expect, it } from 'vitest';
import type { CoreV1Event, V1DaemonSet, V1Pod } from '@kubernetes/client-node';
import {
  eventNamespaces,
  inventoryOf,
  keep,
  notReadyReason,
  type InventoryLists,
} from '../../../activities/kubernetes/inventory-mapping.js';

const CP = 'istio-system';
const AT = { controlPlaneNamespace: CP, context: null, observedAt: '2025-06-01T12:00:00.000Z' };
const LABELS = { 'k8s-app': 'ztunnel' };

function lists(parts: Partial<InventoryLists>): InventoryLists {
  return {
    namespaces: [],
    deployments: [],
    pods: [],
    daemonSets: [],
    configMaps: [],
    podDisruptionBudgets: [],
    mutatingWebhooks: [],
    validatingWebhooks: [],
    services: [],
    helmReleases: [],
    gateways: [],
    sail: null,
    ...parts,
  };
}

const ztunnelDs: V1DaemonSet = {
  metadata: { namespace: CP, name: 'ztunnel' },
  spec: {
    selector: { matchLabels: LABELS },
    template: { spec: { containers: [{ name: 'istio-proxy', image: 'docker.io/istio/ztunnel:1.27.3' }] } },
  },
  status: {
    currentNumberScheduled: 3,
    desiredNumberScheduled: 3,
    numberMisscheduled: 0,
    numberReady: 2,
    updatedNumberScheduled: 2,
  },
};

function ztunnelPod(name: string, node: string, status: V1Pod['status'], scheduled = true): V1Pod {
  return {
    metadata: { namespace: CP, name, labels: LABELS },
    spec: {
      containers: [{ name: 'istio-proxy' }],
      ...(scheduled
        ? { nodeName: node }
        : {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
                },
              },
            },
          }),
    },
    status,
  };
}

const READY = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
const waiting = (reason: string, phase = 'Pending'): V1Pod['status'] => ({
  phase,
  conditions: [{ type: 'Ready', status: 'False' }],
  containerStatuses: [
    { name: 'istio-proxy', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason } } },
  ],
});

function warning(pod: string, reason: string, message: string, at: string): CoreV1Event {
  return {
    metadata: { namespace: CP, name: `${pod}.${reason}` },
    involvedObject: { kind: 'Pod', namespace: CP, name: pod },
    type: 'Warning',
    reason,
    message,
    lastTimestamp: new Date(at),
  };
}

describe('the health of node agents, with node, pod and reason', () => {
  it('names the ztunnel pod stuck on node-2 with its latest telling Warning Event, and one that cannot be scheduled by its pinned node', () => {
    const pods = [
      ztunnelPod('ztunnel-aaaaa', 'node-1', READY),
      ztunnelPod('ztunnel-bbbbb', 'node-2', waiting('ContainerCreating')),
      ztunnelPod(
        'ztunnel-ccccc',
        'node-3',
        { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
        false,
      ),
    ];
    const events = [
      warning('ztunnel-bbbbb', 'FailedCreatePodSandBox', 'failed to create pod sandbox: first', '2025-06-01T11:50:00Z'),
      warning(
        'ztunnel-bbbbb',
        'FailedCreatePodSandBox',
        'failed to create pod sandbox: latest',
        '2025-06-01T11:58:00Z',
      ),
      warning('ztunnel-bbbbb', 'Failed', 'Error: ContainerCreating', '2025-06-01T11:59:00Z'),
      warning('istiod-x', 'BackOff', 'not a ztunnel pod', '2025-06-01T11:59:30Z'),
    ].map(keep.event);
    const inventory = inventoryOf(
      lists({
        daemonSets: [ztunnelDs],
        pods: pods.map(keep.pod),
        events: events.filter((e) => e !== null),
      }),
      AT,
    );
    expect(inventory.ztunnel?.health).toEqual({
      desired: 3,
      ready: 2,
      updated: 2,
      unready: [
        {
          pod: 'ztunnel-bbbbb',
          node: 'node-2',
          reason: 'ContainerCreating',
          event: 'FailedCreatePodSandBox: failed to create pod sandbox: latest',
        },
        { pod: 'ztunnel-ccccc', node: 'node-3', reason: 'Unschedulable', event: null },
      ],
    });
    expect(eventNamespaces(inventory)).toEqual([CP]);
  });

  it.each<[string, V1Pod['status'], string]>([
    ['waiting on its image', waiting('ImagePullBackOff'), 'ImagePullBackOff'],
    ['in a crash loop', waiting('CrashLoopBackOff', 'Running'), 'CrashLoopBackOff'],
    ['running but unready (a failing probe, or its node stopped reporting)', { phase: 'Running' }, 'NotReady'],
    ['pending with nothing to say yet', { phase: 'Pending' }, 'Pending'],
    [
      'unschedulable',
      { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
      'Unschedulable',
    ],
  ])('reads the reason of a pod %s', (_name, status, reason) => {
    expect(notReadyReason(ztunnelPod('ztunnel-x', 'node-1', status))).toBe(reason);
  });

  it('keeps only Warning Events about pods', () => {
    const normal = { ...warning('ztunnel-x', 'Pulled', 'ok', '2025-06-01T11:00:00Z'), type: 'Normal' };
    const aboutNode = {
      ...warning('node-2', 'NodeNotReady', 'x', '2025-06-01T11:00:00Z'),
      involvedObject: { kind: 'Node', name: 'node-2' },
    };
    expect([normal, aboutNode].map(keep.event)).toEqual([null, null]);
  });
});
