/**
 * Which workload a pod belongs to. On a real cluster a Deployment's pods are owned by one of
 * its ReplicaSets, so the Deployment is the owner's owner; faults and proxy versions are keyed
 * by the Deployment's name.
 */
import type { KubeObject } from '../api/object.js';
import type { Store } from '../api/store.js';
import { T } from '../api/resources.js';
import { controllerOf } from './shapes.js';

export function owningWorkload(store: Store, pod: KubeObject): { kind: string; name: string } | undefined {
  const owner = controllerOf(pod);
  if (owner?.kind !== 'ReplicaSet') return owner === undefined ? undefined : { kind: owner.kind, name: owner.name };
  const rs = store.get(T.replicasets, pod.metadata.namespace, owner.name);
  const deployment = rs === undefined ? undefined : controllerOf(rs);
  return deployment?.kind === 'Deployment'
    ? { kind: 'Deployment', name: deployment.name }
    : { kind: 'ReplicaSet', name: owner.name };
}
