/**
 * Everything the planner and the prechecks derive from spec + inventory before choosing steps:
 * which version runs, which revision is left and which is installed, which namespaces,
 * workloads and gateways take part, and which revision tags can move.
 */
import type { DeploymentInfo, GatewayInfo, Inventory, NamespaceInfo, SailIstio } from '../inventory.js';
import {
  INJECTION_LABEL,
  REV_LABEL,
  injectionTarget,
  isAmbientNamespace,
  isMeshNamespace,
  selectorMatches,
} from '../labels.js';
import type { Spec, WorkloadTest } from '../spec/schema.js';
import {
  compareVersions,
  formatVersion,
  parseVersion,
  revisionName,
  sailRevisionName,
  tryParseVersion,
} from '../version.js';
import type { Version } from '../version.js';
import type { ContinuationFacts } from './continuation.js';
import { refuse } from './errors.js';

export interface Workload {
  namespace: string;
  name: string;
  test: WorkloadTest | null;
  /** Pinned by its pod template's `istio.io/rev` in a namespace without injection labels: the label the restart sets. */
  podRevLabel?: string;
}

export interface ScopedNamespace {
  name: string;
  /** What its injection points at (`default`, a revision or a tag); null for ambient-only or not injected. */
  injection: string | null;
  hasInjectionLabel: boolean;
  /** Deployments to restart, in restart order (never gateways, never excluded ones). */
  workloads: Workload[];
  /** Ambient: Deployments with a test, in restart order; they are tested, not restarted. */
  tested: (Workload & { test: WorkloadTest })[];
}

/**
 * How a gateway or waypoint reaches the new control plane. `tag`: it carries (or, with no label,
 * follows the default through) a revision tag, and moves when that tag moves; `pinned`: its
 * `istio.io/rev` is a revision name, and it is relabelled to the new revision.
 * https://istio.io/latest/docs/ambient/upgrade/helm/ ("gateways and namespaces should be using the istio.io/rev label to specify a revision tag")
 */
export type GatewayRoute = { via: 'tag'; tag: string; revLabel: string | null } | { via: 'pinned'; revLabel: string };

export interface PlanContext {
  spec: Spec;
  inventory: Inventory;
  cluster: string | null;
  source: Version;
  target: Version;
  /** `version.source` names a version that does not run (a blocking finding), or null. */
  sourceMismatch: { declared: string; running: string } | null;
  /** The Sail `spec.version` alias the source was resolved from, or null. */
  sailAlias: string | null;
  /** The istiod revision running `source` (for in-place: the one upgraded). */
  oldRevision: string;
  /** Revision-based only: the revision installed for `target`. */
  newRevision: string;
  /** The revision that is the default now: `default` for a revision-less istiod, else where tag `default` points; null when none. */
  defaultRevision: string | null;
  namespaces: ScopedNamespace[];
  /** Gateways and waypoints to switch: all of them in place, those on the old revision otherwise. */
  gateways: GatewayInfo[];
  /** For each gateway in `gateways` (by `namespace/name`), how it moves in a revision-based plan. */
  gatewayRoutes: ReadonlyMap<string, GatewayRoute>;
  /** Every revision tag name (istioctl and Helm tag webhooks, Sail IstioRevisionTags). */
  tagNames: ReadonlySet<string>;
  /** Tags that point at the old revision and may move: every namespace following them is in scope. */
  movableTags: string[];
  /** Tags that point at the old revision but also carry namespaces outside the scope. */
  stuckTags: string[];
  /**
   * Revision-less old control plane: the plan must create tag `default` on the new revision
   * before the old istiod goes (istio-injection=enabled namespaces, new namespaces, validation).
   */
  createsDefaultTag: boolean;
  /** What would still use the old revision after the plan (out of scope or excluded): it is then kept. */
  oldRevisionKeptBy: string[];
  /** Set when the plan finishes a partial upgrade: the new revision runs, only reverted parts are left. */
  continuation: ContinuationFacts | null;
}

const key = (item: { namespace: string; name: string }) => `${item.namespace}/${item.name}`;

interface Source {
  version: Version;
  revision: string;
  /** `version.source` named a version no istiod runs: the plan goes on from what runs, and a precheck blocks. */
  mismatch: { declared: string; running: string } | null;
  /** The Sail `Istio.spec.version` alias (`v1.26-latest`) resolved to `version`, if it was one. */
  sailAlias: string | null;
}

