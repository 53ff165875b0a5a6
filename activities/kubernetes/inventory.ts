/**
 * Reads what the planner needs: one paged list per resource type, cluster-wide, each page
 * reduced at once to the fields the Inventory names, then joined in memory by `inventoryOf`
 * (inventory-mapping.ts). Secrets are listed as metadata only: their data never reaches the worker.
 * Then Warning Events about pods, in the control plane's namespace and wherever a component has an
 * unready pod, so the inventory says why a pod is stuck.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Inventory } from '../../core/inventory.js';
import { optional, read } from './call.js';
import { listAll, metadataOnly } from './list-all.js';
import type { KubeClients } from './clients.js';
import { eventNamespaces, inventoryOf, keep, type GatewayObject, type SailLists } from './inventory-mapping.js';
import { SAIL_GROUP, SAIL_VERSION, type SailObject } from '../sail/resources.js';

export interface ReadInventoryInput {
  /** Where istiod runs; `istio-system` unless the spec says otherwise. */
  controlPlaneNamespace?: string;
}

interface CustomList<T> {
  items?: T[];
}

/** Null when the `Istio` kind is not served; a kind that is missing besides it lists as empty. */
async function listSail(clients: KubeClients): Promise<SailLists | null> {
  const list = (plural: string) =>
    optional(
      `list ${plural}.${SAIL_GROUP}`,
      async () =>
        (await clients.custom.listClusterCustomObject({
          group: SAIL_GROUP,
          version: SAIL_VERSION,
          plural,
        })) as CustomList<SailObject>,
    );
  const istios = await list('istios');
  if (istios === null) return null;
  const [revisions, revisionTags, cnis, ztunnels] = await Promise.all([
    list('istiorevisions'),
    list('istiorevisiontags'),
    list('istiocnis'),
    list('ztunnels'),
  ]);
  return {
    istios: istios.items ?? [],
    revisions: revisions?.items ?? [],
    revisionTags: revisionTags?.items ?? [],
    cnis: cnis?.items ?? [],
    ztunnels: ztunnels?.items ?? [],
  };
}

export function createInventoryActivities(clients: KubeClients) {
  return {
    readInventory: async (input: ReadInventoryInput = {}): Promise<Inventory> => {
      const cpNamespace = input.controlPlaneNamespace ?? 'istio-system';
      const [
        namespaces,
        deployments,
        pods,
        daemonSets,
        configMaps,
        pdbs,
        mutating,
        validating,
        services,
        helmReleases,
        sail,
        gatewayApi,
      ] = await Promise.all([
        listAll('list namespaces', (page) => clients.core.listNamespace(page), keep.namespace),
        listAll(
          'list deployments',
          (page) => clients.apps.listDeploymentForAllNamespaces(page),
          (d) => keep.deployment(d, cpNamespace),
        ),
        listAll('list pods', (page) => clients.core.listPodForAllNamespaces(page), keep.pod),
        listAll(
          'list daemon sets',
          (page) => clients.apps.listDaemonSetForAllNamespaces(page),
          (d) => d,
        ),
        read(`list config maps in ${cpNamespace}`, () =>
          clients.core.listNamespacedConfigMap({ namespace: cpNamespace }),
        ),
        optional(`list pod disruption budgets in ${cpNamespace}`, () =>
          clients.policy.listNamespacedPodDisruptionBudget({ namespace: cpNamespace }),
        ),
        read('list mutating webhooks', () => clients.admission.listMutatingWebhookConfiguration()),
        read('list validating webhooks', () => clients.admission.listValidatingWebhookConfiguration()),
        listAll('list services', (page) => clients.core.listServiceForAllNamespaces(page), keep.service),
        helmReleaseNames(clients, cpNamespace),
        listSail(clients),
        optional(
          'list gateways.gateway.networking.k8s.io',
          async () =>
            (await clients.custom.listCustomObjectForAllNamespaces({
              group: 'gateway.networking.k8s.io',
              version: 'v1',
              plural: 'gateways',
            })) as CustomList<GatewayObject>,
        ),
      ]);
      const lists = {
        namespaces,
        deployments,
        pods,
        daemonSets,
        configMaps: configMaps.items,
        podDisruptionBudgets: pdbs?.items ?? [],
        mutatingWebhooks: mutating.items,
        validatingWebhooks: validating.items,
        services,
        helmReleases,
        gateways: gatewayApi?.items ?? [],
        sail,
      };
      const at = {
        controlPlaneNamespace: cpNamespace,
        context: clients.kubeConfig.getCurrentContext() || null,
        observedAt: new Date().toISOString(),
      };
      // A second, small round: only Warning Events about pods, only where a component needs explaining.
      const events = await Promise.all(
        eventNamespaces(inventoryOf(lists, at)).map((namespace) =>
          listAll(
            `list warning events in ${namespace}`,
            (page) =>
              clients.core.listNamespacedEvent({
                namespace,
                fieldSelector: 'type=Warning,involvedObject.kind=Pod',
                ...page,
              }),
            keep.event,
          ),
        ),
      );
      return inventoryOf({ ...lists, events: events.flat().filter((e) => e !== null) }, at);
    },
  };
}

/**
 * Helm keeps a release in Secrets labelled `owner=helm`; only their `name` label is needed, so
 * they are listed as metadata only: the release data (values, manifests) never reaches the
 * worker, and only release names leave this function. RBAC may forbid Secrets: then the installer guess
 * just has one clue less.
 */
async function helmReleaseNames(clients: KubeClients, namespace: string): Promise<string[]> {
  try {
    const names = await listAll(
      `list helm releases in ${namespace}`,
      (page) => clients.core.listNamespacedSecret({ namespace, labelSelector: 'owner=helm', ...page }, metadataOnly),
      (secret) => secret.metadata?.labels?.name ?? '',
    );
    return [...new Set(names)].filter((n) => n !== '');
  } catch (err) {
    if (err instanceof ApplicationFailure && (err.type === 'Forbidden' || err.type === 'NotFound')) return [];
    throw err;
  }
}
