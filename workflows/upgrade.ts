/**
 * The upgrade runbook, every path (in-place chain, revision canary, ambient, by istioctl, Helm
 * or Sail): read the cluster, derive the same plan `plan` prints, refuse if a precheck blocks,
 * then run the plan's steps in order. A rejection, an abort or a cancellation from the Web UI
 * rolls back what was done, in reverse, in a scope nothing can cancel.
 *
 *   1. read the cluster and plan          (the plan is recorded in history and answers `plan`)
 *   2. refuse on a blocking precheck      (unless the initiator overrode it by id), the worker's
 *                                          missing API permissions among them
 *   3. run the steps                      (gates, control plane, node agents, gateways,
 *                                          namespaces, restarts, soaks, cleanup)
 *   4. on rejection, abort or cancel      roll back: planRollback of what began, then run it
 */
import {
  CancellationScope,
  isCancellation,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Inventory } from '../core/inventory.js';
import { deniedPermissions, missingPermissionFindings } from '../core/permissions/findings.js';
import { planPermissions } from '../core/permissions/steps.js';
import { PlanError } from '../core/plan/errors.js';
import { planRollback, withoutReverted } from '../core/plan/rollback.js';
import type { Plan } from '../core/plan/steps.js';
import { toolsForPlan, toolsForPlanAndRollback, withOwnerTools } from '../core/plan/tools.js';
import { planUpgrade } from '../core/plan/upgrade.js';
import { formatProblems, parseSpec } from '../core/spec/parse.js';
import type { Spec } from '../core/spec/schema.js';
import { cluster } from './activities.js';
import { Controls } from './controls.js';
import { describeFailure, workflowFailure } from './failures.js';
import { Gates, abortOrCancel } from './gates.js';
import { planQuery } from './messages.js';
import type { UpgradeInput, UpgradeResult } from './messages.js';
import { Runner, isStop } from './runner.js';
import {
  dataPlaneModeKey,
  istioInstallerKey,
  istioSourceVersionKey,
  istioTargetVersionKey,
  meshClusterKey,
  upgradeStrategyKey,
} from './search-attributes.js';
import { announceGates } from './slack.js';
import { StatusBoard } from './status.js';
import { ROLLBACK_TOOLS_CHECK, workerToolFindings } from './tool-check.js';
import { METRIC_ANALYSIS_PATCH, startAnalysis } from './analysis.js';
import type { AnalysisSession } from './analysis.js';

