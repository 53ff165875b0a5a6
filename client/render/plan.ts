/**
 * A plan as an operator reads it (`plan`, `start`, `rollback`): header, numbered steps with gates
 * and timers marked, the rollback at each point, findings by severity; and the same plan as data.
 */
import type { RollbackSummary } from '../../core/plan/rollback-points.js';
import { describe } from '../../core/plan/steps.js';
import { describeVerification } from '../../core/plan/verification.js';
import type { Continuation, Plan, RevertUnit, Step } from '../../core/plan/steps.js';
import { SEVERITIES } from '../../core/prechecks/finding.js';
import { describeToolCheck, type ToolCheck } from '../../core/prechecks/tool-versions.js';
import { formatDuration } from '../../core/spec/duration.js';
import { renderPlanAnalysis } from './plan-analysis.js';

function marker(step: Step): string {
  switch (step.kind) {
    case 'gate':
      return `[GATE ${formatDuration(step.timeoutSeconds)}] `;
    case 'soak':
      return `[TIMER ${formatDuration(step.seconds)}] `;
    case 'precheck':
    case 'upgrade-base':
    case 'install-revision':
    case 'upgrade-control-plane':
    case 'upgrade-cni':
    case 'upgrade-ztunnel':
    case 'switch-gateways':
    case 'move-namespace':
    case 'move-tag':
    case 'restart-workload':
    case 'test-workload':
    case 'verify-proxies':
    case 'remove-old-revision':
      return '';
  }
}

/**
 * The rollback part: at each gate (where a rejection rolls back) and at the end, the steps that
 * undo what is done by then, and the step after which undoing is no longer planned.
 */
function renderRollback(plan: Plan, rollback: RollbackSummary): string[] {
  const lines = ['', 'Rollback (no gates, no timers; undoes only what is done):'];
  if (rollback.points.length === 0) lines.push('  nothing to undo before the first change');
  for (const point of rollback.points) {
    const where =
      point.done === plan.steps.length || point.before === null
        ? `after step ${point.done}`
        : `stopped before step ${point.done + 1}`;
    lines.push(`  ${where}:`);
    point.steps.forEach((step, index) =>
      lines.push(`    ${String.fromCharCode(97 + (index % 26))}. ${describe(step)}`),
    );
  }
  if (rollback.noReturnAfter !== null) {
    const index = plan.steps.findIndex((step) => step.id === rollback.noReturnAfter);
    lines.push(
      `  after step ${index + 1} no rollback is planned: revision ${plan.revisions?.from ?? ''} is gone; going back to ${plan.source} is a new installation`,
    );
  }
  return lines;
}

/** Which partial upgrade this plan finishes, and what its reverts left and why. */
function renderContinuation(continuation: Continuation): string[] {
  const what = (entry: Continuation['reverted'][number]) =>
    entry.workload === null ? `namespace ${entry.namespace}` : `workload ${entry.namespace}/${entry.workload}`;
  const because = continuation.reverted.map(
    (entry) =>
      `${what(entry)} reverted because ${entry.reason || 'no reason was recorded'}${entry.at ? ` (${entry.at})` : ''}`,
  );
  return [
    `  continues the partial upgrade ${continuation.upgrade || '(unnamed)'}: ${because.join('; ')}`,
    '  installs nothing: the new revision already runs; only what was reverted, the default revision and the cleanup are left',
  ];
}

/** What a failed workload test or analysis does in each namespace (spec `onFailure`), and what a revert covers there. */
function renderFailures(units: readonly RevertUnit[]): string[] {
  const lines = ['', 'On a failed workload test or analysis (onFailure):'];
  for (const unit of units) {
    const where = unit.workload === null ? unit.namespace : `${unit.namespace}/${unit.workload}`;
    const action =
      unit.onFailure === 'gate'
        ? `gate (a human retries, skips, ${unit.revertible ? 'reverts ' : ''}or rolls back)`
        : unit.onFailure === 'revert'
          ? 'revert at once, then go on'
          : 'roll back the whole upgrade at once';
    lines.push(`  ${where}: ${action}`, `    a revert covers ${unit.covers}`);
  }
  return lines;
}

