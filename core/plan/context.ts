/**
 * Everything the planner and the prechecks derive from spec + inventory before choosing steps:
 * which version runs, which revision is left and which is installed, which namespaces,
 * workloads and gateways take part, and which revision tags can move.
 */
import type { DeploymentInfo, GatewayInfo, Inventory, NamespaceInfo, RevisionInfo } from '../inventory.js';
import { INJECTION_LABEL, injectionTarget, isMeshNamespace, selectorMatches } from '../labels.js';
import type { Spec, WorkloadTest } from '../spec/schema.js';
import { compareVersions, formatVersion, parseVersion, revisionName, sailRevisionName } from '../version.js';
import type { Version } from '../version.js';
import { refuse } from './errors.js';

export interface Workload {
  namespace: string;
  name: string;
  test: WorkloadTest | null;
}

export interface ScopedNamespace {
  name: string;
  /** What its injection points at (`default`, a revision or a tag); null for ambient-only or not injected. */
  injection: string | null;
  hasInjectionLabel: boolean;
  /** Deployments to restart, in restart order (never gateways, never excluded ones). */
  workloads: Workload[];
}

export interface PlanContext {
  spec: Spec;
  inventory: Inventory;
  cluster: string | null;
  source: Version;
  target: Version;
  /** The istiod revision running `source` (for in-place: the one upgraded). */
  oldRevision: string;
  /** Revision-based only: the revision installed for `target`. */
  newRevision: string;
  namespaces: ScopedNamespace[];
  /** Gateways and waypoints to switch: all of them in place, those on the old revision otherwise. */
  gateways: GatewayInfo[];
  /** Tags that point at the old revision and may move: every namespace following them is in scope. */
  movableTags: string[];
  /** Tags that point at the old revision but also carry namespaces outside the scope. */
  stuckTags: string[];
  /** What would still use the old revision after the plan (out of scope or excluded): it is then kept. */
  oldRevisionKeptBy: string[];
}

const key = (item: { namespace: string; name: string }) => `${item.namespace}/${item.name}`;

/** The version the upgrade starts from and the revision running it. */
function resolveSource(spec: Spec, inventory: Inventory): { version: Version; revision: string } {
  const revisions = inventory.controlPlane.revisions.filter((revision) => revision.version !== null);
  const sailIstio = spec.install.method === 'sail' ? inventory.sail?.istio ?? null : null;
  const running = (version: string): RevisionInfo[] => revisions.filter((revision) => revision.version === version);
  const describeRunning = () => revisions.map((revision) => `${revision.name} at ${revision.version ?? '?'}`).join(', ') || 'none';

  if (revisions.length === 0 && sailIstio === null) {
    refuse('install.namespace', `no istiod with a known version runs in ${inventory.controlPlane.namespace}`);
  }
  const wanted = spec.version.source ?? sailIstio?.version;
  if (wanted !== undefined) {
    const [match] = running(wanted);
    if (match === undefined && sailIstio === null) {
      refuse('version.source', `no istiod runs ${wanted} (running: ${describeRunning()})`);
    }
    const name = match?.name ?? (sailIstio?.updateStrategy === 'RevisionBased' ? sailRevisionName(sailIstio.name, parseVersion(wanted)) : 'default');
    return { version: parseVersion(wanted), revision: name };
  }
  const [only, ...others] = revisions;
  if (only !== undefined && others.length === 0) return { version: parseVersion(only.version ?? ''), revision: only.name };
  const defaultTag = inventory.controlPlane.tags.find((tag) => tag.name === 'default');
  const tagged = revisions.find((revision) => revision.name === defaultTag?.revision);
  if (tagged?.version) return { version: parseVersion(tagged.version), revision: tagged.name };
  return refuse('version.source', `several revisions run (${describeRunning()}): name the version to upgrade from`);
}

function scopeNamespaces(spec: Spec, inventory: Inventory): NamespaceInfo[] {
  const controlPlane = inventory.controlPlane.namespace;
  if (spec.scope.namespaces !== undefined) {
    return spec.scope.namespaces.map((name, index) => {
      const namespace = inventory.namespaces.find((candidate) => candidate.name === name);
      if (namespace === undefined) refuse(`scope.namespaces[${index}]`, `namespace "${name}" does not exist`);
      if (!isMeshNamespace(namespace)) {
        refuse(`scope.namespaces[${index}]`, `namespace "${name}" is not in the mesh (no istio-injection, istio.io/rev or ambient label): the upgrade would not enrol it`);
      }
      return namespace;
    });
  }
  const selector = spec.scope.namespaceSelector;
  return inventory.namespaces.filter(
    (namespace) => namespace.name !== controlPlane && isMeshNamespace(namespace) && (selector === undefined || selectorMatches(selector, namespace.labels)),
  );
}

