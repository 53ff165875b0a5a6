/**
 * Revert only what failed: when one namespace's workload fails its test (or analysis) on the new
 * revision, that namespace goes back to the old revision while the rest of the upgrade goes on.
 * Istio decides injection by the namespace label first (a pod's `istio.io/rev` counts only in a
 * namespace with neither label: istio/istio#48316), so the unit is the namespace, or the single
 * Deployment where the mesh pins workloads by pod label. In ambient, ztunnel serves every
 * namespace of its node: only a namespace's waypoint can go back.
 *
 *   namespace  its label back on the old revision, each workload this upgrade moved restarted
 *              once (a fixed restart value, so a retry or a crashed worker restarts nothing
 *              twice) and checked on the old version from the old revision
 *   workload   its pod-template `istio.io/rev` back (that change is its one rollout), checked
 *   waypoint   its Gateway relabelled to the old revision, its Deployment rolled and checked
 *
 * then the object is annotated `istio-upgrade.io/reverted` for a later start to plan from.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { Inventory } from '../core/inventory.js';
import { INJECTION_LABEL, REV_LABEL, injectionTarget } from '../core/labels.js';
import type {
  MoveNamespaceStep,
  Plan,
  RestartWorkloadStep,
  Step,
  SwitchGatewaysStep,
  TestWorkloadStep,
} from '../core/plan/steps.js';
import { cluster, waits } from './activities.js';
import { proxyMismatch } from './failures.js';
import type { RevertedUnit } from './messages.js';
import { restartValue } from './steps/context.js';
import type { StepContext } from './steps/context.js';
import { switchGateways } from './steps/gateways.js';

/** Every workflow command a revert adds runs behind this marker; histories from before it never revert. */
export const REVERT_PATCH = 'revert-only-what-failed';

/** What a failed test or analysis does by default: the spec's `onFailure`, else the older `onTestFailure`. */
export type FailureAction = 'gate' | 'revert' | 'rollback';

export function onFailureOf(step: RestartWorkloadStep | TestWorkloadStep): FailureAction {
  // Plans recorded before `onFailure` existed carry only `onTestFailure`.
  const declared: unknown = (step as { onFailure?: unknown }).onFailure;
  if (declared === 'gate' || declared === 'revert' || declared === 'rollback') return declared;
  return step.onTestFailure === 'rollback' ? 'rollback' : 'gate';
}

/** Failures that are the workload's own verdict: the ones `onFailure: revert` answers without a human. */
export const WORKLOAD_FAILURES: ReadonlySet<string> = new Set(['TestFailed', 'AnalysisFailed']);

export type RevertTarget =
  | {
      kind: 'namespace';
      namespace: string;
      /** The new revision it leaves, and the old one its pods must come from again. */
      from: string;
      to: string;
      /** The namespace labels that put it back (what it carried before the upgrade). */
      restore: { set: Record<string, string>; remove: string[] };
      /** It injects from the default revision again: the default tag must not move while it does. */
      usesDefault: boolean;
    }
  | { kind: 'workload'; namespace: string; name: string; from: string; to: string }
  | {
      kind: 'waypoint';
      namespace: string;
      /** The namespace's waypoints (Gateways), each relabelled `istio.io/rev=<to>`. */
      names: string[];
      from: string;
      to: string;
    };

function restoreUsesDefault(restore: { set: Record<string, string> }): boolean {
  return restore.set[INJECTION_LABEL] === 'enabled' || restore.set[REV_LABEL] === 'default';
}

/**
 * What a revert of `step`'s failure would put back, or why nothing can be. Pure: validators and
 * gates call it. From the plan's revert units; plans recorded before them are read from their steps.
 */
