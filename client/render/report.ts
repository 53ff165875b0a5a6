/**
 * The upgrade report: one self-contained HTML page (inline CSS, no script, no network) that a
 * team can attach to a change ticket. A timeline of every step, every activity (restarts as one
 * bar per deployment), every timer and gate, the analysis (a chart per check, every
 * measurement), then the decisions with their comments, the operator controls, the workloads
 * and the outcome.
 */
import { formatDuration } from '../../core/spec/duration.js';
import type { StepState } from '../../core/vocabulary.js';
import type { StepStatus, UpgradeStatus } from '../../workflows/messages.js';
import type { Journal, Span } from './history.js';
import { escapeHtml, tableHtml } from './html.js';
import { ANALYSIS_CSS, analysisReport } from './report-analysis.js';

export interface ReportInput {
  workflowId: string;
  execution: string;
  status: UpgradeStatus;
  journal: Journal;
  /** When the report was drawn: the right edge for anything still running. */
  now: number;
}

const STATE_COLOR: Record<StepState | Span['outcome'], string> = {
  pending: '#d0d7de',
  running: '#54aeff',
  waiting: '#d4a72c',
  done: '#2da44e',
  completed: '#2da44e',
  fired: '#8250df',
  skipped: '#8c959f',
  failed: '#cf222e',
  'timed-out': '#cf222e',
  cancelled: '#8c959f',
};

interface Row {
  label: string;
  start: number;
  end: number | null;
  color: string;
  title: string;
  indent?: boolean;
}

const time = (at: number) => new Date(at).toISOString().replace('T', ' ').slice(0, 19);
const span = (start: number, end: number) => formatDuration(Math.max(0, Math.round((end - start) / 1000)));

function stepRow(step: StepStatus, now: number): Row | null {
  if (!step.startedAt) return null;
  const start = Date.parse(step.startedAt);
  const end = step.endedAt ? Date.parse(step.endedAt) : null;
  const note = step.failure ? `${step.failure.type}: ${step.failure.message}` : (step.note ?? '');
  return {
    label: step.description,
    start,
    end,
    color: STATE_COLOR[step.state],
    title: `${step.state}, ${time(start)} for ${span(start, end ?? now)}${note ? `: ${note}` : ''}`,
  };
}

function bars(rows: readonly Row[], t0: number, t1: number): string {
  const width = Math.max(1, t1 - t0);
  return rows
    .map((row) => {
      const left = ((row.start - t0) / width) * 100;
      const right = (((row.end ?? t1) - t0) / width) * 100;
      return `<div class="row${row.indent ? ' sub' : ''}"><div class="label" title="${escapeHtml(row.label)}">${escapeHtml(row.label)}</div><div class="track"><div class="bar" style="left:${left.toFixed(2)}%;width:${Math.max(0.4, right - left).toFixed(2)}%;background:${row.color}" title="${escapeHtml(row.title)}"></div></div></div>`;
    })
    .join('\n');
}

