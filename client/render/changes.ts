/**
 * What changed between two snapshots of an upgrade, one plain sentence each: the watch view
 * prints these when its output is a log or a pipe rather than a terminal it can redraw.
 */
import type { UpgradeStatus } from '../../workflows/messages.js';
import { answerCommands, CLI } from './commands.js';
import { timeLeft } from './status.js';

export function changes(
  workflowId: string,
  before: UpgradeStatus | null,
  after: UpgradeStatus,
  now: number = Date.now(),
): string[] {
  const lines: string[] = [];
  if (before === null) {
    const what = after.source && after.target ? ` ${after.source} -> ${after.target}` : '';
    lines.push(
      `watching ${workflowId}: ${after.kind}${what}${after.cluster ? ` on ${after.cluster}` : ''}, phase ${after.phase}`,
    );
  } else if (before.phase !== after.phase) lines.push(`phase ${after.phase}`);

  const earlier = new Map((before?.steps ?? []).concat(before?.rollback ?? []).map((step) => [step.id, step.state]));
  const all = after.steps.concat(after.rollback ?? []);
  for (const step of all) {
    const was = earlier.get(step.id) ?? 'pending';
    if (was !== step.state)
      lines.push(
        `${step.state}: ${step.description}${step.failure ? ` (${step.failure.type}: ${step.failure.message})` : step.note && step.state !== 'running' ? ` (${step.note})` : ''}`,
      );
  }
  if (after.progress.total > 0 && after.progress.restarted !== (before?.progress.restarted ?? 0)) {
    lines.push(`restarts ${after.progress.restarted}/${after.progress.total} deployments`);
  }
  if (after.timer && after.timer.endsAt !== before?.timer?.endsAt) {
    lines.push(`timer: ${after.timer.reason}, ${timeLeft(after.timer.endsAt, now)} left (ends ${after.timer.endsAt})`);
  }
  const openBefore = new Set((before?.pendingGates ?? []).map((gate) => gate.id));
  for (const gate of after.pendingGates) {
    if (openBefore.has(gate.id)) continue;
    lines.push(`waiting for a human: gate "${gate.id}": ${gate.description}`);
    lines.push(...answerCommands(workflowId, gate).map((command) => `  ${command}`));
  }
  for (const d of after.decisions.slice(before?.decisions.length ?? 0)) {
    lines.push(`gate "${d.gateId}" ${d.outcome}${d.by ? ` by ${d.by}` : ''}${d.comment ? `: ${d.comment}` : ''}`);
  }
  for (const c of after.controls.slice(before?.controls.length ?? 0)) {
    lines.push(`${c.action} by ${c.by}${c.comment ? `: ${c.comment}` : ''}`);
  }
  if (after.held && !before?.held) lines.push(`held by an operator: ${answerResume(workflowId)}`);
  if (after.outcome && after.outcome !== before?.outcome) {
    lines.push(`outcome: ${after.outcome}${after.failure ? ` (${after.failure.type}: ${after.failure.message})` : ''}`);
  }
  return lines;
}

function answerResume(workflowId: string): string {
  return `${CLI} resume ${workflowId} --as <you>`;
}
