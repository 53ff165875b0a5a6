/**
 * One check over the whole upgrade as an inline SVG (no script, no font, no network): its value
 * per workload against time, the threshold and the baseline as lines, the steps marked where they
 * started, and every measurement that did not pass marked by its verdict. With many workloads one
 * line each would be unreadable, so the chart shows the band all of them span and the worst one.
 * Every element an auditor may hover carries a <title>.
 */
import type { AnalysisPhase, AnalysisRun, Measurement } from '../../core/analysis/measurement.js';
import type { StepStatus } from '../../workflows/messages.js';
import { formatValue } from './analysis.js';
import { escapeHtml } from './html.js';

export interface ChartInput {
  check: string;
  measurements: readonly Measurement[];
  /** The runs that measured this check, drawn as shaded spans. */
  runs: readonly AnalysisRun[];
  /** The upgrade's steps, numbered as `status` numbers them. */
  steps: readonly StepStatus[];
  /** The time axis: the upgrade's start and its end (or now). */
  t0: number;
  t1: number;
}

/** Above this many workloads, lines give way to the band and the worst workload. */
export const MAX_LINES = 8;
/** Above this many started steps, only the steps that are not per-workload are marked. */
const MAX_STEP_MARKS = 40;

const WIDTH = 1000;
const HEIGHT = 270;
const PLOT = { left: 64, right: 800, top: 30, bottom: 226 };
const LEGEND_X = 816;

const PALETTE = ['#0969da', '#1a7f37', '#8250df', '#bf8700', '#1b7c83', '#a40e26', '#6e7781', '#d1242f'];
export const VERDICT_COLOR: Record<AnalysisPhase, string> = {
  Successful: '#1a7f37',
  Failed: '#cf222e',
  Inconclusive: '#d4a72c',
  Error: '#8250df',
};
const THRESHOLD_COLOR = '#cf222e';

const num = (n: number) => String(Math.round(n * 10) / 10);
const title = (text: string) => `<title>${escapeHtml(text)}</title>`;
const workloadOf = (m: Measurement) => `${m.namespace}/${m.workload}`;
const clockOf = (ms: number, seconds: boolean) => new Date(ms).toISOString().slice(11, seconds ? 19 : 16);

/** About six round ticks between lo and hi (1, 2, 2.5 or 5 times a power of ten apart). */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

const TIME_STEPS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** Round clock times between t0 and t1, at most seven of them. */
export function timeTicks(t0: number, t1: number): number[] {
  const seconds = TIME_STEPS.find((step) => (t1 - t0) / (step * 1000) <= 7) ?? 86400;
  const step = seconds * 1000;
  const ticks: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return ticks;
}

/** The direction a value goes when it gets worse, from the check's threshold: lower for a min. */
function worseIsLower(measurements: readonly Measurement[]): boolean | null {
  const threshold = measurements.find((m) => m.threshold !== undefined)?.threshold;
  if (threshold?.min !== undefined) return true;
  if (threshold?.max !== undefined) return false;
  return null;
}

/** The workload that needs a look most: the most verdicts that did not pass, then the furthest value. */
function worstWorkload(series: Map<string, Measurement[]>, lower: boolean | null): string | null {
  let worst: { name: string; unpassed: number; extreme: number } | null = null;
  for (const [name, points] of series) {
    const unpassed = points.filter((m) => m.verdict !== 'Successful').length;
    const values = points.flatMap((m) => (m.value === null ? [] : [m.value]));
    const extreme = values.length === 0 ? 0 : lower === false ? Math.max(...values) : -Math.min(...values);
    if (
      worst === null ||
      unpassed > worst.unpassed ||
      (unpassed === worst.unpassed && lower !== null && extreme > worst.extreme)
    )
      worst = { name, unpassed, extreme };
  }
  return worst?.name ?? null;
}