/** The plan as an operator reads it: header, numbered steps with gates and timers marked, its rollback, findings by severity. */
export function renderPlan(plan: Plan, rollback?: RollbackSummary, tools?: ToolCheck): string {
  const lines: string[] = [];
  const strategy = plan.revisions ? `revision-based (${plan.revisions.from} -> ${plan.revisions.to})` : 'in-place';
  lines.push(
    `${plan.kind === 'upgrade' ? 'Upgrade' : 'Rollback'} plan for ${plan.cluster ?? 'the current context'}: Istio ${plan.source} -> ${plan.target}`,
  );
  lines.push(
    `  ${plan.method}, ${plan.mode}, ${strategy}; restarts ${plan.concurrency === 1 ? 'one at a time' : `${plan.concurrency} at a time`}`,
  );
  lines.push(
    `  control plane hops: ${plan.hops.map((hop) => (hop.patchFrom === 'target' ? hop.version : `${hop.version} (patch from ${hop.patchFrom})`)).join(' -> ')}`,
  );
  if (plan.continues !== undefined) lines.push(...renderContinuation(plan.continues));
  lines.push(`  cluster read at ${plan.observedAt}`, '', 'Steps:');
  const width = String(plan.steps.length).length;
  plan.steps.forEach((step, index) => {
    lines.push(`  ${String(index + 1).padStart(width)}. ${marker(step)}${describe(step)}`);
    const verification = plan.verifications?.[step.id];
    if (verification !== undefined)
      lines.push(`  ${' '.repeat(width)}  then check: ${describeVerification(verification)}.`);
  });
  if (plan.reverts !== undefined) lines.push(...renderFailures(plan.reverts));
  lines.push(...renderPlanAnalysis(plan));
  if (rollback !== undefined) lines.push(...renderRollback(plan, rollback));
  if (plan.warnings.length > 0) {
    lines.push('', 'Warnings:', ...plan.warnings.map((warning) => `  - ${warning}`));
  }
  if (tools !== undefined) {
    lines.push('', `Tools checked (${tools.where}):`, ...describeToolCheck(tools).map((line) => `  ${line}`));
  }
  lines.push('', 'Precheck findings:');
  if (plan.findings.length === 0) lines.push('  none');
  for (const severity of SEVERITIES) {
    const group = plan.findings.filter((finding) => finding.severity === severity);
    if (group.length === 0) continue;
    lines.push(`  ${severity.toUpperCase()} (${group.length})`);
    for (const finding of group) {
      lines.push(`    ${finding.check}: ${finding.message}`);
      for (const evidence of finding.evidence) lines.push(`      evidence: ${evidence}`);
      lines.push(`      remedy: ${finding.remedy}`);
    }
  }
  const blocked = plan.findings.filter((finding) => finding.severity === 'block').length;
  lines.push(
    '',
    blocked > 0 ? `Refused: ${blocked} blocking precheck finding(s).` : 'Ready: no precheck blocks this plan.',
  );
  return lines.join('\n');
}

/** The same plan as data, each step with its sentence, for scripts; `rollback` as renderPlan prints it. */
export function planJson(plan: Plan, rollback?: RollbackSummary, tools?: ToolCheck): string {
  const described = (steps: readonly Step[]) => steps.map((step) => ({ ...step, description: describe(step) }));
  return JSON.stringify(
    {
      ...plan,
      steps: described(plan.steps),
      ...(rollback && {
        rollback: {
          points: rollback.points.map((point) => ({ ...point, steps: described(point.steps) })),
          noReturnAfter: rollback.noReturnAfter,
        },
      }),
      ...(tools && { tools }),
    },
    null,
    2,
  );
}
