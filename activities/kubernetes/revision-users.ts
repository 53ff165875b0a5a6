/**
 * The two questions a canary asks of the data plane: does every proxy in these namespaces (and
 * these gateways) now run the new version from the new revision, and does anything still use
 * the old revision right before it is removed. Answers are bounded lists of names, never whole
 * objects, so they fit in history whatever the size of the mesh.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { read } from './call.js';
import type { KubeClients } from './clients.js';
import { injectedRevision, isLivePod, istioProxy, proxyVersionsUnlike } from './images.js';

/** How many offenders a result names; the count says how many there are in all. */
const MAX_NAMED = 25;

export interface CheckProxiesInput {
  namespaces: string[];
  /** Gateways and waypoints as `namespace/name` (their pods carry the Deployment name in `app` or `gateway.networking.k8s.io/gateway-name`). */
  gateways: string[];
  version: string;
  /** The revision that must have injected them; null accepts any. */
  revision: string | null;
  /** Deployments left out of the upgrade (`namespace/name`): their proxies stay as they are. */
  exclude?: string[];
}

export interface ProxyCheck {
  checked: number;
  /** "bookinfo/reviews-v2-abc12: 1.26.4 from default", at most a few dozen. */
  wrong: string[];
  wrongCount: number;
}

export interface RevisionUsers {
  /** "Pod bookinfo/reviews-v2-abc12", "Namespace legacy (istio.io/rev=1-26-4)", "Tag prod-stable". */
  users: string[];
  count: number;
}

/** The Deployment that owns a pod, through its ReplicaSet (`<deployment>-<pod-template-hash>`). */
export function owningDeployment(pod: V1Pod): string | null {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller === true) ?? pod.metadata?.ownerReferences?.[0];
  if (owner === undefined) return null;
  if (owner.kind === 'Deployment') return owner.name;
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash !== undefined && owner.name.endsWith(`-${hash}`))
    return owner.name.slice(0, -hash.length - 1);
  return null;
}

function bounded(items: string[]): { named: string[]; count: number } {
  return { named: items.slice(0, MAX_NAMED), count: items.length };
}

export function createRevisionUserActivities(clients: KubeClients) {
  const podsIn = async (namespace: string): Promise<V1Pod[]> =>
    (await read(`list pods in ${namespace}`, () => clients.core.listNamespacedPod({ namespace }))).items.filter(
      isLivePod,
    );

  return {
    checkProxies: async (input: CheckProxiesInput): Promise<ProxyCheck> => {
      const gatewayNames = new Set(input.gateways);
      const excluded = new Set(input.exclude ?? []);
      const namespaces = [
        ...new Set([...input.namespaces, ...input.gateways.map((g) => g.split('/')[0] ?? '')]),
      ].filter((n) => n !== '');
      const wrong: string[] = [];
      let checked = 0;
      for (const namespace of namespaces) {
        for (const pod of await podsIn(namespace)) {
          const labels = pod.metadata?.labels ?? {};
          const owner =
            labels['gateway.networking.k8s.io/gateway-name'] ?? labels.app ?? labels['istio.io/gateway-name'];
          const isGateway = owner !== undefined && gatewayNames.has(`${namespace}/${owner}`);
          if (!input.namespaces.includes(namespace) && !isGateway) continue;
          if (excluded.has(`${namespace}/${owningDeployment(pod) ?? ''}`)) continue;
          const proxy = istioProxy(pod.spec);
          // Ambient pods and opted-out pods have no proxy of their own: nothing to check on them.
          if (proxy === null) continue;
          checked += 1;
          // Every proxy container counts: one left on the old version beside a new one is not upgraded.
          const unlike = proxyVersionsUnlike(pod.spec, input.version);
          const revision = injectedRevision(pod.metadata);
          if (unlike !== null || (input.revision !== null && revision !== input.revision)) {
            wrong.push(
              `${namespace}/${pod.metadata?.name ?? '?'}: ${unlike ?? input.version} from ${revision ?? 'no revision'}`,
            );
          }
        }
      }
      const { named, count } = bounded(wrong);
      return { checked, wrong: named, wrongCount: count };
    },

    /**
     * Everything that would break if `revision` went now: pods it injected (gateways included),
     * namespaces labelled with it, revision tags pointing at it, and for the revision-less
     * `default` the `istio-injection=enabled` namespaces no default tag serves elsewhere.
     */
    revisionUsers: async (input: { revision: string }): Promise<RevisionUsers> => {
      const pods = await read('list pods', () => clients.core.listPodForAllNamespaces());
      const users = pods.items
        .filter(
          (pod) => isLivePod(pod) && istioProxy(pod.spec) !== null && injectedRevision(pod.metadata) === input.revision,
        )
        .map((pod) => `Pod ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`);
      const namespaces = await read('list namespaces', () => clients.core.listNamespace());
      const webhooks = await read('list revision tags', () =>
        clients.admission.listMutatingWebhookConfiguration({ labelSelector: 'istio.io/tag' }),
      );
      const tags = webhooks.items.map((w) => ({
        tag: w.metadata?.labels?.['istio.io/tag'] ?? '',
        revision: w.metadata?.labels?.['istio.io/rev'] ?? '',
      }));
      for (const tag of tags) if (tag.revision === input.revision) users.push(`Tag ${tag.tag}`);
      const defaultElsewhere = tags.some((tag) => tag.tag === 'default' && tag.revision !== input.revision);
      for (const ns of namespaces.items) {
        const labels = ns.metadata?.labels ?? {};
        const name = ns.metadata?.name ?? '';
        if (labels['istio.io/rev'] === input.revision) users.push(`Namespace ${name} (istio.io/rev=${input.revision})`);
        else if (
          input.revision === 'default' &&
          labels['istio-injection'] === 'enabled' &&
          labels['istio.io/rev'] === undefined &&
          !defaultElsewhere
        ) {
          users.push(`Namespace ${name} (istio-injection=enabled)`);
        }
      }
      const { named, count } = bounded(users);
      return { users: named, count };
    },
  };
}
