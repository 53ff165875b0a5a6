/**
 * How long a simulated request takes: one fixed distribution (median about 12 ms, p99 about
 * 80 ms as `histogram_quantile` reads it from Istio's buckets), shifted by a fault's added
 * latency. The histogram is filled with exact fractions of requests per bucket rather than
 * samples, so its quantiles are the same on every run.
 */

/** Istio's default buckets for `istio_request_duration_milliseconds` (without +Inf). */
export const DURATION_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
] as const;

/**
 * The baseline's cumulative distribution at a few durations, linear in between. 97.5 % within
 * 50 ms and all within 100 ms puts Prometheus' interpolated p99 at 50 + 50 × 0.6 = 80 ms.
 */
const CDF_POINTS: ReadonlyArray<readonly [ms: number, share: number]> = [
  [0, 0],
  [1, 0.01],
  [5, 0.15],
  [10, 0.45],
  [25, 0.85],
  [50, 0.975],
  [100, 1],
];

/** Share of baseline requests that take at most `ms`. */
function baselineCdf(ms: number): number {
  if (ms <= 0) return 0;
  for (let i = 1; i < CDF_POINTS.length; i++) {
    const [x1, y1] = CDF_POINTS[i] ?? [0, 0];
    if (ms > x1) continue;
    const [x0, y0] = CDF_POINTS[i - 1] ?? [0, 0];
    return y0 + ((y1 - y0) * (ms - x0)) / (x1 - x0);
  }
  return 1;
}

/** Share of requests that take at most `ms` when each takes `addedMs` longer than the baseline. */
export function durationCdf(ms: number, addedMs: number): number {
  return baselineCdf(ms - addedMs);
}

/** The baseline's mean duration: each linear piece contributes its share times its midpoint. */
const BASELINE_MEAN_MS = CDF_POINTS.slice(1).reduce((sum, [x1, y1], i) => {
  const [x0, y0] = CDF_POINTS[i] ?? [0, 0];
  return sum + (y1 - y0) * ((x0 + x1) / 2);
}, 0);

export function meanDurationMs(addedMs: number): number {
  return BASELINE_MEAN_MS + addedMs;
}