export function renderReport(input: ReportInput): string {
  const { status, journal, workflowId, now } = input;
  const t0 = journal.startedAt ?? now;
  const t1 = journal.endedAt ?? now;
  const steps = [...status.steps, ...(status.rollback ?? [])];
  const rows: Row[] = [];
  for (const step of steps) {
    const row = stepRow(step, t1);
    if (row) rows.push(row);
    if (step.kind === 'gate') {
      const decision = status.decisions.find((d) => step.id.endsWith(d.gateId) || d.gateId === step.id);
      if (decision && row)
        row.title += ` — ${decision.outcome}${decision.by ? ` by ${decision.by}` : ''} at ${decision.at}${decision.comment ? `: ${decision.comment}` : ''}`;
    }
  }
  const activityRows: Row[] = journal.spans.map((s) => ({
    label: `${s.lane === 'timer' ? 'timer' : s.name}${s.subject ? ` ${s.subject}` : ''}`,
    start: s.start,
    end: s.end,
    color: STATE_COLOR[s.outcome],
    title: `${s.outcome}${s.attempts > 1 ? ` after ${s.attempts} attempts` : ''}, ${time(s.start)} for ${span(s.start, s.end ?? t1)}${s.failure ? `: ${s.failure}` : ''}`,
    indent: true,
  }));
  const outcome = status.outcome ?? (input.execution === 'RUNNING' ? 'running' : input.execution.toLowerCase());
  const outcomeColor = outcome === 'completed' ? '#2da44e' : outcome === 'running' ? '#54aeff' : '#cf222e';

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(workflowId)}: ${escapeHtml(outcome)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2328;padding:0 1rem}
h1{font-size:1.4rem;margin:0}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
.outcome{display:inline-block;padding:.1rem .6rem;border-radius:1rem;color:#fff;font-weight:600}
.facts{color:#59636e}.none{color:#59636e}
.row{display:flex;align-items:center;height:22px}.row.sub .label{padding-left:1.2rem;color:#59636e}
.label{flex:0 0 40%;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding-right:.5rem}
.track{flex:1;position:relative;height:14px;background:#f6f8fa;border-radius:3px}
.bar{position:absolute;top:0;height:14px;border-radius:3px;min-width:2px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eaeef2;vertical-align:top}
.axis{display:flex;justify-content:space-between;margin-left:40%;color:#59636e;font-size:12px}
${ANALYSIS_CSS}
</style></head><body>
<h1>${escapeHtml(workflowId)} <span class="outcome" style="background:${outcomeColor}">${escapeHtml(outcome)}</span></h1>
<p class="facts">${escapeHtml(status.kind)} of Istio ${escapeHtml(status.source ?? '?')} → ${escapeHtml(status.target ?? '?')} on ${escapeHtml(status.cluster ?? '?')} (${escapeHtml([status.method, status.mode, status.strategy].filter(Boolean).join(', '))}), started by ${escapeHtml(status.initiator ?? '?')}<br>
${time(t0)} → ${journal.endedAt ? time(journal.endedAt) : 'still running'} (${span(t0, t1)}), ${journal.events} history events, report drawn ${time(now)}${status.overriddenPrechecks.length ? `<br>prechecks overridden: ${escapeHtml(status.overriddenPrechecks.join(', '))}` : ''}</p>
${status.failure ? `<p><strong>Failure:</strong> ${escapeHtml(`${status.failure.type}: ${status.failure.message}`)}</p>` : ''}
<h2>Timeline</h2>
<div class="axis"><span>${time(t0)}</span><span>${time(t1)}</span></div>
<h3>Steps</h3>
${rows.length ? bars(rows, t0, t1) : '<p class="none">no step started</p>'}
<h3>Activities, timers and child workflows</h3>
${activityRows.length ? bars(activityRows, t0, t1) : '<p class="none">none</p>'}
${analysisReport(status, t0, t1)}
<h2>Decisions</h2>
${tableHtml(
  ['at', 'gate', 'outcome', 'by', 'via', 'comment'],
  status.decisions.map((d) => [d.at, d.gateId, d.outcome, d.by ?? '', d.via, d.comment ?? '']),
)}
<h2>Operator controls</h2>
${tableHtml(
  ['at', 'action', 'by', 'step', 'comment'],
  status.controls.map((c) => [
    c.at,
    c.seconds ? `${c.action} +${formatDuration(c.seconds)}` : c.action,
    c.by,
    c.stepId ?? '',
    c.comment ?? '',
  ]),
)}
<h2>Signals and Updates received</h2>
${tableHtml(
  ['at', 'via', 'name', 'by (payload)', 'client identity', 'details'],
  journal.messages.map((m) => [time(m.at), m.via, m.name, m.by ?? '', m.identity ?? '', m.detail]),
)}
${
  status.refused.length
    ? `<h2>Refused answers</h2>${tableHtml(
        ['at', 'gate', 'from', 'reason'],
        status.refused.map((r) => [r.at, r.gateId, r.by, r.reason]),
      )}`
    : ''
}
<h2>Workloads</h2>
${tableHtml(
  ['workload', 'state', 'rollouts', 'test', 'reverted to'],
  status.workloads.map((w) => [
    `${w.namespace}/${w.name}`,
    w.state,
    String(w.attempts),
    w.test ? `${w.test.passed ? 'passed' : 'FAILED'}: ${w.test.summary}` : '',
    w.revertedToRevision ?? '',
  ]),
)}
${status.blockers.length ? `<h2>Old revision still used by</h2><ul>${status.blockers.map((b) => `<li>${escapeHtml(b)}</li>`).join('')}</ul>` : ''}
<h2>Outcome</h2>
<p>${escapeHtml(outcome)}${status.failure ? `: ${escapeHtml(status.failure.message)}` : ''}</p>
</body></html>
`;
}