/**
 * The revision a Sail `Istio` runs now: its active revision (`status.activeRevisionName`) when
 * the reader saw it, else the highest version among its IstioRevisions in use. This is how an
 * alias such as `v1.26-latest` in `spec.version` is turned into the version that really runs.
 * https://github.com/istio-ecosystem/sail-operator/blob/main/docs/README.md#istio-resource
 */
function sailRunning(istio: SailIstio, inventory: Inventory): { version: Version; revision: string } | null {
  const own = (inventory.sail?.revisions ?? [])
    .filter((revision) => revision.name === istio.name || revision.name.startsWith(`${istio.name}-v`))
    .flatMap((revision) => {
      const version = tryParseVersion(revision.version);
      return version === null ? [] : [{ ...revision, parsed: version }];
    });
  const active =
    own.find((revision) => revision.name === istio.activeRevisionName) ??
    [...own.filter((revision) => revision.inUse)].sort((a, b) => compareVersions(b.parsed, a.parsed))[0];
  if (active !== undefined) return { version: active.parsed, revision: active.name };
  const istiod = inventory.controlPlane.revisions.find(
    (revision) => revision.name === istio.name || revision.name.startsWith(`${istio.name}-v`),
  );
  const version = tryParseVersion(istiod?.version);
  return istiod && version ? { version, revision: istiod.name } : null;
}

/** The version the upgrade starts from and the revision running it; `forced`: a continuation's old revision. */
function resolveSource(spec: Spec, inventory: Inventory, forced: string | null): Source {
  const revisions = inventory.controlPlane.revisions.filter((revision) => tryParseVersion(revision.version) !== null);
  const old = revisions.find((revision) => revision.name === forced);
  if (old?.version) {
    const version = parseVersion(old.version);
    const declared = spec.version.source;
    const mismatch =
      declared !== undefined && compareVersions(parseVersion(declared), version) !== 0
        ? { declared, running: old.version }
        : null;
    return { version, revision: old.name, mismatch, sailAlias: null };
  }
  const sailIstio = spec.install.method === 'sail' ? (inventory.sail?.istio ?? null) : null;
  const describeRunning = () =>
    revisions.map((revision) => `${revision.name} at ${revision.version ?? '?'}`).join(', ') || 'none';

  if (revisions.length === 0 && sailIstio === null) {
    refuse('install.namespace', `no istiod with a known version runs in ${inventory.controlPlane.namespace}`);
  }
  const declared = spec.version.source;
  if (declared !== undefined) {
    const match = revisions.find(
      (revision) =>
        revision.version !== null && compareVersions(parseVersion(revision.version), parseVersion(declared)) === 0,
    );
    if (match !== undefined)
      return { version: parseVersion(declared), revision: match.name, mismatch: null, sailAlias: null };
  }

  let detected: { version: Version; revision: string } | null = null;
  let sailAlias: string | null = null;
  if (sailIstio !== null) {
    const pinned = tryParseVersion(sailIstio.version);
    if (pinned === null) {
      sailAlias = sailIstio.version;
      detected = sailRunning(sailIstio, inventory);
      if (detected === null)
        refuse(
          'version.source',
          `Istio ${sailIstio.name} has spec.version ${sailIstio.version} and no running revision says which version that is: name the version to upgrade from`,
        );
    } else {
      const byVersion = revisions.find(
        (revision) => revision.version !== null && compareVersions(parseVersion(revision.version), pinned) === 0,
      );
      const name =
        byVersion?.name ??
        (sailIstio.updateStrategy === 'RevisionBased' ? sailRevisionName(sailIstio.name, pinned) : sailIstio.name);
      detected = { version: pinned, revision: name };
    }
  } else {
    const [only, ...others] = revisions;
    const defaultTag = inventory.controlPlane.tags.find((tag) => tag.name === 'default');
    const chosen =
      only !== undefined && others.length === 0
        ? only
        : revisions.find((revision) => revision.name === defaultTag?.revision);
    if (chosen?.version) detected = { version: parseVersion(chosen.version), revision: chosen.name };
  }
  if (detected === null) {
    return declared === undefined
      ? refuse('version.source', `several revisions run (${describeRunning()}): name the version to upgrade from`)
      : refuse('version.source', `no istiod runs ${declared} (running: ${describeRunning()})`);
  }
  const mismatch =
    declared !== undefined && compareVersions(parseVersion(declared), detected.version) !== 0
      ? { declared, running: formatVersion(detected.version) }
      : null;
  return { ...detected, mismatch, sailAlias };
}