export async function upgrade(input: UpgradeInput): Promise<UpgradeResult> {
  const spec = validSpec(input.spec);
  const board = new StatusBoard('planning');
  const policy = {
    approvers: spec.approvals.approvers,
    initiator: input.initiator,
    allowSelfApproval: spec.approvals.allowSelfApproval,
  };
  const gates = new Gates(policy, board);
  const controls = new Controls(policy, board);
  gates.withdrawnBecause = abortOrCancel(controls);
  let plan: Plan | null = null;
  setHandler(planQuery, () => plan);
  const result = (outcome: UpgradeResult['outcome']): UpgradeResult => ({
    outcome,
    plan,
    spec: input.spec,
    status: board.snapshot(),
  });

  // 1. Read the cluster and plan: the same pure planner the CLI prints.
  const inventory = await cluster('read the cluster').readInventory({ controlPlaneNamespace: spec.install.namespace });
  // A worker holds one cluster's credentials: an upgrade routed to it for another cluster (a
  // fleet's child on the wrong task queue) must not touch the cluster it can reach.
  const wrongCluster = servedClusterMismatch(spec, inventory);
  if (wrongCluster !== null) {
    board.stepState('planning', 'failed');
    board.refuse({ type: 'Validation', message: wrongCluster });
    return result('refused');
  }
  try {
    plan = planUpgrade(spec, inventory);
  } catch (error) {
    if (!(error instanceof PlanError)) throw error;
    board.stepState('planning', 'failed');
    board.refuse({ type: 'Validation', message: error.message });
    return result('refused');
  }
  // The worker's own credentials, which make every write, may lack what the plan needs even
  // when the operator's passed `plan`: ask the cluster before the first write.
  if (patched(WORKER_PERMISSIONS_PRECHECK)) plan = await withWorkerPermissions(plan, spec);
  // Likewise its tools: an istioctl of another patch would install that patch and soak on it.
  if (patched(TOOL_VERSIONS_PRECHECK)) plan = await withWorkerTools(plan, inventory, spec);
  const upgradeKey = `${workflowInfo().workflowId}@${workflowInfo().firstExecutionRunId}`;
  describeUpgrade(board, plan, input);
  board.setSteps(plan.steps);
  const slackSettled = spec.notifications.slack
    ? announceGates(gates, board, plan, spec, input.initiator, spec.notifications.slack.channel)
    : () => Promise.resolve();

  // 2. A blocking precheck refuses the start unless the initiator overrode that check by id.
  const overrides = new Set(input.overridePrechecks ?? []);
  const blocking = plan.findings.filter((finding) => finding.severity === 'block' && !overrides.has(finding.check));
  if (blocking.length > 0) {
    board.refuse({
      type: 'PrecheckBlocked',
      message: blocking.map((finding) => `${finding.check}: ${finding.message}`).join('; '),
    });
    return result('refused');
  }

  // The mesh's own signals before anything is written: the baselines analysis compares with.
  // No address, a query Prometheus refuses, or Prometheus away refuses the start: nothing is written yet.
  let analysis: AnalysisSession | undefined;
  if (plan.analysis !== undefined && patched(METRIC_ANALYSIS_PATCH)) {
    try {
      analysis = await startAnalysis(plan.analysis, board);
    } catch (error) {
      if (isCancellation(error)) throw error;
      const failure = describeFailure(error);
      board.refuse({ type: failure.type, message: `cannot read the analysis baselines: ${failure.message}` });
      return result('refused');
    }
  }

  // 3. Run the plan.
  const context = { spec, plan, inventory, upgradeKey, board, controls, gates, ...(analysis && { analysis }) };
  const runner = new Runner(context, 'upgrade');
  try {
    await runner.run(plan);
    // Something went back to the old revision: the upgrade went through without it, and says so.
    const outcome = runner.reverted.length > 0 ? 'partial' : 'completed';
    board.finish(outcome, outcome);
    return result(outcome);
  } catch (error) {
    if (!isStop(error)) throw error;
    board.noteStop(describeFailure(error));
  }

  // 4. Roll back what began, whatever cancelled the upgrade: nothing may cancel the rollback.
  // What was reverted is on the old revision already: the rollback leaves it as it is.
  const started = withoutReverted({ ...plan, steps: runner.started }, runner.reverted).steps;
  const rolledBack = await CancellationScope.nonCancellable(() => rollBack({ ...context }, started));
  await slackSettled();
  board.finish(rolledBack ? 'rolled-back' : 'failed', rolledBack ? 'rolled-back' : 'failed');
  return result(rolledBack ? 'rolled-back' : 'failed');
}

/** Runs the rollback of `started` (steps of `context.plan` that began); false when a human stopped it. */
export async function rollBack(
  context: {
    spec: Spec;
    plan: Plan;
    inventory: Inventory;
    upgradeKey: string;
    board: StatusBoard;
    controls: Controls;
    gates: Gates;
  },
  started: Plan['steps'],
): Promise<boolean> {
  const { board } = context;
  board.setPhase('rolling-back');
  const now = await cluster('read the cluster before rolling back').readInventory({
    controlPlaneNamespace: context.spec.install.namespace,
  });
  const rollback = planRollback({ ...context.plan, steps: started }, now);
  board.setRollbackSteps(rollback.steps);
  const runner = new Runner({ ...context, plan: rollback, inventory: now }, 'rollback');
  try {
    await runner.run(rollback);
    return true;
  } catch (error) {
    if (isCancellation(error) || !isStop(error)) throw error;
    board.noteStop(describeFailure(error));
    return false;
  }
}

