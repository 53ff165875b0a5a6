/**
 * The status of an upgrade as an operator reads it: header, steps with marks, restart progress,
 * the running timer, what waits for a human and the exact command that answers it, then the
 * audit trail. Pure: the same text for `status`, `watch` and the demo.
 */
import { formatDuration } from '../../core/spec/duration.js';
import type { StepState } from '../../core/vocabulary.js';
import type { StepStatus, UpgradeStatus } from '../../workflows/messages.js';
import { answerCommands } from './commands.js';

const MARKS: Record<StepState, string> = {
  pending: '[ ]',
  running: '[>]',
  waiting: '[?]',
  done: '[x]',
  skipped: '[-]',
  failed: '[!]',
};

export function mark(state: StepState): string {
  return MARKS[state];
}

export function progressBar(restarted: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((restarted / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${restarted}/${total} deployments`;
}

/** Time left until `iso`, rounded to the second, never negative. */
export function timeLeft(iso: string, now: number): string {
  return formatDuration(Math.max(0, Math.round((Date.parse(iso) - now) / 1000)));
}

function stepLines(steps: readonly StepStatus[], width: number): string[] {
  return steps.map((step, index) => {
    const note = step.failure
      ? `  (${step.failure.type}: ${step.failure.message})`
      : step.note
        ? `  (${step.note})`
        : '';
    return `  ${mark(step.state)} ${String(index + 1).padStart(width)}. ${step.description}${note}`;
  });
}

export function headline(workflowId: string, status: UpgradeStatus): string {
  const what = status.source && status.target ? ` ${status.source} -> ${status.target}` : '';
  const where = status.cluster ? ` on ${status.cluster}` : '';
  const how = [status.method, status.mode, status.strategy].filter((part): part is string => part !== null).join(', ');
  const state = status.outcome
    ? status.outcome.toUpperCase()
    : `${status.phase}${status.pause ? ` (${status.pause})` : ''}`;
  return `${workflowId}: ${status.kind}${what}${where}${how ? ` [${how}]` : ''}: ${state}`;
}

export function renderStatus(workflowId: string, status: UpgradeStatus, now: number = Date.now()): string {
  const lines = [headline(workflowId, status)];
  if (status.initiator) lines.push(`  started by ${status.initiator}`);
  if (status.overriddenPrechecks.length > 0)
    lines.push(`  prechecks overridden: ${status.overriddenPrechecks.join(', ')}`);
  if (status.held) lines.push(`  held by an operator: \`resume\` to go on`);
  if (status.steps.length > 0) {
    lines.push('', 'Steps:', ...stepLines(status.steps, String(status.steps.length).length));
  }
  if (status.progress.total > 0)
    lines.push('', `Restarts: ${progressBar(status.progress.restarted, status.progress.total)}`);
  if (status.timer)
    lines.push(
      '',
      `Timer: ${status.timer.reason}, ${timeLeft(status.timer.endsAt, now)} left (ends ${status.timer.endsAt})`,
    );
  for (const gate of status.pendingGates) {
    lines.push(
      '',
      `  waiting: gate "${gate.id}": ${gate.description}${gate.deadline ? ` (times out ${gate.deadline})` : ''}`,
    );
    lines.push(...answerCommands(workflowId, gate).map((command) => `    ${command}`));
  }
  if (status.failure) lines.push('', `Failure: ${status.failure.type}: ${status.failure.message}`);
  if (status.blockers.length > 0) lines.push('', `Old revision still used by: ${status.blockers.join(', ')}`);
  if (status.rollback)
    lines.push('', 'Rollback:', ...stepLines(status.rollback, String(status.rollback.length).length));
  if (status.decisions.length > 0) {
    lines.push('', 'Decisions:');
    for (const d of status.decisions)
      lines.push(
        `  ${d.at}  gate "${d.gateId}" ${d.outcome}${d.by ? ` by ${d.by}` : ''}${d.comment ? `: ${d.comment}` : ''}`,
      );
  }
  if (status.controls.length > 0) {
    lines.push('', 'Controls:');
    for (const c of status.controls) {
      lines.push(
        `  ${c.at}  ${c.action} by ${c.by}${c.stepId ? ` on ${c.stepId}` : ''}${c.seconds ? ` (+${formatDuration(c.seconds)})` : ''}${c.comment ? `: ${c.comment}` : ''}`,
      );
    }
  }
  for (const r of status.refused) {
    lines.push(`  ${r.at}  refused ${r.decision} of "${r.gateId}" from ${r.by}: ${r.reason}`);
  }
  if (status.outcome) lines.push('', `Outcome: ${status.outcome}`);
  return lines.join('\n');
}
