/**
 * A check as the planner resolves it from the spec: its query template (the built-in's or the
 * operator's), the layer it reads and its rule, and the query rendered for one workload.
 */
import { formatDuration } from '../spec/duration.js';
import type { AnalysisLayer, AnalysisTarget } from './measurement.js';
import { BUILT_IN_CHECKS, fillPlaceholders } from './spec.js';
import type { AnalysisCheckSpec, BaselineRule, BuiltInCheck } from './spec.js';

export interface AnalysisCheck {
  name: string;
  /** PromQL with `{{ namespace }}`, `{{ workload }}` and `{{ interval }}` left in. */
  query: string;
  layer: AnalysisLayer;
  builtIn: boolean;
  min: number | null;
  max: number | null;
  baseline: BaselineRule | null;
  noData: 'inconclusive' | 'fail' | 'pass';
  dryRun: boolean;
}

export function resolveCheck(check: AnalysisCheckSpec): AnalysisCheck {
  const builtIn = check.query === undefined ? BUILT_IN_CHECKS[check.name as BuiltInCheck] : undefined;
  return {
    name: check.name,
    query: check.query ?? builtIn?.query ?? '',
    layer: builtIn?.layer ?? check.layer ?? 'L7',
    builtIn: builtIn !== undefined,
    min: check.min ?? null,
    max: check.max ?? null,
    baseline: check.baseline ?? null,
    noData: check.noData,
    dryRun: check.dryRun,
  };
}

/** The query sent for `target`, over a rate window of `windowSeconds` (`{{ interval }}`, Prometheus' duration syntax). */
export function renderQuery(
  check: Pick<AnalysisCheck, 'query'>,
  target: AnalysisTarget,
  windowSeconds: number,
): string {
  return fillPlaceholders(check.query, {
    namespace: target.namespace,
    workload: target.workload,
    interval: formatDuration(windowSeconds),
  });
}
