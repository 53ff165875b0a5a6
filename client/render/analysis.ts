/**
 * The analysis as the CLI and the report read it: the latest run at each point of the runbook,
 * the latest measurement of each check and workload with the ones that need a human first, and
 * values printed the same way everywhere. Pure, from the status alone.
 */
import {
  ANALYSIS_POINTS,
  type AnalysisPhase,
  type AnalysisPoint,
  type AnalysisRun,
  type Measurement,
} from '../../core/analysis/measurement.js';
import type { UpgradeStatus } from '../../workflows/messages.js';

/** The point in words, as the runbook names it. */
export const POINT_NAMES: Record<AnalysisPoint, string> = {
  soak: 'soak',
  restarts: 'after restarts',
  ztunnel: 'after ztunnel',
  'before-removal': 'before removal',
};

/** Failed first: the order an operator reads a list in when deciding what to do next. */
const VERDICT_ORDER: Record<AnalysisPhase, number> = { Failed: 0, Error: 1, Inconclusive: 2, Successful: 3 };

export function needsAttention(verdict: AnalysisPhase): boolean {
  return verdict !== 'Successful';
}

/**
 * Ratios (success rate) need four significant digits to show a half-point drop; latencies in
 * milliseconds read best with one decimal. No data is said, never printed as zero.
 */
export function formatValue(value: number | null): string {
  if (value === null) return 'no data';
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) < 1) return String(Number(value.toPrecision(4)));
  return String(Math.round(value * 10) / 10);
}

/** `14:02:09Z` from an ISO time: runs of one upgrade share the day, and the run id says which. */
export function clock(iso: string): string {
  return `${iso.slice(11, 19)}Z`;
}

/** The latest run at each point, in runbook order; a point with no run is left out. */
export function latestRunPerPoint(runs: readonly AnalysisRun[]): AnalysisRun[] {
  const latest = new Map<AnalysisPoint, AnalysisRun>();
  for (const run of runs) {
    const known = latest.get(run.point);
    if (known === undefined || run.startedAt >= known.startedAt) latest.set(run.point, run);
  }
  return ANALYSIS_POINTS.flatMap((point) => latest.get(point) ?? []);
}

/**
 * The latest measurement of each check and workload over every run, failing ones first (a dry
 * run's after those acted on), then by check and workload. Runs are kept in the order they started, so a later entry is newer; `at`
 * decides between entries of different runs.
 */
export function latestMeasurements(runs: readonly AnalysisRun[]): Measurement[] {
  const latest = new Map<string, Measurement>();
  for (const run of runs)
    for (const measurement of run.measurements) {
      const key = `${measurement.check}\u0000${measurement.namespace}\u0000${measurement.workload}`;
      const known = latest.get(key);
      if (known === undefined || measurement.at >= known.at) latest.set(key, measurement);
    }
  return [...latest.values()].sort(
    (a, b) =>
      VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] ||
      Number(a.dryRun) - Number(b.dryRun) ||
      a.check.localeCompare(b.check) ||
      a.namespace.localeCompare(b.namespace) ||
      a.workload.localeCompare(b.workload),
  );
}

/** Every measurement of every run with the run it belongs to, oldest first. */
export function allMeasurements(runs: readonly AnalysisRun[]): { run: AnalysisRun; measurement: Measurement }[] {
  return runs
    .flatMap((run) => run.measurements.map((measurement) => ({ run, measurement })))
    .sort((a, b) => (a.measurement.at < b.measurement.at ? -1 : a.measurement.at > b.measurement.at ? 1 : 0));
}

/** The verdict as printed: a dry run's verdict is shown but marked as not acted on. */
export function verdictText(measurement: Measurement): string {
  return measurement.dryRun ? `${measurement.verdict} (dry run)` : measurement.verdict;
}

export function analysisOf(status: UpgradeStatus): NonNullable<UpgradeStatus['analysis']> | null {
  const analysis = status.analysis;
  if (analysis === undefined || (analysis.runs.length === 0 && analysis.baselines.length === 0)) return null;
  return analysis;
}