function scopeNamespaces(spec: Spec, inventory: Inventory, pinned: ReadonlySet<string>): NamespaceInfo[] {
  const controlPlane = inventory.controlPlane.namespace;
  if (spec.scope.namespaces !== undefined) {
    return spec.scope.namespaces.map((name, index) => {
      const namespace = inventory.namespaces.find((candidate) => candidate.name === name);
      if (namespace === undefined) refuse(`scope.namespaces[${index}]`, `namespace "${name}" does not exist`);
      if (!isMeshNamespace(namespace) && !pinned.has(name)) {
        refuse(
          `scope.namespaces[${index}]`,
          `namespace "${name}" is not in the mesh (no istio-injection, istio.io/rev or ambient label): the upgrade would not enrol it`,
        );
      }
      return namespace;
    });
  }
  const selector = spec.scope.namespaceSelector;
  return inventory.namespaces.filter(
    (namespace) =>
      namespace.name !== controlPlane &&
      (isMeshNamespace(namespace) || pinned.has(namespace.name)) &&
      (selector === undefined || selectorMatches(selector, namespace.labels)),
  );
}

/**
 * Revision-based: Deployments pinned by their pod template's `istio.io/rev` to the old revision's
 * name in a namespace with neither injection label, the only place a pod's label decides
 * (istio/istio#48316). They move one by one, by that label; pods on a tag move with the tag.
 */
function pinnedOf(
  spec: Spec,
  inventory: Inventory,
  oldRevision: string,
  tagNames: ReadonlySet<string>,
): DeploymentInfo[] {
  if (spec.install.strategy !== 'revision' || tagNames.has(oldRevision)) return [];
  const unlabelled = new Set(
    inventory.namespaces
      .filter(
        (namespace) =>
          namespace.name !== inventory.controlPlane.namespace &&
          namespace.labels[INJECTION_LABEL] === undefined &&
          namespace.labels[REV_LABEL] === undefined &&
          !isAmbientNamespace(namespace),
      )
      .map((namespace) => namespace.name),
  );
  return inventory.deployments.filter(
    (deployment) => unlabelled.has(deployment.namespace) && deployment.podLabels[REV_LABEL] === oldRevision,
  );
}

function optedOut(deployment: DeploymentInfo): boolean {
  return (
    deployment.podLabels['sidecar.istio.io/inject'] === 'false' ||
    deployment.podAnnotations['sidecar.istio.io/inject'] === 'false'
  );
}

/** Ambient workloads the spec tests: they have no proxy to restart, so they are tested where they run. */
function testedOf(
  spec: Spec,
  inventory: Inventory,
  namespace: NamespaceInfo,
  skip: ReadonlySet<string>,
): (Workload & { test: WorkloadTest })[] {
  const order = spec.restarts.order;
  const rank = (deployment: DeploymentInfo) =>
    order.includes(key(deployment)) ? order.indexOf(key(deployment)) : order.length;
  return inventory.deployments
    .filter(
      (deployment) =>
        deployment.namespace === namespace.name && !skip.has(key(deployment)) && deployment.proxies.length === 0,
    )
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
    .flatMap((deployment) => {
      const test = spec.tests[key(deployment)] ?? spec.tests[deployment.namespace];
      return test === undefined ? [] : [{ namespace: deployment.namespace, name: deployment.name, test }];
    });
}

function workloadsOf(
  spec: Spec,
  inventory: Inventory,
  namespace: NamespaceInfo,
  skip: ReadonlySet<string>,
): Workload[] {
  const injected = injectionTarget(namespace) !== null;
  const order = spec.restarts.order;
  const rank = (deployment: DeploymentInfo) => {
    const index = order.indexOf(key(deployment));
    return index === -1 ? order.length : index;
  };
  return (
    inventory.deployments
      .filter((deployment) => deployment.namespace === namespace.name && !skip.has(key(deployment)))
      // Ambient pods have no proxy of their own: only sidecar workloads need a restart.
      .filter(
        (deployment) =>
          deployment.proxies.length > 0 || (spec.install.mode === 'sidecar' && injected && !optedOut(deployment)),
      )
      .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
      .map((deployment) => ({
        namespace: deployment.namespace,
        name: deployment.name,
        test: spec.tests[key(deployment)] ?? spec.tests[deployment.namespace] ?? null,
      }))
  );
}

