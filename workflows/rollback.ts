/**
 * Rolls back an upgrade that has finished: read the cluster, plan the way back from what runs
 * now (the same planRollback an aborted upgrade uses), and run it. A canary can be undone only
 * while its old revision still runs; once it is removed, the rollback refuses with the reason.
 * It refuses too, before its first write, when the worker lacks an istioctl or chart version the
 * way back runs (or has another release under its name), naming it.
 * No gates: a rollback is already a human's decision, recorded with who asked and why.
 */
import { patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { planRollback } from '../core/plan/rollback.js';
import type { Plan } from '../core/plan/steps.js';
import { toolsForPlan, withOwnerTools } from '../core/plan/tools.js';
import { cluster } from './activities.js';
import { Controls } from './controls.js';
import { Gates } from './gates.js';
import { installerFor } from './installers/index.js';
import { planQuery } from './messages.js';
import type { RollbackInput, UpgradeResult } from './messages.js';
import { Runner, isStop } from './runner.js';
import { describeFailure } from './failures.js';
import { StatusBoard } from './status.js';
import { ROLLBACK_TOOLS_CHECK, workerToolFindings } from './tool-check.js';
import { validSpec } from './upgrade.js';

export async function rollback(input: RollbackInput): Promise<UpgradeResult> {
  const spec = validSpec(input.spec);
  const board = new StatusBoard('rolling-back', 'rollback');
  const policy = { approvers: spec.approvals.approvers, initiator: input.by, allowSelfApproval: true };
  const gates = new Gates(policy, board);
  const controls = new Controls(policy, board);
  let plan: Plan | null = null;
  setHandler(planQuery, () => plan);
  const result = (outcome: UpgradeResult['outcome']): UpgradeResult => ({
    outcome,
    plan,
    spec: input.spec,
    status: board.snapshot(),
  });

  const inventory = await cluster('read the cluster').readInventory({ controlPlaneNamespace: spec.install.namespace });
  const original = input.plan;
  if (
    original.revisions !== null &&
    !inventory.controlPlane.revisions.some((revision) => revision.name === original.revisions?.from) &&
    !installerFor(original.method).recreatesRemovedRevision
  ) {
    board.refuse({
      type: 'Validation',
      message: `revision ${original.revisions.from} (${original.source}) was removed when the upgrade finished: there is no old control plane to go back to; plan a new upgrade instead`,
    });
    return result('refused');
  }
  plan = planRollback(original, inventory);
  board.describeUpgrade({
    cluster: plan.cluster,
    initiator: input.by,
    source: plan.source,
    target: plan.target,
    method: plan.method,
    mode: plan.mode,
    strategy: plan.strategy,
    overriddenPrechecks: [],
  });
  board.setSteps(plan.steps);
  if (patched(ROLLBACK_TOOLS_CHECK)) {
    const findings = await workerToolFindings(withOwnerTools(toolsForPlan(plan), plan, spec.install));
    if (findings.length > 0) {
      board.refuse({
        type: 'PrecheckBlocked',
        message: findings.map((finding) => `${finding.check}: ${finding.message}`).join('; '),
      });
      return result('refused');
    }
  }
  const runner = new Runner(
    {
      spec,
      plan,
      inventory,
      upgradeKey: `${workflowInfo().workflowId}@${workflowInfo().firstExecutionRunId}`,
      board,
      controls,
      gates,
    },
    'rollback',
  );
  try {
    await runner.run(plan);
  } catch (error) {
    if (!isStop(error)) throw error;
    board.noteStop(describeFailure(error));
    board.finish('failed', 'failed');
    return result('failed');
  }
  board.finish('rolled-back', 'rolled-back');
  return result('rolled-back');
}
