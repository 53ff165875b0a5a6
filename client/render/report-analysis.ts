/**
 * The report's analysis section: every run with its phase and why it ended, one chart per check
 * over the upgrade, the baselines read at the start, and every measurement with its query, so the
 * page alone is enough to audit each verdict.
 */
import type { Measurement } from '../../core/analysis/measurement.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import { allMeasurements, analysisOf, formatValue, POINT_NAMES } from './analysis.js';
import { analysisChart, VERDICT_COLOR } from './analysis-chart.js';
import { escapeHtml, tableHtml } from './html.js';

export const ANALYSIS_CSS = `.chart{display:block;margin:.5rem 0 1rem}.rule{color:#59636e;margin:.2rem 0}
.verdict-Failed td.verdict{color:${VERDICT_COLOR.Failed};font-weight:600}.verdict-Error td.verdict{color:${VERDICT_COLOR.Error};font-weight:600}
.verdict-Inconclusive td.verdict{color:#9a6700;font-weight:600}td code{font-size:11px;word-break:break-all;color:#59636e}`;

function thresholdText(m: Measurement): string {
  const t = m.threshold;
  if (t === undefined) return '';
  return [
    t.min === undefined ? '' : `min ${formatValue(t.min)}`,
    t.max === undefined ? '' : `max ${formatValue(t.max)}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** The section, or an empty string when the upgrade ran no analysis. */
export function analysisReport(status: UpgradeStatus, t0: number, t1: number): string {
  const analysis = analysisOf(status);
  if (analysis === null) return '';
  const measured = allMeasurements(analysis.runs);
  const checks = [...new Set(measured.map(({ measurement }) => measurement.check))];
  const steps = [...status.steps, ...(status.rollback ?? [])];
  const charts = checks.map((check) => {
    const measurements = measured.filter(({ measurement }) => measurement.check === check).map((e) => e.measurement);
    const runs = analysis.runs.filter((run) => run.measurements.some((m) => m.check === check));
    // An Error has no rule to show (the query failed before any judging).
    const rules = [...new Set(measurements.map((m) => m.rule).filter((rule) => rule !== ''))].join(' | ');
    const unpassed = measurements.filter((m) => m.verdict !== 'Successful').length;
    return `<section class="check" data-check="${escapeHtml(check)}"><h3>${escapeHtml(check)}</h3>
<p class="rule">${escapeHtml(rules)}: ${measurements.length} measurements, ${unpassed} did not pass. Numbers at the top are steps (hover for each); shaded spans are analysis runs.</p>
${analysisChart({ check, measurements, runs, steps, t0, t1 })}</section>`;
  });
  const rows = measured
    .map(({ run, measurement: m }) => {
      const cells = [
        m.at,
        `${POINT_NAMES[run.point]} (${run.id})`,
        m.check,
        `${m.namespace}/${m.workload}`,
        formatValue(m.value),
        m.baseline === null ? '' : formatValue(m.baseline),
        thresholdText(m),
        m.rule,
      ];
      return `<tr class="verdict-${m.verdict}">${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}<td class="verdict">${escapeHtml(m.dryRun ? `${m.verdict} (dry run)` : m.verdict)}</td><td>${escapeHtml(m.reason)}</td><td><code>${escapeHtml(m.query)}</code></td></tr>`;
    })
    .join('\n');
  return `<h2>Analysis</h2>
${tableHtml(
  ['point', 'run', 'step', 'phase', 'started', 'ended', 'measurements', 'why it ended'],
  analysis.runs.map((run) => [
    POINT_NAMES[run.point],
    run.id,
    run.stepId,
    run.phase,
    run.startedAt,
    run.endedAt ?? 'running',
    String(run.measurements.length),
    run.summary ?? '',
  ]),
)}
${charts.join('\n')}
<h3>Baselines (read before the upgrade touched each workload)</h3>
${tableHtml(
  ['check', 'workload', 'value', 'window', 'ended', 'query'],
  analysis.baselines.map((b) => [
    b.check,
    `${b.namespace}/${b.workload}`,
    formatValue(b.value),
    `${b.windowSeconds}s`,
    b.at,
    b.query,
  ]),
)}
<h3>Every measurement</h3>
${
  measured.length === 0
    ? '<p class="none">none</p>'
    : `<table class="measurements"><thead><tr>${[
        'at',
        'run',
        'check',
        'workload',
        'value',
        'baseline',
        'threshold',
        'rule',
        'verdict',
        'why',
        'query',
      ]
        .map((h) => `<th>${h}</th>`)
        .join('')}</tr></thead><tbody>
${rows}
</tbody></table>`
}`;
}
