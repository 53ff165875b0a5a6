/**
 * What `snapshot` reads from a cluster: the inventory the planner reads (the same reader, so a
 * snapshot sees the cluster as `plan` does) plus the fields a simulated copy needs and the
 * inventory leaves out: whole Deployment and DaemonSet specs, nodes, waypoints, Sail tags with
 * their targets. List calls only. Secrets are never read here (the
 * inventory lists Helm release Secrets as metadata only); ConfigMaps only through the inventory's
 * mesh config summary.
 */
import type { KubeConfig, V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import { createKubeClients } from '../../activities/kubernetes/clients.js';
import { optional } from '../../activities/kubernetes/call.js';
import { createInventoryActivities } from '../../activities/kubernetes/inventory.js';
import { listAll } from '../../activities/kubernetes/list-all.js';
import type { Inventory } from '../../core/inventory.js';

export interface Observation {
  inventory: Inventory;
  namespaces: { name: string; labels: Record<string, string> }[];
  nodes: { name: string; labels: Record<string, string> }[];
  deployments: V1Deployment[];
  daemonSets: V1DaemonSet[];
  /** Gateway API gateways: waypoints are the ones of class istio-waypoint. */
  gateways: { namespace: string; name: string; className: string; labels: Record<string, string> }[];
  /** Sail IstioRevisionTags with their spec.targetRef; empty when the Sail API is not served. */
  sailTags: { name: string; targetKind: string; targetName: string }[];
  /** The Sail `Istio` resource's spec.values.meshConfig.discoverySelectors, when set. */
  sailDiscoverySelectors: unknown[] | null;
  /** Namespaces of the Sail IstioCNI and ZTunnel (spec.namespace). */
  sailNodeAgentNamespaces: { cni: string | null; ztunnel: string | null };
}

interface CustomItem {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

export async function observeCluster(kubeConfig: KubeConfig, controlPlaneNamespace: string): Promise<Observation> {
  const clients = createKubeClients(kubeConfig);
  const custom = (group: string, plural: string) =>
    optional(
      `list ${plural}.${group}`,
      async () =>
        (await clients.custom.listClusterCustomObject({ group, version: 'v1', plural })) as { items?: CustomItem[] },
    );
  const [
    inventory,
    namespaces,
    nodes,
    deployments,
    daemonSets,
    gateways,
    sailTags,
    sailIstios,
    sailCnis,
    sailZtunnels,
  ] = await Promise.all([
    createInventoryActivities(clients).readInventory({ controlPlaneNamespace }),
    listAll(
      'list namespaces',
      (page) => clients.core.listNamespace(page),
      (n) => ({ name: n.metadata?.name ?? '', labels: { ...n.metadata?.labels } }),
    ),
    listAll(
      'list nodes',
      (page) => clients.core.listNode(page),
      (n) => ({ name: n.metadata?.name ?? '', labels: { ...n.metadata?.labels } }),
    ),
    listAll(
      'list deployments',
      (page) => clients.apps.listDeploymentForAllNamespaces(page),
      (d) => d,
    ),
    listAll(
      'list daemon sets',
      (page) => clients.apps.listDaemonSetForAllNamespaces(page),
      (d) => d,
    ),
    custom('gateway.networking.k8s.io', 'gateways'),
    custom('sailoperator.io', 'istiorevisiontags'),
    custom('sailoperator.io', 'istios'),
    custom('sailoperator.io', 'istiocnis'),
    custom('sailoperator.io', 'ztunnels'),
  ]);
  const sailIstio = sailIstios?.items?.find((i) => i.metadata?.name === 'default') ?? sailIstios?.items?.[0];
  const values = sailIstio?.spec?.values as { meshConfig?: { discoverySelectors?: unknown } } | undefined;
  const specNamespace = (items: CustomItem[] | undefined) => {
    const ns = items?.find((i) => i.metadata?.name === 'default')?.spec?.namespace;
    return typeof ns === 'string' ? ns : null;
  };
  return {
    inventory,
    namespaces,
    nodes,
    deployments,
    daemonSets,
    gateways: (gateways?.items ?? []).map((g) => ({
      namespace: g.metadata?.namespace ?? '',
      name: g.metadata?.name ?? '',
      className: typeof g.spec?.gatewayClassName === 'string' ? g.spec.gatewayClassName : '',
      labels: { ...g.metadata?.labels },
    })),
    sailTags: (sailTags?.items ?? []).map((t) => {
      const target = (t.spec?.targetRef ?? {}) as { kind?: string; name?: string };
      return { name: t.metadata?.name ?? '', targetKind: target.kind ?? '', targetName: target.name ?? '' };
    }),
    sailDiscoverySelectors: Array.isArray(values?.meshConfig?.discoverySelectors)
      ? values.meshConfig.discoverySelectors
      : null,
    sailNodeAgentNamespaces: { cni: specNamespace(sailCnis?.items), ztunnel: specNamespace(sailZtunnels?.items) },
  };
}
