/**
 * What a revert can put back, namespace by namespace (and workload by workload where workloads
 * are pinned by their pod label), for a revision-based plan: the workflow reverts from these
 * units, `plan` shows what each covers, and the spec's `onFailure: revert` is refused where a
 * unit covers nothing. An in-place upgrade has no old revision to go back to: no units.
 */
import { INJECTION_LABEL, REV_LABEL, isAmbientNamespace } from '../labels.js';
import { failureActionOf } from '../spec/schema.js';
import { formatVersion } from '../version.js';
import type { PlanContext, ScopedNamespace } from './context.js';
import { refuse } from './errors.js';
import type { RevertUnit, Step } from './steps.js';

/** Whether the namespace moves with a revision tag (the default one included) rather than by its own label. */
function movesByTag(namespace: ScopedNamespace, steps: readonly Step[]): boolean {
  return steps.some((step) => step.kind === 'move-tag' && step.namespaces.includes(namespace.name));
}

/**
 * The labels that put a namespace back: those it carried before the plan moved it by label; for
 * one that moves with a tag, the old revision's name instead, since the tag then points at the
 * new revision for every namespace that follows it (`istio-injection=enabled` follows tag default).
 */
function restoreOf(context: PlanContext, namespace: ScopedNamespace, steps: readonly Step[]): RevertUnit['restore'] {
  if (namespace.injection === null) return { set: {}, remove: [] };
  if (movesByTag(namespace, steps))
    return {
      set: { [REV_LABEL]: context.oldRevision },
      remove: namespace.hasInjectionLabel ? [INJECTION_LABEL] : [],
    };
  if (namespace.hasInjectionLabel) return { set: { [INJECTION_LABEL]: 'enabled' }, remove: [REV_LABEL] };
  return { set: { [REV_LABEL]: namespace.injection }, remove: [] };
}

function labels(restore: RevertUnit['restore']): string {
  const set = Object.entries(restore.set).map(([key, value]) => `${key}=${value}`);
  return `${set.join(', ')}${restore.remove.length > 0 ? ` (removing ${restore.remove.join(', ')})` : ''}`;
}

export function revertUnits(context: PlanContext, steps: readonly Step[]): RevertUnit[] {
  if (context.spec.install.strategy !== 'revision') return [];
  const { oldRevision, newRevision, spec } = context;
  const oldVersion = formatVersion(context.source);
  const base = { mode: spec.install.mode, oldRevision, oldVersion, newRevision };
  return context.namespaces.flatMap((namespace): RevertUnit[] => {
    const onFailure = failureActionOf(spec, namespace.name);
    const pinned = namespace.workloads.filter((workload) => workload.podRevLabel !== undefined);
    if (pinned.length > 0) {
      return pinned.map((workload) => ({
        ...base,
        scope: 'workload',
        namespace: namespace.name,
        workload: workload.name,
        restore: { set: { [REV_LABEL]: oldRevision }, remove: [] },
        workloads: [workload.name],
        waypoints: [],
        revertible: true,
        covers: `only ${namespace.name}/${workload.name}: its pod template goes back to ${REV_LABEL}=${oldRevision}, which restarts it once on ${oldVersion} (${namespace.name} has no injection label, so each workload's own label decides)`,
        onFailure,
      }));
    }
    const info = context.inventory.namespaces.find((candidate) => candidate.name === namespace.name);
    if (namespace.injection === null && info !== undefined && isAmbientNamespace(info)) {
      const waypoints = context.inventory.gateways
        .filter((gateway) => gateway.kind === 'waypoint' && gateway.namespace === namespace.name)
        .map((gateway) => ({ namespace: gateway.namespace, name: gateway.name, revLabel: oldRevision }));
      const names = waypoints.map((waypoint) => waypoint.name).join(', ');
      return [
        {
          ...base,
          scope: 'namespace',
          namespace: namespace.name,
          workload: null,
          restore: { set: {}, remove: [] },
          workloads: [],
          waypoints,
          revertible: waypoints.length > 0,
          covers:
            waypoints.length > 0
              ? `only the waypoint ${names}: its Gateway goes back to ${REV_LABEL}=${oldRevision} and its Deployment rolls to ${oldVersion}; ztunnel (L4) stays on ${newRevision}, as it serves every namespace of its node`
              : `nothing: ${namespace.name} has no waypoint, and ztunnel serves every namespace of its node, so its L4 path cannot go back alone`,
          onFailure,
        },
      ];
    }
    if (namespace.injection === null) return [];
    const restore = restoreOf(context, namespace, steps);
    const count = namespace.workloads.length;
    const tag = movesByTag(namespace, steps)
      ? ` (pinned to the old revision's name: tag ${namespace.injection} points at ${newRevision} for the others)`
      : '';
    return [
      {
        ...base,
        scope: 'namespace',
        namespace: namespace.name,
        workload: null,
        restore,
        workloads: namespace.workloads.map((workload) => workload.name),
        waypoints: [],
        revertible: true,
        covers: `namespace ${namespace.name} alone: its label goes back to ${labels(restore)}${tag}, and whichever of its ${count} workload(s) were already restarted restart again on ${oldRevision} (${oldVersion}); the other namespaces stay`,
        onFailure,
      },
    ];
  });
}

/** The spec field of a namespace's own `onFailure`, written as spec validation writes paths. */
function fieldOf(namespace: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(namespace)
    ? `onFailure.namespaces.${namespace}`
    : `onFailure.namespaces[${JSON.stringify(namespace)}]`;
}

/**
 * Refuses an `onFailure` the cluster cannot honour: a namespace the spec names that does not
 * exist, and `revert` where a failure can happen but a revert would cover nothing (an ambient
 * namespace without a waypoint, whose workloads are tested).
 */
export function checkOnFailure(context: PlanContext, units: readonly RevertUnit[]): void {
  const { spec, inventory } = context;
  for (const name of Object.keys(spec.onFailure.namespaces)) {
    if (!inventory.namespaces.some((namespace) => namespace.name === name))
      refuse(fieldOf(name), `namespace "${name}" does not exist`);
  }
  for (const unit of units) {
    if (unit.revertible || unit.onFailure !== 'revert') continue;
    const tested = context.namespaces.find((namespace) => namespace.name === unit.namespace)?.tested ?? [];
    if (tested.length === 0) continue;
    const own = spec.onFailure.namespaces[unit.namespace] !== undefined;
    refuse(
      own ? fieldOf(unit.namespace) : 'onFailure.default',
      `revert covers nothing in ambient namespace ${unit.namespace}: it has no waypoint, and ztunnel serves every namespace of its node; set onFailure.namespaces.${unit.namespace} to gate or rollback, or give it a waypoint`,
    );
  }
}