export function analysisChart(input: ChartInput): string {
  const { check, measurements, t0 } = input;
  const runOf = new Map<Measurement, number>();
  input.runs.forEach((run, index) => {
    for (const m of run.measurements) runOf.set(m, index);
  });
  /** The measurements given, split by the run that took them, in time order. */
  const segments = (of: readonly Measurement[]): Measurement[][] => {
    const byRun = new Map<number, Measurement[]>();
    for (const m of of) byRun.set(runOf.get(m) ?? -1, [...(byRun.get(runOf.get(m) ?? -1) ?? []), m]);
    return [...byRun.values()].map((segment) => [...segment].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)));
  };
  const t1 = Math.max(input.t1, t0 + 1);
  const series = new Map<string, Measurement[]>();
  for (const m of [...measurements].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)))
    series.set(workloadOf(m), [...(series.get(workloadOf(m)) ?? []), m]);
  const names = [...series.keys()].sort();
  const banded = names.length > MAX_LINES;
  const lower = worseIsLower(measurements);
  const worst = banded ? worstWorkload(series, lower) : null;
  const lined = banded ? (worst === null ? [] : [worst]) : names;
  const colorOf = (name: string) => (banded ? '#cf222e' : (PALETTE[names.indexOf(name) % PALETTE.length] ?? '#0969da'));

  const threshold = measurements.find((m) => m.threshold !== undefined)?.threshold ?? {};
  const baselines = new Map<string, number>();
  for (const name of lined) {
    const baseline = series.get(name)?.find((m) => m.baseline !== null)?.baseline;
    if (baseline !== undefined && baseline !== null) baselines.set(name, baseline);
  }

  // The y domain holds every value, the threshold and the baselines drawn, with a little air.
  const values = measurements.flatMap((m) => (m.value === null ? [] : [m.value]));
  const domain = [...values, ...baselines.values()];
  if (threshold.min !== undefined) domain.push(threshold.min);
  if (threshold.max !== undefined) domain.push(threshold.max);
  let lo = domain.length > 0 ? Math.min(...domain) : 0;
  let hi = domain.length > 0 ? Math.max(...domain) : 1;
  const air = (hi - lo) * 0.08 || Math.abs(hi) * 0.01 || 1;
  lo -= air;
  hi += air;
  const x = (ms: number) => PLOT.left + ((Math.min(Math.max(ms, t0), t1) - t0) / (t1 - t0)) * (PLOT.right - PLOT.left);
  const y = (v: number) => PLOT.bottom - ((v - lo) / (hi - lo)) * (PLOT.bottom - PLOT.top);

  const parts: string[] = [];
  // Analysis runs as shaded spans, under everything else.
  for (const run of input.runs) {
    const start = x(Date.parse(run.startedAt));
    const end = x(run.endedAt === null ? t1 : Date.parse(run.endedAt));
    parts.push(
      `<rect class="run" data-run="${escapeHtml(run.id)}" x="${num(start)}" y="${PLOT.top}" width="${num(Math.max(1, end - start))}" height="${PLOT.bottom - PLOT.top}" fill="#f0f3f6">${title(`${run.id}: ${run.phase}${run.summary ? ` (${run.summary})` : ''}`)}</rect>`,
    );
  }
  // Axes, y ticks with light grid lines, x ticks in clock time.
  for (const tick of niceTicks(lo, hi)) {
    parts.push(
      `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${num(y(tick))}" y2="${num(y(tick))}" stroke="#eaeef2"/>`,
      `<text x="${PLOT.left - 6}" y="${num(y(tick) + 4)}" text-anchor="end" class="tick">${escapeHtml(formatValue(tick))}</text>`,
    );
  }
  const ticks = timeTicks(t0, t1);
  const withSeconds = ticks.some((ms) => ms % 60_000 !== 0);
  for (const ms of ticks)
    parts.push(
      `<line x1="${num(x(ms))}" x2="${num(x(ms))}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 4}" stroke="#8c959f"/>`,
      `<text x="${num(x(ms))}" y="${PLOT.bottom + 16}" text-anchor="middle" class="tick">${clockOf(ms, withSeconds)}</text>`,
    );
  parts.push(
    `<line x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#8c959f"/>`,
    `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}" stroke="#8c959f"/>`,
  );

  // Steps where they started, numbered as in `status`; labels that would collide are left to the tooltip.
  const started = input.steps.flatMap((step, index) => (step.startedAt ? [{ step, number: index + 1 }] : []));
  const marked =
    started.length > MAX_STEP_MARKS
      ? started.filter(({ step }) => step.kind !== 'restart-workload' && step.kind !== 'test-workload')
      : started;
  let lastLabel = -Infinity;
  for (const { step, number } of marked) {
    const at = x(Date.parse(step.startedAt ?? ''));
    const label = at - lastLabel >= 14;
    if (label) lastLabel = at;
    parts.push(
      `<g class="step" data-step="${escapeHtml(step.id)}">${title(`step ${number}: ${step.description} (started ${step.startedAt ?? ''}, ${step.state})`)}<line x1="${num(at)}" x2="${num(at)}" y1="${PLOT.top - 12}" y2="${PLOT.bottom}" stroke="#8c959f" stroke-dasharray="2 3"/>${label ? `<text x="${num(at)}" y="${PLOT.top - 16}" text-anchor="middle" class="step-label">${number}</text>` : ''}</g>`,
    );
  }

  // The band all workloads span, per measurement time, when there are too many for lines.
  // Run by run: between runs nothing was measured, and a band across the gap would say otherwise.
  if (banded) {
    for (const segment of segments(measurements)) {
      const columns = new Map<number, { min: number; max: number }>();
      for (const m of segment) {
        if (m.value === null) continue;
        const column = Math.round(x(Date.parse(m.at)));
        const known = columns.get(column);
        columns.set(column, {
          min: Math.min(known?.min ?? m.value, m.value),
          max: Math.max(known?.max ?? m.value, m.value),
        });
      }
      const sorted = [...columns.entries()].sort((a, b) => a[0] - b[0]);
      if (sorted.length === 0) continue;
      const top = sorted.map(([cx, { max }]) => `${cx},${num(y(max))}`);
      const bottom = sorted.reverse().map(([cx, { min }]) => `${cx},${num(y(min))}`);
      parts.push(
        `<polygon class="band" points="${[...top, ...bottom].join(' ')}" fill="#0969da" fill-opacity="0.15" stroke="#0969da" stroke-opacity="0.4" stroke-width="${sorted.length === 1 ? 3 : 1}">${title(`range of the ${names.length} workloads`)}</polygon>`,
      );
    }
  }

  // Threshold and baselines as lines across the plot.
  for (const [bound, value] of [
    ['min', threshold.min],
    ['max', threshold.max],
  ] as const) {
    if (value === undefined) continue;
    parts.push(
      `<g class="threshold" data-bound="${bound}" data-value="${value}">${title(`threshold: ${bound} ${formatValue(value)}`)}<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${num(y(value))}" y2="${num(y(value))}" stroke="${THRESHOLD_COLOR}" stroke-width="1.5" stroke-dasharray="6 4"/><text x="${PLOT.right - 4}" y="${num(y(value) - 4)}" text-anchor="end" class="line-label" fill="${THRESHOLD_COLOR}">${bound} ${escapeHtml(formatValue(value))}</text></g>`,
    );
  }
  for (const [name, value] of baselines) {
    parts.push(
      `<g class="baseline" data-series="${escapeHtml(name)}" data-value="${value}">${title(`baseline of ${name}: ${formatValue(value)}`)}<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${num(y(value))}" y2="${num(y(value))}" stroke="${colorOf(name)}" stroke-opacity="0.6" stroke-dasharray="1 3" stroke-width="1.5"/></g>`,
    );
  }

  // One line per workload drawn, its points on it.
  // A line per run: a gap between runs was not measured and is left open.
  for (const name of lined) {
    const runsOfSeries = segments(series.get(name) ?? []).map((segment) => segment.filter((m) => m.value !== null));
    const points = runsOfSeries.flat();
    const at = (m: Measurement) => `${num(x(Date.parse(m.at)))},${num(y(m.value ?? 0))}`;
    parts.push(
      `<g class="series" data-series="${escapeHtml(name)}" data-points="${points.length}">${runsOfSeries
        .filter((segment) => segment.length > 1)
        .map(
          (segment) =>
            `<polyline points="${segment.map(at).join(' ')}" fill="none" stroke="${colorOf(name)}" stroke-width="1.5"/>`,
        )
        .join('')}${points
        .map((m) => {
          const [cx, cy] = at(m).split(',');
          return `<circle cx="${cx}" cy="${cy}" r="2.5" fill="${colorOf(name)}">${title(`${name} ${formatValue(m.value)} at ${m.at}`)}</circle>`;
        })
        .join('')}</g>`,
    );
  }

  // Every measurement that did not pass, whatever workload: no data and errors sit on the axis.
  for (const m of measurements) {
    if (m.verdict === 'Successful') continue;
    const cx = num(x(Date.parse(m.at)));
    const color = VERDICT_COLOR[m.verdict];
    const fill = m.dryRun ? '#ffffff' : color;
    const what = `${m.verdict}${m.dryRun ? ' (dry run)' : ''}: ${workloadOf(m)} ${formatValue(m.value)}${m.baseline === null ? '' : ` (baseline ${formatValue(m.baseline)})`} at ${m.at}: ${m.reason}`;
    parts.push(
      m.value === null
        ? `<path class="verdict" data-verdict="${m.verdict}" d="M${cx} ${PLOT.bottom - 9} l5 9 h-10 z" fill="${fill}" stroke="${color}" stroke-width="1.5">${title(what)}</path>`
        : `<circle class="verdict" data-verdict="${m.verdict}" cx="${cx}" cy="${num(y(m.value))}" r="5" fill="${fill}" stroke="${color}" stroke-width="2">${title(what)}</circle>`,
    );
  }

  // The legend, right of the plot.
  const legend: string[] = [];
  const entry = (swatch: string, text: string) =>
    legend.push(
      `<g transform="translate(${LEGEND_X},${PLOT.top + legend.length * 16})">${swatch}<text x="22" y="4" class="legend">${escapeHtml(text)}</text></g>`,
    );
  if (banded) {
    entry(
      `<rect x="0" y="-5" width="16" height="10" fill="#0969da" fill-opacity="0.15" stroke="#0969da" stroke-opacity="0.4"/>`,
      `all ${names.length} workloads`,
    );
    if (worst !== null)
      entry(`<line x1="0" x2="16" y1="0" y2="0" stroke="#cf222e" stroke-width="2"/>`, `worst: ${worst}`);
  } else {
    for (const name of names)
      entry(`<line x1="0" x2="16" y1="0" y2="0" stroke="${colorOf(name)}" stroke-width="2"/>`, name);
  }
  if (threshold.min !== undefined || threshold.max !== undefined)
    entry(
      `<line x1="0" x2="16" y1="0" y2="0" stroke="${THRESHOLD_COLOR}" stroke-dasharray="6 4" stroke-width="1.5"/>`,
      'threshold',
    );
  if (baselines.size > 0)
    entry(
      `<line x1="0" x2="16" y1="0" y2="0" stroke="#57606a" stroke-dasharray="1 3" stroke-width="1.5"/>`,
      'baseline',
    );
  for (const verdict of ['Failed', 'Inconclusive', 'Error'] as const)
    if (measurements.some((m) => m.verdict === verdict))
      entry(`<circle cx="8" cy="0" r="5" fill="${VERDICT_COLOR[verdict]}"/>`, verdict);
  if (measurements.some((m) => m.dryRun && m.verdict !== 'Successful'))
    entry(`<circle cx="8" cy="0" r="5" fill="#ffffff" stroke="#57606a" stroke-width="2"/>`, 'dry run (not acted on)');

  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-check="${escapeHtml(check)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="${escapeHtml(`${check} over the upgrade`)}">
<style>.tick,.legend,.step-label,.line-label{font:11px system-ui,-apple-system,Segoe UI,sans-serif}.tick,.legend{fill:#57606a}.step-label{fill:#1f2328}.line-label{font-weight:600}</style>
${parts.join('\n')}
${legend.join('\n')}
</svg>`;
}