export function revertTarget(step: Step, plan: Plan, inventory: Inventory): RevertTarget | { refused: string } {
  if (step.kind !== 'restart-workload' && step.kind !== 'test-workload')
    return { refused: 'revert answers only a failed restart, test or analysis of a workload' };
  if (plan.kind !== 'upgrade') return { refused: 'a rollback has no older revision to revert to' };
  if (plan.revisions === null)
    return { refused: 'an in-place upgrade keeps no old revision beside the new one to go back to' };
  const namespace = step.namespace;
  if (plan.reverts !== undefined) {
    const unit =
      plan.reverts.find((u) => u.scope === 'workload' && u.namespace === namespace && u.workload === step.name) ??
      plan.reverts.find((u) => u.scope === 'namespace' && u.namespace === namespace);
    if (unit === undefined)
      return { refused: `${namespace} was not moved by a label or tag of this upgrade: there is nothing to put back` };
    const { oldRevision: to, newRevision: from } = unit;
    if (!unit.revertible) return { refused: `a revert covers ${unit.covers}` };
    if (unit.scope === 'workload') return { kind: 'workload', namespace, name: unit.workload ?? step.name, from, to };
    if (unit.waypoints.length > 0)
      return { kind: 'waypoint', namespace, names: unit.waypoints.map((w) => w.name), from, to };
    return {
      kind: 'namespace',
      namespace,
      from,
      to,
      restore: unit.restore,
      usesDefault: restoreUsesDefault(unit.restore),
    };
  }
  const { from: to, to: from } = plan.revisions;
  const info = inventory.namespaces.find((candidate) => candidate.name === namespace);
  if (plan.mode === 'ambient' && step.kind === 'test-workload') {
    const waypoints = inventory.gateways.filter((g) => g.kind === 'waypoint' && g.namespace === namespace);
    if (waypoints.length === 0)
      return {
        refused: `${namespace} is an ambient namespace without a waypoint: ztunnel serves every namespace of its node, so its traffic cannot go back to ${to} alone`,
      };
    return { kind: 'waypoint', namespace, names: waypoints.map((w) => w.name), from, to };
  }
  const move = plan.steps.find(
    (candidate): candidate is MoveNamespaceStep =>
      candidate.kind === 'move-namespace' && candidate.namespace === namespace,
  );
  if (move !== undefined) {
    const restore: { set: Record<string, string>; remove: string[] } =
      move.injectionLabel === 'remove'
        ? { set: { [INJECTION_LABEL]: 'enabled' }, remove: [REV_LABEL] }
        : { set: { [REV_LABEL]: move.from }, remove: [] };
    return { kind: 'namespace', namespace, from, to, restore, usesDefault: restoreUsesDefault(restore) };
  }
  if (plan.steps.some((s) => s.kind === 'move-tag' && s.namespaces.includes(namespace))) {
    // Its tag moved for every namespace on it: this one alone is pinned to the old revision's name.
    const restore = { set: { [REV_LABEL]: to }, remove: [INJECTION_LABEL] };
    return { kind: 'namespace', namespace, from, to, restore, usesDefault: restoreUsesDefault(restore) };
  }
  const pinned = inventory.deployments.find((d) => d.namespace === namespace && d.name === step.name)?.podLabels[
    REV_LABEL
  ];
  if (info !== undefined && injectionTarget(info) === null && pinned !== undefined)
    return { kind: 'workload', namespace, name: step.name, from, to };
  return { refused: `${namespace} was not moved by a label or tag of this upgrade: there is nothing to put back` };
}

/** What `revert` covers at a gate, in words. */
export function describeRevert(target: RevertTarget, moved: readonly string[], version: string): string {
  switch (target.kind) {
    case 'namespace': {
      const labels = [
        ...Object.entries(target.restore.set).map(([key, value]) => `${key}=${value}`),
        ...target.restore.remove.map((key) => `no ${key}`),
      ].join(', ');
      return `revert puts namespace ${target.namespace} back on ${target.to} (${version}): labels ${labels}, restart ${moved.length > 0 ? moved.join(', ') : 'none of its workloads'} once each, and skip the rest of its steps; the old revision stays for it`;
    }
    case 'workload':
      return `revert puts ${target.namespace}/${target.name} alone back on ${target.to} (${version}) by its pod label ${REV_LABEL}=${target.to} (one rollout); the old revision stays for it`;
    case 'waypoint':
      return `revert puts the waypoint ${target.names.map((name) => `${target.namespace}/${name}`).join(', ')} back on ${target.to} (${version}); ztunnel and the namespace's L4 path stay on ${target.from}, as ztunnel serves every namespace of its node`;
  }
}

