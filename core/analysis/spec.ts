/**
 * The `analysis:` part of the upgrade spec: which Prometheus to ask, how often and how many times
 * (Argo Rollouts' `interval`, `count`, `failureLimit`, `inconclusiveLimit`, `initialDelay`), the
 * window a baseline covers, and the checks. A check is a built-in (Flagger's Istio queries, named
 * by `name` alone) or custom PromQL (`query:` with `{{ namespace }}`, `{{ workload }}` and
 * `{{ interval }}`), judged by a threshold (`min`/`max`), a baseline rule, or both.
 */
import { z } from 'zod';
import { parseDuration } from '../spec/duration.js';
import type { AnalysisLayer } from './measurement.js';

/** The placeholders a query may use; any other `{{ … }}` is a typo that would reach Prometheus verbatim. */
export const PLACEHOLDERS = ['namespace', 'workload', 'interval'] as const;
const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

/** The placeholders in `query` that are not in PLACEHOLDERS. */
export function unknownPlaceholders(query: string): string[] {
  return [...query.matchAll(PLACEHOLDER)]
    .map((match) => match[1] ?? '')
    .filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
}

/** Replaces every placeholder; the caller has refused unknown ones. */
export function fillPlaceholders(query: string, values: Record<(typeof PLACEHOLDERS)[number], string>): string {
  return query.replace(PLACEHOLDER, (whole, name: string) =>
    name in values ? values[name as keyof typeof values] : whole,
  );
}

/**
 * Both HTTP reporters: sidecars report as `destination`, waypoints as `waypoint` (ambient), and a
 * workload has one or the other, so a ratio or a quantile over both counts each request once.
 */
const L7_REPORTERS = 'reporter=~"destination|waypoint"';
const WORKLOAD = 'destination_workload_namespace="{{ namespace }}",destination_workload="{{ workload }}"';

/**
 * Flagger's built-in Istio checks (https://docs.flagger.app/usage/metrics#builtin-metrics), as
 * ratios rather than Flagger's percentages so that `maxDecrease: 0.005` reads as half a point,
 * and an L4 check from ztunnel's counters for ambient workloads without a waypoint.
 */
export const BUILT_IN_CHECKS = {
  'request-success-rate': {
    layer: 'L7',
    query: `sum(rate(istio_requests_total{${L7_REPORTERS},${WORKLOAD},response_code!~"5.*"}[{{ interval }}])) / sum(rate(istio_requests_total{${L7_REPORTERS},${WORKLOAD}}[{{ interval }}]))`,
  },
  'request-duration': {
    layer: 'L7',
    query: `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{${L7_REPORTERS},${WORKLOAD}}[{{ interval }}])) by (le))`,
  },
  'tcp-connection-rate': {
    layer: 'L4',
    query: `sum(rate(istio_tcp_connections_opened_total{reporter="destination",${WORKLOAD}}[{{ interval }}]))`,
  },
} as const satisfies Record<string, { layer: AnalysisLayer; query: string }>;
export type BuiltInCheck = keyof typeof BUILT_IN_CHECKS;
const BUILT_IN_NAMES = Object.keys(BUILT_IN_CHECKS);

const duration = z
  .string({ error: 'expected a duration like "1m"' })
  .refine((text) => parseDuration(text) !== null, { error: 'expected a duration like "30s", "1m" or "10m"' })
  .transform((text) => parseDuration(text) ?? 0);
const positiveDuration = duration.refine((seconds) => seconds > 0, { error: 'expected a duration longer than 0s' });
const limit = z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(0);
const amount = z.number({ error: 'expected a number' }).refine(Number.isFinite, { error: 'expected a finite number' });
const allowance = amount.refine((value) => value >= 0, { error: 'expected 0 or more' });

/**
 * How much worse than its baseline a value may be: in the value's own units (`maxDecrease: 0.005`,
 * half a point of success rate) or relative to the baseline (`maxIncreasePercent: 20`, p99 at most
 * 20 % higher). Each bound given must hold.
 */
