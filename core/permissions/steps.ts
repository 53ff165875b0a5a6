/**
 * Which API permissions each step of a plan needs: what the activities that execute it call
 * (activities/), and for istioctl and Helm what those tools do to the cluster on the worker's
 * credentials. Pure and exhaustive over the step kinds, so a new kind cannot ship without
 * saying what it needs. The worker's RBAC manifests (deploy/kubernetes/) grant exactly this
 * set; a test holds the two together.
 */
import type { InstallMethod } from '../spec/schema.js';
import type { Plan, Step } from '../plan/steps.js';
import { permission, permissionKey, type ApiPermission, type Verb } from './permission.js';

const APPS = 'apps';
const ADMISSION = 'admissionregistration.k8s.io';
const SAIL = 'sailoperator.io';

const each = (
  verbs: readonly Verb[],
  group: string,
  resource: string,
  namespace: string | null = null,
): ApiPermission[] => verbs.map((verb) => permission(verb, group, resource, namespace));

/**
 * readInventory (activities/kubernetes/inventory.ts): one list per type, cluster-wide, plus the
 * control plane's config maps and disruption budgets. The Sail and Gateway API lists are asked
 * even where those CRDs are absent: RBAC is checked before the API server looks the type up.
 * The Helm-release Secret list is left out on purpose: the inventory tolerates its Forbidden.
 */
export function inventoryPermissions(controlPlaneNamespace: string): ApiPermission[] {
  return [
    permission('list', '', 'namespaces'),
    permission('list', APPS, 'deployments'),
    permission('list', '', 'pods'),
    permission('list', APPS, 'daemonsets'),
    permission('list', '', 'services'),
    // Warning Events about pods: always in the control plane's namespace, elsewhere only where a gateway is unready.
    permission('list', '', 'events'),
    permission('list', '', 'configmaps', controlPlaneNamespace),
    permission('list', 'policy', 'poddisruptionbudgets', controlPlaneNamespace),
    permission('list', ADMISSION, 'mutatingwebhookconfigurations'),
    permission('list', ADMISSION, 'validatingwebhookconfigurations'),
    ...['istios', 'istiorevisions', 'istiorevisiontags', 'istiocnis', 'ztunnels'].map((r) =>
      permission('list', SAIL, r),
    ),
    permission('list', 'gateway.networking.k8s.io', 'gateways'),
  ];
}

/** restartWorkload + waitForRollout (+ the pod check of rolloutWorkload) on one workload. */
function restartPermissions(namespace: string, resource: 'deployments' | 'daemonsets'): ApiPermission[] {
  return [...each(['get', 'patch', 'watch'], APPS, resource, namespace), permission('list', '', 'pods', namespace)];
}

/** runWorkloadTest with a Job: create it, then read and watch it until it has a verdict. */
function jobTestPermissions(namespace: string): ApiPermission[] {
  return each(['create', 'get', 'watch'], 'batch', 'jobs', namespace);
}

/** patchSailResource + waitSailReady on one Sail resource. */
function sailPermissions(resource: 'istios' | 'istiocnis' | 'ztunnels'): ApiPermission[] {
  return each(['get', 'patch', 'watch'], SAIL, resource);
}

/**
 * `istioctl install/upgrade` and `helm upgrade --install` apply the rendered objects (read, then
 * create or patch each) and wait for the rollouts; Helm keeps its release in Secrets of the
 * release namespace. This is what the tools need for the objects the runbooks' charts and
 * profiles render; the real charts render more kinds (CRDs, RBAC), see deploy/kubernetes/.
 */
function installerPermissions(
  method: Exclude<InstallMethod, 'sail'>,
  namespace: string,
  workloads: ReadonlyArray<'deployments' | 'daemonsets'>,
): ApiPermission[] {
  const objects = [
    ...each(['get', 'create', 'patch'], '', 'configmaps', namespace),
    ...each(['get', 'create', 'patch'], '', 'services', namespace),
    ...workloads.flatMap((w) => each(['get', 'create', 'patch'], APPS, w, namespace)),
    ...each(['get', 'create', 'patch'], ADMISSION, 'mutatingwebhookconfigurations'),
    ...each(['get', 'create', 'patch'], ADMISSION, 'validatingwebhookconfigurations'),
    permission('get', '', 'namespaces'),
  ];
  return method === 'helm' ? [...objects, ...helmStorage(namespace)] : objects;
}

function helmStorage(namespace: string): ApiPermission[] {
  return each(['get', 'list', 'create', 'patch', 'delete'], '', 'secrets', namespace);
}

function uninstallPermissions(method: Exclude<InstallMethod, 'sail'>, namespace: string): ApiPermission[] {
  const objects = [
    ...each(['get', 'delete'], '', 'configmaps', namespace),
    ...each(['get', 'delete'], '', 'services', namespace),
    ...each(['get', 'delete'], APPS, 'deployments', namespace),
    ...each(['get', 'list', 'delete'], ADMISSION, 'mutatingwebhookconfigurations'),
    ...each(['get', 'delete'], ADMISSION, 'validatingwebhookconfigurations'),
  ];
  return method === 'helm' ? [...objects, ...helmStorage(namespace)] : objects;
}

function controlPlanePermissions(method: InstallMethod, namespace: string): ApiPermission[] {
  return method === 'sail' ? sailPermissions('istios') : installerPermissions(method, namespace, ['deployments']);
}