/** Puts `target` back; returns what the status records. Each write is idempotent. */
export async function runRevert(
  target: RevertTarget,
  context: StepContext,
  failed: Step,
  moved: readonly RestartWorkloadStep[],
  reason: string,
): Promise<RevertedUnit> {
  const version = context.plan.source;
  const at = new Date(Date.now()).toISOString();
  const restartedAt = (name: string) => restartValue(context.upgradeKey, `revert:${target.namespace}/${name}`, 1);
  const restarted: string[] = [];
  const checkOne = async (name: string, podLabels?: Record<string, string>): Promise<void> => {
    const result = await waits(`put ${target.namespace}/${name} back on ${target.to}`).rolloutWorkload({
      namespace: target.namespace,
      name,
      restartedAt: restartedAt(name),
      expectedVersion: version,
      expectedRevision: target.to,
      test: null,
      testRunId: restartedAt(name),
      deadlineSeconds: 900,
      ...(podLabels !== undefined && { podLabels }),
    });
    if (result.wrongProxies.length > 0)
      throw proxyMismatch(
        `${target.namespace}/${name} is not back on ${version} from ${target.to}`,
        result.wrongProxies,
        result.wrongProxies.length,
      );
    restarted.push(name);
  };
  switch (target.kind) {
    case 'namespace':
      await cluster(`put namespace ${target.namespace} back on ${target.to}`).setNamespaceLabels({
        namespace: target.namespace,
        ...target.restore,
      });
      for (const step of moved) await checkOne(step.name);
      break;
    case 'workload':
      // The label change is its one rollout: the label and the restart value go in one patch.
      await checkOne(target.name, { [REV_LABEL]: target.to });
      break;
    case 'waypoint': {
      const back: SwitchGatewaysStep = {
        kind: 'switch-gateways',
        id: `revert:waypoints:${target.namespace}@${target.to}`,
        phase: 'workloads',
        gateways: target.names.map((name) => ({
          namespace: target.namespace,
          name,
          kind: 'waypoint' as const,
          revLabel: target.to,
        })),
        version,
        revision: target.to,
      };
      await switchGateways(back, { ...context, attempt: 1 });
      restarted.push(...target.names);
      break;
    }
  }
  await cluster(`mark ${target.namespace}${target.kind === 'workload' ? `/${target.name}` : ''} reverted`).markReverted(
    {
      namespace: target.namespace,
      ...(target.kind === 'workload' && { deployment: target.name }),
      value: { upgrade: workflowInfo().workflowId, from: target.from, to: target.to, reason, at },
    },
  );
  return {
    kind: target.kind,
    namespace: target.namespace,
    ...(target.kind === 'workload' && { name: target.name }),
    ...(target.kind === 'waypoint' && { name: target.names.join(',') }),
    from: target.from,
    to: target.to,
    version,
    // A label naming `default` (the revision-less istiod) is served by the default tag once one exists.
    followsDefault: target.kind === 'namespace' ? target.usesDefault : target.to === 'default',
    reason,
    at,
    stepId: failed.id,
    restarted,
  };
}

/** Whether `step` belongs to what `unit` put back: it is skipped as reverted. */
export function coveredBy(
  step: Step,
  unit: Pick<RevertedUnit, 'kind' | 'namespace'> & { name?: string | undefined },
): boolean {
  if (step.kind !== 'restart-workload' && step.kind !== 'test-workload') return false;
  if (step.namespace !== unit.namespace) return false;
  return unit.kind === 'workload' ? step.name === unit.name : true;
}