const baselineRule = z
  .strictObject({
    maxDecrease: allowance.optional(),
    maxIncrease: allowance.optional(),
    maxDecreasePercent: allowance.optional(),
    maxIncreasePercent: allowance.optional(),
  })
  .refine((rule) => Object.values(rule).some((value) => value !== undefined), {
    error: 'expected at least one of maxDecrease, maxIncrease, maxDecreasePercent, maxIncreasePercent',
  });
export type BaselineRule = z.output<typeof baselineRule>;

const checkSchema = z
  .strictObject({
    name: z
      .string({ error: 'expected a name' })
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'expected lowercase letters, digits and "-"' }),
    /** Custom PromQL returning one number; without it `name` must be a built-in. */
    query: z.string().min(1).optional(),
    /** Which telemetry a custom query reads: L7 (sidecars, waypoints) or L4 (ztunnel). */
    layer: z.enum(['L7', 'L4'], { error: 'expected L7 or L4' }).optional(),
    min: amount.optional(),
    max: amount.optional(),
    baseline: baselineRule.optional(),
    /** What an empty answer means. Never a silent pass unless written here. */
    noData: z
      .enum(['inconclusive', 'fail', 'pass'], { error: 'expected inconclusive, fail or pass' })
      .default('inconclusive'),
    /** Record the results without acting on them, to try a new check. */
    dryRun: z.boolean({ error: 'expected true or false' }).default(false),
  })
  .superRefine((check, ctx) => {
    if (check.query === undefined && !BUILT_IN_NAMES.includes(check.name))
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `unknown check "${check.name}": expected a built-in (${BUILT_IN_NAMES.join(', ')}) or a query`,
      });
    if (check.query === undefined && check.layer !== undefined)
      ctx.addIssue({ code: 'custom', path: ['layer'], message: 'a built-in check has its own layer' });
    for (const unknown of check.query === undefined ? [] : unknownPlaceholders(check.query))
      ctx.addIssue({
        code: 'custom',
        path: ['query'],
        message: `unknown placeholder {{ ${unknown} }}: expected ${PLACEHOLDERS.map((name) => `{{ ${name} }}`).join(', ')}`,
      });
    if (check.min === undefined && check.max === undefined && check.baseline === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'expected a threshold (min, max) or a baseline rule, or both',
      });
    if (check.min !== undefined && check.max !== undefined && check.min > check.max)
      ctx.addIssue({ code: 'custom', path: ['min'], message: `expected at most max (${check.max})` });
  });
export type AnalysisCheckSpec = z.output<typeof checkSchema>;

export const analysisSchema = z
  .strictObject({
    prometheus: z
      .strictObject({
        /** Any Prometheus-compatible API (Thanos, Mimir, VictoriaMetrics); default: PROMETHEUS_URL in the worker's environment. */
        address: z
          .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
          .refine((url) => !/^https?:\/\/[^/]*@/.test(url), {
            error:
              'expected no credentials in the address: the worker reads them from PROMETHEUS_BEARER_TOKEN or PROMETHEUS_USERNAME/PROMETHEUS_PASSWORD',
          })
          .optional(),
      })
      .prefault({}),
    interval: positiveDuration.default(60),
    count: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(1).default(3),
    failureLimit: limit.default(0),
    inconclusiveLimit: limit.default(0),
    initialDelay: duration.default(0),
    baseline: z
      .strictObject({
        /** How far back from the start of the upgrade a baseline query looks. */
        window: positiveDuration.default(600),
      })
      .prefault({}),
    checks: z.array(checkSchema).min(1, { error: 'expected at least one check' }),
  })
  .superRefine((analysis, ctx) => {
    analysis.checks.forEach((check, index) => {
      if (analysis.checks.findIndex((other) => other.name === check.name) !== index)
        ctx.addIssue({
          code: 'custom',
          path: ['checks', index, 'name'],
          message: `"${check.name}" is already a check: names must be unique`,
        });
    });
  });
export type AnalysisSpec = z.output<typeof analysisSchema>;
