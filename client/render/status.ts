/**
 * The status of an upgrade as an operator reads it: header, steps with marks, restart progress,
 * the running timer, what waits for a human and the exact command that answers it, then the
 * audit trail. Pure: the same text for `status`, `watch` and the demo.
 */
import { formatDuration } from '../../core/spec/duration.js';
import type { Measurement } from '../../core/analysis/measurement.js';
import type { StepState } from '../../core/vocabulary.js';
import type { StepStatus, UpgradeStatus } from '../../workflows/messages.js';
import {
  analysisOf,
  clock,
  formatValue,
  latestMeasurements,
  latestRunPerPoint,
  needsAttention,
  POINT_NAMES,
  verdictText,
} from './analysis.js';
import { answerCommands } from './commands.js';
import { table } from './table.js';

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

/**
 * Per check, enough workloads to show what failed in a terminal; the rest are counted by verdict, and
 * `status --json` has every measurement.
 */
const ANALYSIS_ROWS_PER_CHECK = 6;

function indent(text: string, by = '  '): string[] {
  return text.split('\n').map((line) => `${by}${line}`);
}

/**
 * The analysis: the baselines read, the latest run at each point with its phase, then per check
 * and workload the latest value against its baseline and rule, the ones that need a human first.
 */
export function analysisSection(status: UpgradeStatus): string[] {
  const analysis = analysisOf(status);
  if (analysis === null) return [];
  const measured = analysis.runs.reduce((sum, run) => sum + run.measurements.length, 0);
  const lines = [
    '',
    `Analysis: ${analysis.runs.length} run${analysis.runs.length === 1 ? '' : 's'}, ${measured} measurement${measured === 1 ? '' : 's'}`,
  ];
  const { baselines } = analysis;
  if (baselines.length > 0) {
    const empty = baselines.filter((baseline) => baseline.value === null);
    const read = [...new Set(baselines.map((baseline) => clock(baseline.at)))].join(', ');
    lines.push(
      `  baselines: ${baselines.length} read (window ending ${read})${
        empty.length > 0
          ? `; without data, so their baseline rules cannot judge: ${empty
              .slice(0, 5)
              .map((b) => `${b.check} ${b.namespace}/${b.workload}`)
              .join(', ')}${empty.length > 5 ? ` and ${empty.length - 5} more` : ''}`
          : ''
      }`,
    );
  }
  const runs = latestRunPerPoint(analysis.runs);
  if (runs.length > 0)
    lines.push(
      ...indent(
        table(
          ['point', 'phase', 'step', 'when', 'result'],
          runs.map((run) => [
            POINT_NAMES[run.point],
            run.phase,
            run.stepId,
            run.endedAt === null ? `since ${clock(run.startedAt)}` : `${clock(run.startedAt)}-${clock(run.endedAt)}`,
            run.summary ?? `${run.measurements.length} measurement${run.measurements.length === 1 ? '' : 's'}`,
          ]),
        ),
      ),
    );
  const byCheck = new Map<string, Measurement[]>();
  // latestMeasurements puts the ones that need a human first, so the first check met is the worst.
  for (const m of latestMeasurements(analysis.runs)) byCheck.set(m.check, [...(byCheck.get(m.check) ?? []), m]);
  for (const [check, measurements] of byCheck) {
    // An Error has no rule to show (the query failed before any judging).
    const rules = [...new Set(measurements.map((m) => m.rule).filter((rule) => rule !== ''))].join(' | ');
    const dryRun = measurements.every((m) => m.dryRun);
    lines.push('', `  ${check}: ${rules}${dryRun ? ' (dry run: recorded, not acted on)' : ''}`);
    const shown = measurements.slice(0, ANALYSIS_ROWS_PER_CHECK);
    lines.push(
      ...indent(
        table(
          ['workload', 'value', 'baseline', 'verdict', 'at', 'why'],
          shown.map((m) => [
            `${m.namespace}/${m.workload}`,
            formatValue(m.value),
            m.baseline === null ? '-' : formatValue(m.baseline),
            dryRun ? m.verdict : verdictText(m),
            clock(m.at),
            needsAttention(m.verdict) ? m.reason : '',
          ]),
        ),
        '    ',
      ),
    );
    const rest = measurements.slice(ANALYSIS_ROWS_PER_CHECK);
    if (rest.length > 0) {
      const counts = new Map<string, number>();
      for (const m of rest) counts.set(m.verdict, (counts.get(m.verdict) ?? 0) + 1);
      lines.push(
        `    and ${rest.length} more: ${[...counts].map(([verdict, count]) => `${count} ${verdict}`).join(', ')} (\`status --json\` has every measurement)`,
      );
    }
  }
  return lines;
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
  lines.push(...analysisSection(status));
  for (const gate of status.pendingGates) {
    lines.push(
      '',
      `  waiting: gate "${gate.id}": ${gate.description}${gate.deadline ? ` (times out ${gate.deadline})` : ''}`,
    );
    lines.push(...answerCommands(workflowId, gate).map((command) => `    ${command}`));
  }
  if (status.failure) lines.push('', `Failure: ${status.failure.type}: ${status.failure.message}`);
  if (status.blockers.length > 0) lines.push('', `Old revision still used by: ${status.blockers.join(', ')}`);
  if ((status.reverted ?? []).length > 0) {
    lines.push('', 'Reverted (back on the old revision; the rest of the upgrade went on):');
    for (const r of status.reverted ?? [])
      lines.push(
        `  ${r.kind} ${r.namespace}${r.name ? `/${r.name}` : ''} → ${r.to} (${r.version}) at ${r.at}: ${r.reason}${r.restarted.length > 0 ? ` (restarted ${r.restarted.join(', ')})` : ''}`,
      );
  }
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