function optedOut(deployment: DeploymentInfo): boolean {
  return deployment.podLabels['sidecar.istio.io/inject'] === 'false' || deployment.podAnnotations['sidecar.istio.io/inject'] === 'false';
}

function workloadsOf(spec: Spec, inventory: Inventory, namespace: NamespaceInfo, skip: ReadonlySet<string>): Workload[] {
  const injected = injectionTarget(namespace) !== null;
  const order = spec.restarts.order;
  const rank = (deployment: DeploymentInfo) => {
    const index = order.indexOf(key(deployment));
    return index === -1 ? order.length : index;
  };
  return inventory.deployments
    .filter((deployment) => deployment.namespace === namespace.name && !skip.has(key(deployment)))
    // Ambient pods have no proxy of their own: only sidecar workloads need a restart.
    .filter((deployment) => deployment.proxies.length > 0 || (spec.install.mode === 'sidecar' && injected && !optedOut(deployment)))
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
    .map((deployment) => ({
      namespace: deployment.namespace,
      name: deployment.name,
      test: spec.tests[key(deployment)] ?? spec.tests[deployment.namespace] ?? null,
    }));
}

export function buildContext(spec: Spec, inventory: Inventory): PlanContext {
  const source = resolveSource(spec, inventory);
  const target = parseVersion(spec.version.target);
  const sail = spec.install.method === 'sail';
  const newRevision = sail ? sailRevisionName(spec.install.sailIstioName, target) : revisionName(target);
  const tags = inventory.controlPlane.tags;
  const resolve = (revisionOrTag: string | null) => tags.find((tag) => tag.name === revisionOrTag)?.revision ?? revisionOrTag;

  const excluded = new Set(spec.scope.exclude);
  const gatewayKeys = new Set(inventory.gateways.map(key));
  const istiods = new Set(inventory.deployments.filter((d) => d.namespace === inventory.controlPlane.namespace && d.podLabels.app === 'istiod').map(key));
  const skip = new Set([...excluded, ...gatewayKeys, ...istiods]);

  const scoped = scopeNamespaces(spec, inventory);
  const inScope = new Set(scoped.map((namespace) => namespace.name));
  const namespaces: ScopedNamespace[] = scoped.map((namespace) => ({
    name: namespace.name,
    injection: injectionTarget(namespace),
    hasInjectionLabel: namespace.labels[INJECTION_LABEL] !== undefined,
    workloads: workloadsOf(spec, inventory, namespace, skip),
  }));

  const tagsOnOld = tags.filter((tag) => tag.revision === source.revision).map((tag) => tag.name);
  const followers = (tag: string) => inventory.namespaces.filter((namespace) => injectionTarget(namespace) === tag).map((namespace) => namespace.name);
  const movableTags = tagsOnOld.filter((tag) => followers(tag).every((name) => inScope.has(name)));
  const stuckTags = tagsOnOld.filter((tag) => !movableTags.includes(tag));

  const strategyIsRevision = spec.install.strategy === 'revision';
  const gateways = inventory.gateways.filter(
    (gateway) => !excluded.has(key(gateway)) && (!strategyIsRevision || gateway.revision === null || resolve(gateway.revision) === source.revision),
  );

  const restarted = new Set(namespaces.flatMap((namespace) => namespace.workloads.map(key)));
  const switched = new Set(gateways.map(key));
  const oldRevisionKeptBy = [
    ...inventory.deployments
      .filter((deployment) => !restarted.has(key(deployment)) && !switched.has(key(deployment)) && !istiods.has(key(deployment)))
      .filter((deployment) => deployment.proxies.some((proxy) => resolve(proxy.revision) === source.revision))
      .map((deployment) => `Deployment ${key(deployment)}`),
    ...inventory.namespaces
      .filter((namespace) => !inScope.has(namespace.name) && resolve(injectionTarget(namespace)) === source.revision)
      .filter((namespace) => !movableTags.includes(injectionTarget(namespace) ?? ''))
      .map((namespace) => `Namespace ${namespace.name} (injects from ${injectionTarget(namespace) ?? ''})`),
  ];

  return {
    spec,
    inventory,
    cluster: spec.cluster.name ?? spec.cluster.context ?? inventory.context,
    source: source.version,
    target,
    oldRevision: source.revision,
    newRevision,
    namespaces,
    gateways,
    movableTags,
    stuckTags,
    oldRevisionKeptBy,
  };
}

/** Refuses what the planner never plans: no change, or a downgrade outside a rollback. */
export function assertForward(context: PlanContext): void {
  const order = compareVersions(context.target, context.source);
  if (order === 0) refuse('version.target', `the control plane already runs ${formatVersion(context.target)}`);
  if (order < 0) {
    refuse('version.target', `${formatVersion(context.target)} is older than the running ${formatVersion(context.source)}: downgrades are planned only as a rollback`);
  }
}
