/**
 * Which proxies still run on a revision: the question before an old revision may be removed.
 * One list of all pods answers it (gateways included): the injector records the revision in an
 * annotation, which a label selector cannot match, so the filtering happens here.
 */
import { read } from './call.js';
import type { KubeClients } from './clients.js';
import { byNamespaceThenName, injectedRevision, istioProxy, versionFromImage } from './images.js';

export interface ProxyOnRevision {
  namespace: string;
  /** The pod name. */
  name: string;
  /** Owning workload as `Kind/name` (a ReplicaSet's name carries its Deployment's). */
  owner: string | null;
  version: string | null;
}

export function createProxyActivities(clients: KubeClients) {
  return {
    listProxiesOnRevision: async (input: { revision: string }): Promise<ProxyOnRevision[]> => {
      const pods = await read(`list pods on revision ${input.revision}`, () => clients.core.listPodForAllNamespaces());
      return pods.items
        .filter((pod) => injectedRevision(pod.metadata) === input.revision)
        .filter((pod) => pod.metadata?.deletionTimestamp === undefined && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed')
        .flatMap((pod) => {
          const proxy = istioProxy(pod.spec);
          if (proxy === null) return [];
          const owner = pod.metadata?.ownerReferences?.find((o) => o.controller === true) ?? pod.metadata?.ownerReferences?.[0];
          return [
            {
              namespace: pod.metadata?.namespace ?? '',
              name: pod.metadata?.name ?? '',
              owner: owner === undefined ? null : `${owner.kind}/${owner.name}`,
              version: versionFromImage(proxy.container.image),
            },
          ];
        })
        .sort(byNamespaceThenName);
    },
  };
}
