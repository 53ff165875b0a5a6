/**
 * planUpgrade: spec + inventory in, the ordered steps out. Pure: the same inputs give the same
 * plan, which is what lets a workflow replan and find the same step ids.
 */
import type { Inventory } from '../inventory.js';
import { runPrechecks } from '../prechecks/catalog.js';
import type { Spec } from '../spec/schema.js';
import { VersionError, formatVersion, inPlaceHops, minorsBetween, parseVersion } from '../version.js';
import type { Version } from '../version.js';
import { assertForward, buildContext } from './context.js';
import type { PlanContext } from './context.js';
import { findContinuation } from './continuation.js';
import type { ContinuationFacts } from './continuation.js';
import { refuse } from './errors.js';
import { inPlaceSteps, releaseOwner } from './in-place.js';
import { revisionSteps } from './revision.js';
import { checkOnFailure, revertUnits } from './reverts.js';
import type { Continuation, Plan, Step } from './steps.js';
import { verificationsOf } from './verification.js';
import { planAnalysis } from '../analysis/plan.js';

function hopsFor(context: PlanContext, warnings: string[]): Plan['hops'] {
  const { spec, source, target } = context;
  // minorsBetween throws a VersionError here; as a PlanError it names the field (the workflow refuses PlanErrors and would retry anything else forever).
  if (source.major !== target.major)
    refuse(
      'version.target',
      `${formatVersion(target)} is not on the running major version ${source.major} (${formatVersion(source)}): crossing major versions is not supported`,
    );
  const distance = minorsBetween(source, target);
  if (spec.install.strategy === 'revision') {
    if (spec.install.mode === 'ambient' && distance > 1) {
      // ztunnel and istio-cni have no revisions: after the new istiod they would trail it by `distance` minors.
      refuse(
        'version.target',
        `an ambient revision-based upgrade may cross one minor at a time (istio-cni and ztunnel would be ${distance} minors behind ${formatVersion(target)}): target 1.${source.minor + 1} first, or use in-place`,
      );
    }
    if (distance > 2)
      warnings.push(
        `the new revision is ${distance} minors ahead of ${formatVersion(source)}: Istio tests canary jumps of up to two minors`,
      );
    return [{ version: formatVersion(target), patchFrom: 'target' }];
  }
  try {
    return inPlaceHops(source, target, spec.version.intermediate).map((hop) => ({
      version: formatVersion(hop.version),
      patchFrom: hop.source,
    }));
  } catch (error) {
    if (error instanceof VersionError) refuse('version.intermediate', error.message);
    throw error;
  }
}

export function planUpgrade(spec: Spec, inventory: Inventory): Plan {
  const continuation = findContinuation(spec, inventory);
  const context = buildContext(spec, inventory, continuation);
  assertForward(context);
  const warnings: string[] = [];
  const hops = hopsFor(context, warnings);
  const hopVersions: Version[] = hops.map((hop) => parseVersion(hop.version));
  const target = formatVersion(context.target);
  const precheck: Step = { kind: 'precheck', id: `precheck@${target}`, phase: 'prechecks', targetVersion: target };
  const pathSteps =
    spec.install.strategy === 'revision' ? revisionSteps(context, warnings) : inPlaceSteps(context, hopVersions);
  const removesOldRevision = pathSteps.some((step) => step.kind === 'remove-old-revision');
  const reverts = revertUnits(context, pathSteps);
  checkOnFailure(context, reverts);
  const analysis = planAnalysis(context, pathSteps);
  const owner = releaseOwner(spec);
  if (spec.approvals.approvers.length === 0)
    // Validation lets a spec with every gate off name nobody; a failure the spec does not settle
    // (an install that errs, a stalled rollout, a held state lock) still stops at a gate.
    warnings.push(
      'approvals.approvers is empty: a step that fails and that onFailure does not roll back (an install error, a stalled rollout, a state lock) still stops at a gate nobody may retry or skip; the initiator can only abort (roll back). Name an approver',
    );
  return {
    kind: 'upgrade',
    cluster: context.cluster,
    method: spec.install.method,
    ...(owner !== null && { owner }),
    mode: spec.install.mode,
    strategy: spec.install.strategy,
    source: formatVersion(context.source),
    target,
    hops,
    revisions: spec.install.strategy === 'revision' ? { from: context.oldRevision, to: context.newRevision } : null,
    concurrency: spec.restarts.concurrency,
    steps: [precheck, ...pathSteps],
    warnings,
    findings: runPrechecks({ context, hops: hopVersions, removesOldRevision }),
    verifications: verificationsOf(pathSteps, inventory),
    observedAt: inventory.observedAt,
    ...(analysis && { analysis }),
    ...(reverts.length > 0 && { reverts }),
    ...(continuation !== null && { continues: continues(continuation) }),
  };
}

function continues(facts: ContinuationFacts): Continuation {
  return {
    upgrade: facts.upgrade,
    reverted: facts.marks.map((entry) => ({
      namespace: entry.namespace,
      workload: entry.workload,
      reason: entry.mark.reason,
      at: entry.mark.at,
    })),
  };
}
