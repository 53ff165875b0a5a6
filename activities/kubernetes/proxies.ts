/**
 * Which proxies still run on a revision: the question before an old revision may be removed.
 * One paged list of all pods answers it (gateways included): the injector records the revision
 * in an annotation, which a label selector cannot match, so the filtering happens here. A pod's
 * owner is reported as its workload: a Deployment's pods are owned by a ReplicaSet, so the
 * ReplicaSet's own owner is looked up (ReplicaSets listed as metadata only).
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';
import { byNamespaceThenName, injectedRevision, istioProxy, versionFromImage } from './images.js';
import { listAll, metadataOnly } from './list-all.js';

export interface ProxyOnRevision {
  namespace: string;
  /** The pod name. */
  name: string;
  /** Owning workload as `Kind/name`: `Deployment/reviews-v2` (through its ReplicaSet), `DaemonSet/…`, or the direct owner. */
  owner: string | null;
  version: string | null;
}

function controller(metadata: V1ObjectMeta | undefined): { kind: string; name: string } | undefined {
  return metadata?.ownerReferences?.find((o) => o.controller === true) ?? metadata?.ownerReferences?.[0];
}

export function createProxyActivities(clients: KubeClients) {
  return {
    listProxiesOnRevision: async (input: { revision: string }): Promise<ProxyOnRevision[]> => {
      const proxies = (
        await listAll(
          `list pods on revision ${input.revision}`,
          (page) => clients.core.listPodForAllNamespaces(page),
          (pod) => {
            if (injectedRevision(pod.metadata) !== input.revision) return null;
            if (
              pod.metadata?.deletionTimestamp !== undefined ||
              pod.status?.phase === 'Succeeded' ||
              pod.status?.phase === 'Failed'
            )
              return null;
            const proxy = istioProxy(pod.spec);
            if (proxy === null) return null;
            return {
              namespace: pod.metadata?.namespace ?? '',
              name: pod.metadata?.name ?? '',
              owner: controller(pod.metadata) ?? null,
              version: versionFromImage(proxy.container.image),
            };
          },
        )
      ).filter((p) => p !== null);
      const viaReplicaSet = proxies.some((p) => p.owner?.kind === 'ReplicaSet');
      const replicaSetOwners = new Map<string, { kind: string; name: string }>();
      if (viaReplicaSet) {
        const owners = await listAll(
          'list replica sets',
          (page) => clients.apps.listReplicaSetForAllNamespaces(page, metadataOnly),
          (rs) => [`${rs.metadata?.namespace ?? ''}/${rs.metadata?.name ?? ''}`, controller(rs.metadata)] as const,
        );
        for (const [key, owner] of owners) if (owner !== undefined) replicaSetOwners.set(key, owner);
      }
      return proxies
        .map((p) => {
          const owner =
            p.owner?.kind === 'ReplicaSet'
              ? (replicaSetOwners.get(`${p.namespace}/${p.owner.name}`) ?? p.owner)
              : p.owner;
          return {
            namespace: p.namespace,
            name: p.name,
            owner: owner === null ? null : `${owner.kind}/${owner.name}`,
            version: p.version,
          };
        })
        .sort(byNamespaceThenName);
    },
  };
}