function dataPlaneDaemonSetPermissions(
  method: InstallMethod,
  namespace: string,
  sailResource: 'istiocnis' | 'ztunnels',
): ApiPermission[] {
  if (method === 'sail') return sailPermissions(sailResource);
  // The tool applies the new DaemonSet; the runbook then waits for it node by node (waitForRollout).
  return [
    ...installerPermissions(method, namespace, ['daemonsets']),
    permission('watch', APPS, 'daemonsets', namespace),
  ];
}

export function stepPermissions(step: Step, controlPlaneNamespace: string): ApiPermission[] {
  switch (step.kind) {
    case 'gate':
    case 'soak':
      return [];
    case 'precheck':
      // The re-read of the inventory, then `istioctl x precheck` (pods and tag webhooks).
      return inventoryPermissions(controlPlaneNamespace);
    case 'upgrade-base':
      return installerPermissions('helm', step.namespace, []);
    case 'install-revision':
      return controlPlanePermissions(step.method, step.namespace);
    case 'upgrade-control-plane': {
      if (step.method === 'sail') return controlPlanePermissions(step.method, step.namespace);
      // `istioctl upgrade` applies the whole installation: the gateways and ambient DaemonSets it installed too.
      const { gateways, cni, ztunnel } = step.alsoUpgrades;
      return [
        ...installerPermissions(
          step.method,
          step.namespace,
          cni || ztunnel ? ['deployments', 'daemonsets'] : ['deployments'],
        ),
        ...gateways.flatMap((g) => each(['get', 'patch'], APPS, 'deployments', g.namespace)),
      ];
    }
    case 'upgrade-cni':
      return dataPlaneDaemonSetPermissions(step.method, controlPlaneNamespace, 'istiocnis');
    case 'upgrade-ztunnel':
      return dataPlaneDaemonSetPermissions(step.method, controlPlaneNamespace, 'ztunnels');
    case 'switch-gateways':
      return step.gateways.flatMap((g) => [
        ...restartPermissions(g.namespace, 'deployments'),
        // A waypoint pinned to a revision name moves by its Gateway's label (setGatewayLabels).
        ...(g.kind === 'waypoint' && step.revision !== null && g.revLabel === step.revision
          ? [
              ...each(['get', 'patch'], 'gateway.networking.k8s.io', 'gateways', g.namespace),
              permission('list', APPS, 'deployments', g.namespace),
            ]
          : []),
      ]);
    case 'move-namespace':
      return each(['get', 'patch'], '', 'namespaces');
    case 'move-tag':
      if (step.method === 'sail') return each(['get', 'patch'], SAIL, 'istiorevisiontags');
      if (step.method === 'helm')
        return [
          ...installerPermissions('helm', controlPlaneNamespace, ['deployments']),
          permission('list', ADMISSION, 'mutatingwebhookconfigurations'),
        ];
      // istioctl tag set: finds the namespaces on the tag, then writes the tag's webhook.
      return [
        permission('list', '', 'namespaces'),
        ...each(['get', 'list', 'create', 'patch'], ADMISSION, 'mutatingwebhookconfigurations'),
      ];
    case 'restart-workload':
      return [
        ...restartPermissions(step.namespace, 'deployments'),
        ...(step.test?.job ? jobTestPermissions(step.test.job.namespace ?? step.namespace) : []),
      ];
    case 'test-workload':
      return step.test.job ? jobTestPermissions(step.test.job.namespace ?? step.namespace) : [];
    case 'verify-proxies':
      // checkProxies lists the pods of the moved namespaces and the gateways' namespaces.
      return [permission('list', '', 'pods')];
    case 'remove-old-revision': {
      // Right before removal, revisionUsers asks what still uses the revision: every pod, namespace and tag webhook.
      const lastCheck = [
        permission('list', '', 'pods'),
        permission('list', '', 'namespaces'),
        permission('list', ADMISSION, 'mutatingwebhookconfigurations'),
      ];
      // Sail removes the revision itself; the runbook waits for it by listing revisions.
      return step.method === 'sail'
        ? [permission('list', SAIL, 'istiorevisions'), ...lastCheck]
        : [...uninstallPermissions(step.method, step.namespace), ...lastCheck];
    }
  }
}

/** A permission with the steps that need it, in plan order. */
export interface RequiredPermission {
  permission: ApiPermission;
  steps: string[];
}

/** Every permission the plan needs, once each, in the order the steps first need them. */
export function planPermissions(plan: Pick<Plan, 'steps'>, controlPlaneNamespace: string): RequiredPermission[] {
  const byKey = new Map<string, RequiredPermission>();
  const add = (p: ApiPermission, stepId: string) => {
    const key = permissionKey(p);
    const found = byKey.get(key);
    if (found === undefined) byKey.set(key, { permission: p, steps: [stepId] });
    else if (!found.steps.includes(stepId)) found.steps.push(stepId);
  };
  // The workflow reads the inventory before its first step, whatever the plan holds.
  for (const p of inventoryPermissions(controlPlaneNamespace)) add(p, 'inventory');
  for (const step of plan.steps) for (const p of stepPermissions(step, controlPlaneNamespace)) add(p, step.id);
  return [...byKey.values()];
}
