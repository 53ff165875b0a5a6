/**
 * Node choice for new pods: round-robin over Ready, schedulable nodes that satisfy the pod's
 * nodeSelector. No resources, no affinity: the runbooks care which node a pod lands on only for
 * node-local components (ztunnel, CNI).
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

let cursor = 0;

export function pickNode(store: Store, nodeSelector?: Record<string, string>): string | undefined {
  const nodes = schedulableNodes(store, nodeSelector);
  if (nodes.length === 0) return undefined;
  cursor = (cursor + 1) % nodes.length;
  return nodes[cursor]?.metadata.name;
}