/** Why this worker must not run the upgrade: it serves another cluster than the spec names. Null when it may. */
function servedClusterMismatch(spec: Spec, inventory: Inventory): string | null {
  const served = inventory.servedCluster;
  const wanted = spec.cluster.name ?? spec.cluster.context;
  if (served === undefined || wanted === undefined || served === wanted) return null;
  return `this upgrade is for cluster ${wanted}, but the worker on task queue ${workflowInfo().taskQueue} serves cluster ${served} (ISTIO_UPGRADE_CLUSTER): nothing was changed; route it to ${wanted}'s worker`;
}

export function validSpec(raw: unknown): Spec {
  const parsed = parseSpec(raw);
  // A spec from the Web UI or a script is checked like one from the CLI; no retry can fix it.
  if (!parsed.ok)
    throw workflowFailure('Validation', `invalid spec:\n${formatProblems(parsed.problems)}`, parsed.problems);
  return parsed.spec;
}

function describeUpgrade(board: StatusBoard, plan: Plan, input: UpgradeInput): void {
  board.describeUpgrade({
    cluster: plan.cluster,
    initiator: input.initiator,
    source: plan.source,
    target: plan.target,
    method: plan.method,
    mode: plan.mode,
    strategy: plan.strategy,
    overriddenPrechecks: input.overridePrechecks ?? [],
  });
  upsertSearchAttributes([
    { key: meshClusterKey, value: plan.cluster ?? 'unknown' },
    { key: istioSourceVersionKey, value: plan.source },
    { key: istioTargetVersionKey, value: plan.target },
    { key: upgradeStrategyKey, value: plan.strategy },
    { key: istioInstallerKey, value: plan.method },
    { key: dataPlaneModeKey, value: plan.mode },
  ]);
}

/** Histories recorded before the worker checked its own tools replay without the check. */
const TOOL_VERSIONS_PRECHECK = 'tool-versions-precheck';

/**
 * The plan with a blocking `tool-versions` or `chart-versions` finding for each istioctl the
 * worker lacks or that reports another release than the step it runs for, and each Helm chart
 * version its helm cannot find: the same check `plan` makes with the operator's tools.
 */
async function withWorkerTools(plan: Plan, inventory: Inventory, spec: Spec): Promise<Plan> {
  // And what its rollback would run (the source version's istioctl and charts): an upgrade must not start what it cannot undo.
  const needs = patched(ROLLBACK_TOOLS_CHECK) ? toolsForPlanAndRollback(plan, inventory) : toolsForPlan(plan);
  // With Terraform owning the releases, its binary and root module too (absent otherwise, so older histories replay).
  const findings = await workerToolFindings(withOwnerTools(needs, plan, spec.install));
  return findings.length === 0 ? plan : { ...plan, findings: [...plan.findings, ...findings] };
}

/** Histories recorded before the worker checked its own permissions replay without the check. */
const WORKER_PERMISSIONS_PRECHECK = 'worker-permissions-precheck';

/**
 * The plan with a blocking `missing-permission` finding for each API permission the worker's
 * identity is refused (one SelfSubjectAccessReview each): the same check `plan` makes with the
 * operator's kubeconfig, here with the credentials that will make the writes.
 */
async function withWorkerPermissions(plan: Plan, spec: Spec): Promise<Plan> {
  const required = planPermissions(plan, spec.install.namespace);
  const answers = await cluster("check the worker's API permissions").reviewAccess({
    permissions: required.map((r) => r.permission),
  });
  const denied = deniedPermissions(required, answers);
  return denied.length === 0
    ? plan
    : { ...plan, findings: [...plan.findings, ...missingPermissionFindings(denied, null, "the worker's credentials")] };
}
