/**
 * A run's phase from its measurements, in Argo Rollouts' terms. Each check on each workload is
 * one series: it fails once its Failed measurements exceed `failureLimit`, is Inconclusive once
 * its Inconclusive ones exceed `inconclusiveLimit`, errs once its consecutive Errors exceed the
 * error limit, and succeeds after `count` measurements. The run takes the worst series' phase
 * (Failed, then Error, then Inconclusive); dry-run measurements are recorded and never count.
 */
import { formatValue } from './judge.js';
import type { AnalysisPhase, Measurement } from './measurement.js';

export interface RunLimits {
  count: number;
  failureLimit: number;
  inconclusiveLimit: number;
  /**
   * Consecutive errors tolerated per series. 0: every measurement activity has already been
   * retried (Temporal's retry policy), so one that still failed ends the run as Error.
   */
  errorLimit: number;
}

const WORST_FIRST: AnalysisPhase[] = ['Failed', 'Error', 'Inconclusive'];

export const seriesKey = (m: Pick<Measurement, 'check' | 'namespace' | 'workload'>) =>
  `${m.check} ${m.namespace}/${m.workload}`;

function seriesPhase(measurements: readonly Measurement[], limits: RunLimits): AnalysisPhase | 'Running' {
  const count = (verdict: AnalysisPhase) => measurements.filter((m) => m.verdict === verdict).length;
  if (count('Failed') > limits.failureLimit) return 'Failed';
  let consecutiveErrors = 0;
  for (const m of measurements) consecutiveErrors = m.verdict === 'Error' ? consecutiveErrors + 1 : 0;
  if (consecutiveErrors > limits.errorLimit) return 'Error';
  if (count('Inconclusive') > limits.inconclusiveLimit) return 'Inconclusive';
  return measurements.length >= limits.count ? 'Successful' : 'Running';
}

/** The phase of each series that counts (not dry-run), keyed `check namespace/workload`. */
export function phasesBySeries(
  measurements: readonly Measurement[],
  limits: RunLimits,
): Map<string, AnalysisPhase | 'Running'> {
  const series = new Map<string, Measurement[]>();
  for (const m of measurements) {
    if (m.dryRun) continue;
    series.set(seriesKey(m), [...(series.get(seriesKey(m)) ?? []), m]);
  }
  return new Map([...series].map(([key, list]) => [key, seriesPhase(list, limits)]));
}

/**
 * The run's phase once `rounds` measurement rounds are done. A run whose checks are all dry-run
 * (or that has no series at all) ends Successful after `count` rounds: it only records.
 */
export function runPhase(
  measurements: readonly Measurement[],
  limits: RunLimits,
  rounds: number,
): AnalysisPhase | 'Running' {
  const phases = [...phasesBySeries(measurements, limits).values()];
  const worst = WORST_FIRST.find((phase) => phases.includes(phase));
  if (worst !== undefined) return worst;
  if (phases.includes('Running')) return 'Running';
  return rounds >= limits.count ? 'Successful' : 'Running';
}

/**
 * Why a run ended in `phase`: each series in that phase with its latest deciding measurement,
 * naming check, workload, value and baseline ("request-success-rate bookinfo/reviews-v2: 0.91 is
 * 0.089 below baseline 0.999 …"). At most `limit` series, then how many more.
 */
export function summarize(
  measurements: readonly Measurement[],
  limits: RunLimits,
  phase: AnalysisPhase,
  limit = 3,
): string {
  const phases = phasesBySeries(measurements, limits);
  const keys = [...phases].filter(([, p]) => p === phase).map(([key]) => key);
  if (phase === 'Successful' || keys.length === 0) {
    const counted = measurements.filter((m) => !m.dryRun);
    const checks = new Set(counted.map((m) => m.check)).size;
    const workloads = new Set(counted.map((m) => `${m.namespace}/${m.workload}`)).size;
    const of = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
    return `${phase}: ${of(counted.length, 'measurement')} of ${of(checks, 'check')} on ${of(workloads, 'workload')}`;
  }
  const lines = keys.slice(0, limit).map((key) => {
    const last = [...measurements].reverse().find((m) => !m.dryRun && seriesKey(m) === key && m.verdict === phase);
    if (last === undefined) return key;
    const value = last.value === null ? 'no data' : formatValue(last.value);
    const baseline = last.baseline === null ? 'no baseline' : `baseline ${formatValue(last.baseline)}`;
    return `${key}: ${last.reason} [value ${value}, ${baseline}, rule: ${last.rule}]`;
  });
  const more = keys.length > limit ? `; and ${keys.length - limit} more` : '';
  return `${phase}: ${lines.join('; ')}${more}`;
}

/** The targets (namespace/workload) with a series in a phase other than Successful or Running. */
export function failingTargets(measurements: readonly Measurement[], limits: RunLimits): Map<string, AnalysisPhase> {
  const result = new Map<string, AnalysisPhase>();
  for (const [key, phase] of phasesBySeries(measurements, limits)) {
    if (phase === 'Successful' || phase === 'Running') continue;
    const target = key.slice(key.indexOf(' ') + 1);
    const known = result.get(target);
    if (known === undefined || WORST_FIRST.indexOf(phase) < WORST_FIRST.indexOf(known)) result.set(target, phase);
  }
  return result;
}
