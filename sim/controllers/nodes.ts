/**
 * Node choice for new pods: round-robin over Ready, schedulable nodes that satisfy the pod's
 * nodeSelector. No resources, and of affinity only the DaemonSet controller's pin to one node:
 * the runbooks care which node a pod lands on only for node-local components (ztunnel, CNI).
 */
import { T } from '../api/resources.js';
import type { Store } from '../api/store.js';
import type { KubeObject } from '../api/object.js';
import { readPath } from '../api/object.js';

export function schedulableNodes(store: Store, nodeSelector?: Record<string, string>): KubeObject[] {
  return store
    .list(T.nodes)
    .filter((n) => readPath(n, 'spec.unschedulable') !== true)
    .filter((n) => Object.entries(nodeSelector ?? {}).every(([k, v]) => n.metadata.labels?.[k] === v))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** Whether the node's Ready condition is True: a NotReady node is tainted, so the scheduler passes it by. */
export function isNodeReady(node: KubeObject): boolean {
  const conditions = readPath(node, 'status.conditions');
  return (
    Array.isArray(conditions) &&
    conditions.some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True')
  );
}

/**
 * The node affinity the DaemonSet controller gives each pod (since Kubernetes 1.12 the default
 * scheduler binds DaemonSet pods): the pod names its node before it is scheduled, and keeps
 * naming it when it cannot be.
 */
export function nodeAffinityFor(node: string): Record<string, unknown> {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
      },
    },
  };
}

interface AffinityPod {
  spec?: { nodeName?: string; affinity?: unknown };
}

/** The node a pod runs on, or the one its node affinity pins it to while it is not scheduled. */
export function targetNode(pod: AffinityPod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const affinity = pod.spec?.affinity as
    | {
        nodeAffinity?: {
          requiredDuringSchedulingIgnoredDuringExecution?: {
            nodeSelectorTerms?: Array<{ matchFields?: Array<{ key?: string; operator?: string; values?: string[] }> }>;
          };
        };
      }
    | undefined;
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms)
    for (const field of term.matchFields ?? [])
      if (field.key === 'metadata.name' && field.operator === 'In' && field.values?.length === 1)
        return field.values[0];
  return undefined;
}

let cursor = 0;

export function pickNode(store: Store, nodeSelector?: Record<string, string>): string | undefined {
  const nodes = schedulableNodes(store, nodeSelector).filter(isNodeReady);
  if (nodes.length === 0) return undefined;
  cursor = (cursor + 1) % nodes.length;
  return nodes[cursor]?.metadata.name;
}
