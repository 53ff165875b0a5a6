/**
 * One value against a check's threshold and its baseline rule: the verdict of one measurement,
 * with the rule and the reason in words that name the value, the baseline and the bound, so the
 * gate and the report need nothing else to explain it.
 */
import type { AnalysisCheck } from './checks.js';
import type { AnalysisPhase } from './measurement.js';

export interface Judgement {
  verdict: AnalysisPhase;
  rule: string;
  reason: string;
}

/** Short and exact enough for a gate: 0.9912, 843.2, 12. */
export function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

/** The check's rule in words: "min 0.99; at most 0.5 points below baseline". */
export function describeRule(check: AnalysisCheck): string {
  const parts: string[] = [];
  if (check.min !== null) parts.push(`min ${formatValue(check.min)}`);
  if (check.max !== null) parts.push(`max ${formatValue(check.max)}`);
  const rule = check.baseline;
  if (rule !== null) {
    if (rule.maxDecrease !== undefined) parts.push(`at most ${formatValue(rule.maxDecrease)} below baseline`);
    if (rule.maxIncrease !== undefined) parts.push(`at most ${formatValue(rule.maxIncrease)} above baseline`);
    if (rule.maxDecreasePercent !== undefined)
      parts.push(`at most ${formatValue(rule.maxDecreasePercent)} % below baseline`);
    if (rule.maxIncreasePercent !== undefined)
      parts.push(`at most ${formatValue(rule.maxIncreasePercent)} % above baseline`);
  }
  return parts.join('; ');
}

/** Each bound of the baseline rule as [lowest or highest allowed value, how it was derived]. */
function baselineBounds(
  check: AnalysisCheck,
  baseline: number,
): { low: number | null; high: number | null; how: string[] } {
  const rule = check.baseline;
  const lows: [number, string][] = [];
  const highs: [number, string][] = [];
  if (rule?.maxDecrease !== undefined)
    lows.push([baseline - rule.maxDecrease, `${formatValue(rule.maxDecrease)} below`]);
  if (rule?.maxDecreasePercent !== undefined)
    lows.push([baseline * (1 - rule.maxDecreasePercent / 100), `${formatValue(rule.maxDecreasePercent)} % below`]);
  if (rule?.maxIncrease !== undefined)
    highs.push([baseline + rule.maxIncrease, `${formatValue(rule.maxIncrease)} above`]);
  if (rule?.maxIncreasePercent !== undefined)
    highs.push([baseline * (1 + rule.maxIncreasePercent / 100), `${formatValue(rule.maxIncreasePercent)} % above`]);
  const low = lows.sort(([a], [b]) => b - a)[0];
  const high = highs.sort(([a], [b]) => a - b)[0];
  return {
    low: low?.[0] ?? null,
    high: high?.[0] ?? null,
    how: [low?.[1], high?.[1]].filter((text): text is string => text !== undefined),
  };
}

/**
 * The verdict for `value` (null: Prometheus had no data, or NaN such as 0/0). No data is what the
 * check's `noData` says, Inconclusive unless written otherwise; a baseline rule without a baseline
 * cannot judge, which is Inconclusive too: neither is ever a silent pass.
 */
export function judge(check: AnalysisCheck, value: number | null, baseline: number | null): Judgement {
  const rule = describeRule(check);
  const of = (verdict: AnalysisPhase, reason: string): Judgement => ({ verdict, rule, reason });
  if (value === null || Number.isNaN(value)) {
    const verdict = check.noData === 'fail' ? 'Failed' : check.noData === 'pass' ? 'Successful' : 'Inconclusive';
    return of(verdict, `no data (noData: ${check.noData})`);
  }
  const shown = formatValue(value);
  if (check.min !== null && value < check.min) return of('Failed', `${shown} < min ${formatValue(check.min)}`);
  if (check.max !== null && value > check.max) return of('Failed', `${shown} > max ${formatValue(check.max)}`);
  if (check.baseline === null) return of('Successful', `${shown} within ${rule}`);
  if (baseline === null || Number.isNaN(baseline))
    return of('Inconclusive', `${shown}, but no baseline to compare with (the baseline window had no data)`);
  const bounds = baselineBounds(check, baseline);
  const base = formatValue(baseline);
  if (bounds.low !== null && value < bounds.low)
    return of(
      'Failed',
      `${shown} is ${formatValue(baseline - value)} below baseline ${base} (allowed: ${bounds.how[0] ?? ''}, down to ${formatValue(bounds.low)})`,
    );
  if (bounds.high !== null && value > bounds.high)
    return of(
      'Failed',
      `${shown} is ${formatValue(value - baseline)} above baseline ${base}${baseline > 0 ? ` (+${formatValue(((value - baseline) / baseline) * 100)} %)` : ''} (allowed: ${bounds.how[bounds.how.length - 1] ?? ''}, up to ${formatValue(bounds.high)})`,
    );
  return of('Successful', `${shown} within ${rule} (baseline ${base})`);
}
