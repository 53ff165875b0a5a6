/**
 * The plan's analysis as an operator reads it before starting: which Prometheus, how runs are
 * paced, each check with its rule, where in the runbook analysis runs and for which workloads,
 * which checks have no data where and why (ambient without a waypoint: L4 only), and the
 * baselines `plan` read. Pure: from the plan alone.
 */
import type { AnalysisCheck } from '../../core/analysis/checks.js';
import { describeRule } from '../../core/analysis/judge.js';
import type { AnalysisPointPlan, AnalysisPlan, AnalysisTargetPlan } from '../../core/analysis/plan.js';
import type { Plan } from '../../core/plan/steps.js';
import { formatDuration } from '../../core/spec/duration.js';
import { formatValue, POINT_NAMES } from './analysis.js';
import { table } from './table.js';

/** Baseline rows shown; the rest are counted (`plan --json` has them all). */
const BASELINE_ROWS = 20;
/** Workload names listed per namespace before they are counted. */
const NAMES_SHOWN = 8;

/** `7-12, 15`: step numbers as ranges. */
export function stepRanges(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] ?? 0) === (sorted[j] ?? 0) + 1) j += 1;
    ranges.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return ranges.join(', ');
}

function checkLine(check: AnalysisCheck): string {
  const kind = [check.layer, check.builtIn ? 'built-in' : 'custom query', ...(check.dryRun ? ['dry run'] : [])];
  return `${check.name} (${kind.join(', ')}): ${describeRule(check)}; no data: ${check.noData}`;
}

function pointLines(plan: Plan, points: readonly AnalysisPointPlan[]): string[] {
  const stepNumber = new Map(plan.steps.map((step, index) => [step.id, index + 1]));
  const lines: string[] = [];
  for (const point of ['soak', 'restarts', 'ztunnel', 'before-removal'] as const) {
    const at = points.filter((p) => p.point === point);
    if (at.length === 0) continue;
    const numbers = at.flatMap((p) => stepNumber.get(p.stepId) ?? []);
    const workloads = new Set(at.flatMap((p) => p.targets.map((t) => `${t.namespace}/${t.workload}`)));
    const which =
      point === 'restarts'
        ? `each restart's own workload (${workloads.size})`
        : `${workloads.size} workload${workloads.size === 1 ? '' : 's'}`;
    lines.push(
      `    ${POINT_NAMES[point]}: step${numbers.length === 1 ? '' : 's'} ${stepRanges(numbers)}, for ${which}`,
    );
  }
  return lines;
}

const TELEMETRY: Record<AnalysisTargetPlan['telemetry'], string> = {
  sidecar: 'sidecars, L7',
  waypoint: 'waypoint, L7',
  ztunnel: 'ztunnel only, L4',
};

function targetLines(targets: readonly AnalysisTargetPlan[]): string[] {
  const groups = new Map<string, AnalysisTargetPlan[]>();
  for (const target of targets) {
    const key = `${target.namespace}\u0000${target.telemetry}\u0000${target.checks.join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), target]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as AnalysisTargetPlan;
    const names = group.map((t) => t.workload);
    const shown =
      names.length > NAMES_SHOWN
        ? `${names.slice(0, NAMES_SHOWN).join(', ')} and ${names.length - NAMES_SHOWN} more`
        : names.join(', ');
    return `    ${first.namespace} (${TELEMETRY[first.telemetry]}): ${shown}: ${first.checks.length > 0 ? first.checks.join(', ') : 'no check has data'}`;
  });
}

function baselineLines(analysis: AnalysisPlan): string[] {
  const baselines = analysis.baselines;
  if (baselines === undefined) return [];
  const lines = [
    '',
    `  Baselines read now (the ${formatDuration(analysis.baselineWindowSeconds)} before ${baselines[0]?.at ?? 'now'}):`,
  ];
  if (baselines.length === 0) return [...lines, '    none: no check has a baseline rule'];
  // Those without data first: their baseline rules will be Inconclusive, which an operator wants to know now.
  const sorted = [...baselines].sort((a, b) => Number(a.value !== null) - Number(b.value !== null));
  lines.push(
    ...table(
      ['check', 'workload', 'baseline'],
      sorted
        .slice(0, BASELINE_ROWS)
        .map((b) => [
          b.check,
          `${b.namespace}/${b.workload}`,
          b.value === null ? 'no data: its baseline rule will be Inconclusive' : formatValue(b.value),
        ]),
    )
      .split('\n')
      .map((line) => `    ${line}`),
  );
  if (sorted.length > BASELINE_ROWS)
    lines.push(`    and ${sorted.length - BASELINE_ROWS} more (\`plan --json\` lists them all)`);
  return lines;
}

/** The analysis part of `plan`, or nothing when the spec has none. */
export function renderPlanAnalysis(plan: Plan): string[] {
  const analysis = plan.analysis;
  if (analysis === undefined) return [];
  const where = analysis.address ?? "the worker's PROMETHEUS_URL";
  const lines = [
    '',
    `Analysis (Prometheus: ${where}):`,
    `  every ${formatDuration(analysis.intervalSeconds)}, ${analysis.count} measurement${analysis.count === 1 ? '' : 's'} per run${analysis.initialDelaySeconds > 0 ? ` after ${formatDuration(analysis.initialDelaySeconds)}` : ''}; failureLimit ${analysis.failureLimit}, inconclusiveLimit ${analysis.inconclusiveLimit} (per check and workload); baselines over the ${formatDuration(analysis.baselineWindowSeconds)} before the upgrade touches a workload`,
    '  checks:',
    ...analysis.checks.map((check) => `    ${checkLine(check)}`),
    '  runs:',
    ...(analysis.points.length > 0
      ? pointLines(plan, analysis.points)
      : ['    nowhere: no workload in scope has data for any check']),
    '  workloads:',
    ...(analysis.targets.length > 0 ? targetLines(analysis.targets) : ['    none in scope']),
  ];
  if (analysis.notes.length > 0) lines.push('  without data:', ...analysis.notes.map((note) => `    - ${note}`));
  lines.push(...baselineLines(analysis));
  return lines;
}