export function buildContext(
  spec: Spec,
  inventory: Inventory,
  continuation: ContinuationFacts | null = null,
): PlanContext {
  const source = resolveSource(spec, inventory, continuation?.oldRevision ?? null);
  const target = parseVersion(spec.version.target);
  const sail = spec.install.method === 'sail';
  const newRevision = sail ? sailRevisionName(spec.install.sailIstioName, target) : revisionName(target);
  const tags = [
    ...inventory.controlPlane.tags,
    ...(inventory.sail?.revisionTags ?? []).filter(
      (tag) => !inventory.controlPlane.tags.some((known) => known.name === tag.name),
    ),
  ];
  const tagNames = new Set(tags.map((tag) => tag.name));
  const resolve = (revisionOrTag: string | null) =>
    tags.find((tag) => tag.name === revisionOrTag)?.revision ?? revisionOrTag;
  const revisionLess =
    inventory.controlPlane.revisions.some((revision) => revision.name === 'default') && !tagNames.has('default');
  const defaultRevision = revisionLess ? 'default' : (tags.find((tag) => tag.name === 'default')?.revision ?? null);

  const excluded = new Set(spec.scope.exclude);
  const gatewayKeys = new Set(inventory.gateways.map(key));
  const istiods = new Set(
    inventory.deployments
      .filter((d) => d.namespace === inventory.controlPlane.namespace && d.podLabels.app === 'istiod')
      .map(key),
  );
  const skip = new Set([...excluded, ...gatewayKeys, ...istiods]);

  const pinned = pinnedOf(spec, inventory, source.revision, tagNames).filter(
    (deployment) => !skip.has(key(deployment)),
  );
  const pinnedNamespaces = new Set(pinned.map((deployment) => deployment.namespace));
  const scoped = scopeNamespaces(spec, inventory, pinnedNamespaces);
  const inScope = new Set(scoped.map((namespace) => namespace.name));
  const pinnedIn = (namespace: NamespaceInfo): Workload[] =>
    workloadsOf(spec, inventory, namespace, skip)
      .filter((workload) => pinned.some((deployment) => key(deployment) === key(workload)))
      .map((workload) => ({ ...workload, podRevLabel: newRevision }));
  const namespaces: ScopedNamespace[] = scoped
    // A continuation leaves alone what the upgrade it continues moved for good.
    .filter((namespace) => continuation === null || !finished(namespace, continuation, resolve, pinnedNamespaces))
    .map((namespace) => ({
      name: namespace.name,
      injection: injectionTarget(namespace),
      hasInjectionLabel: namespace.labels[INJECTION_LABEL] !== undefined,
      workloads: isMeshNamespace(namespace) ? workloadsOf(spec, inventory, namespace, skip) : pinnedIn(namespace),
      tested:
        spec.install.mode === 'ambient' && isAmbientNamespace(namespace)
          ? testedOf(spec, inventory, namespace, skip)
          : [],
    }));

  const tagsOnOld = tags.filter((tag) => tag.revision === source.revision).map((tag) => tag.name);
  const followers = (tag: string) =>
    inventory.namespaces.filter((namespace) => injectionTarget(namespace) === tag).map((namespace) => namespace.name);
  const movableTags = tagsOnOld.filter((tag) => followers(tag).every((name) => inScope.has(name)));
  const stuckTags = tagsOnOld.filter((tag) => !movableTags.includes(tag));

  const strategyIsRevision = spec.install.strategy === 'revision';
  const onOld = inventory.gateways.filter(
    (gateway) => !strategyIsRevision || gateway.revision === null || resolve(gateway.revision) === source.revision,
  );
  const templateLabel = (gateway: GatewayInfo) =>
    inventory.deployments.find((deployment) => key(deployment) === key(gateway))?.podLabels[REV_LABEL] ?? null;
  const routeOf = (gateway: GatewayInfo): GatewayRoute => {
    // A waypoint is bound by its Gateway: with no label it follows the default tag wherever that
    // points, and is never pinned (istiod re-renders it when the tag moves).
    if (gateway.kind === 'waypoint' && gateway.gatewayRevLabel !== undefined) {
      const label = gateway.gatewayRevLabel;
      if (label === null || label === 'default' || tagNames.has(label))
        return { via: 'tag', tag: label ?? 'default', revLabel: label };
      return { via: 'pinned', revLabel: newRevision };
    }
    const label = templateLabel(gateway);
    if (label !== null && tagNames.has(label)) return { via: 'tag', tag: label, revLabel: label };
    // No label, or `istio.io/rev=default`, is served by whatever the default revision is.
    if ((label === null || label === 'default') && defaultRevision === source.revision)
      return { via: 'tag', tag: 'default', revLabel: label };
    return { via: 'pinned', revLabel: newRevision };
  };
  const routes = new Map(onOld.map((gateway) => [key(gateway), routeOf(gateway)] as const));

  const restarted = new Set(namespaces.flatMap((namespace) => namespace.workloads.map(key)));
  const keptBy = (movesDefault: boolean): { gateways: GatewayInfo[]; keptBy: string[] } => {
    const moves = (route: GatewayRoute | undefined) =>
      !strategyIsRevision ||
      route === undefined ||
      route.via === 'pinned' ||
      (route.tag === 'default' && revisionLess ? movesDefault : movableTags.includes(route.tag));
    const gateways = onOld.filter((gateway) => !excluded.has(key(gateway)) && moves(routes.get(key(gateway))));
    const switched = new Set(gateways.map(key));
    return {
      gateways,
      keptBy: [
        ...inventory.deployments
          .filter(
            (deployment) =>
              !restarted.has(key(deployment)) && !gatewayKeys.has(key(deployment)) && !istiods.has(key(deployment)),
          )
          .filter((deployment) => deployment.proxies.some((proxy) => resolve(proxy.revision) === source.revision))
          .map((deployment) => `Deployment ${key(deployment)}`),
        // Gateways and waypoints count even without a Deployment in the inventory: a waypoint left
        // on the old revision loses its control plane when it goes.
        ...onOld
          .filter((gateway) => strategyIsRevision && !switched.has(key(gateway)))
          .map(
            (gateway) =>
              `${gateway.kind === 'waypoint' ? 'waypoint' : 'gateway'} ${key(gateway)}${routes.get(key(gateway))?.via === 'tag' ? ` (follows tag ${(routes.get(key(gateway)) as { tag: string }).tag})` : ''}`,
          ),
        ...inventory.namespaces
          .filter(
            (namespace) => !inScope.has(namespace.name) && resolve(injectionTarget(namespace)) === source.revision,
          )
          .filter((namespace) => !movableTags.includes(injectionTarget(namespace) ?? ''))
          .map((namespace) => `Namespace ${namespace.name} (injects from ${injectionTarget(namespace) ?? ''})`),
        // ztunnel serves every revision; only an ambient plan points it at the new one.
        ...(strategyIsRevision && inventory.ztunnel !== null && spec.install.mode !== 'ambient'
          ? [`DaemonSet ${key(inventory.ztunnel)} (ztunnel; install.mode is sidecar)`]
          : []),
      ],
    };
  };
  // A revision-less istiod hands the default over only when it goes: before that, moving the
  // default would move every istio-injection=enabled namespace outside the scope as well.
  const withDefault = keptBy(true);
  const createsDefaultTag =
    strategyIsRevision && revisionLess && source.revision === 'default' && withDefault.keptBy.length === 0;
  const { gateways, keptBy: oldRevisionKeptBy } = createsDefaultTag ? withDefault : keptBy(false);

  return {
    spec,
    inventory,
    cluster: spec.cluster.name ?? spec.cluster.context ?? inventory.context,
    source: source.version,
    target,
    sourceMismatch: source.mismatch,
    sailAlias: source.sailAlias,
    oldRevision: source.revision,
    newRevision,
    defaultRevision,
    namespaces,
    gateways,
    gatewayRoutes: routes,
    tagNames,
    movableTags,
    stuckTags,
    createsDefaultTag,
    oldRevisionKeptBy,
    continuation,
  };
}

/**
 * Whether the upgrade a continuation finishes is done with `namespace`: not reverted, and its
 * injection already on the new revision (ambient: ztunnel moved it; only a reverted waypoint is
 * left). Pinned workloads still on the old revision are work left wherever they are.
 */
function finished(
  namespace: NamespaceInfo,
  continuation: ContinuationFacts,
  resolve: (revisionOrTag: string | null) => string | null,
  pinnedNamespaces: ReadonlySet<string>,
): boolean {
  if (pinnedNamespaces.has(namespace.name)) return false;
  if (continuation.marks.some((entry) => entry.namespace === namespace.name && entry.workload === null)) return false;
  const injection = injectionTarget(namespace);
  return injection === null ? isAmbientNamespace(namespace) : resolve(injection) === continuation.newRevision;
}

/** Refuses what the planner never plans: no change, or a downgrade outside a rollback. */
export function assertForward(context: PlanContext): void {
  const order = compareVersions(context.target, context.source);
  if (order === 0) refuse('version.target', `the control plane already runs ${formatVersion(context.target)}`);
  if (order < 0) {
    refuse(
      'version.target',
      `${formatVersion(context.target)} is older than the running ${formatVersion(context.source)}: downgrades are planned only as a rollback`,
    );
  }
}
