/**
 * A real Prometheus for tests (scripts/prometheus.ts), scraping a simulator, and the two reads
 * tests need from its HTTP API: an instant query's scalar and "has it scraped yet".
 */
import type { Sim } from '../../sim/index.js';
import { startPrometheus, type RunningPrometheus } from '../../scripts/prometheus.js';

export {
  prometheusPath,
  startPrometheus,
  type PrometheusOptions,
  type RunningPrometheus,
} from '../../scripts/prometheus.js';

/** A Prometheus scraping the simulator's Istio metrics every second. */
export async function prometheusForSim(sim: Sim, options: { port?: number } = {}): Promise<RunningPrometheus> {
  const metrics = new URL(sim.metricsUrl);
  return startPrometheus({
    targets: [metrics.host],
    metricsPath: metrics.pathname,
    scrapeIntervalSeconds: 1,
    ...options,
  });
}

interface VectorResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

/** The result of an instant query: one number per series (empty when no series matched). */
export async function queryVector(
  prom: RunningPrometheus,
  promql: string,
): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const res = await fetch(`${prom.url}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`);
  const body = (await res.json()) as VectorResponse;
  if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error ?? res.status}`);
  return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** The single value of an instant query, or undefined when it returned no series. */
export async function queryScalar(prom: RunningPrometheus, promql: string): Promise<number | undefined> {
  const result = await queryVector(prom, promql);
  if (result.length > 1) throw new Error(`query ${promql} returned ${result.length} series, expected one`);
  return result[0]?.value;
}

/** Polls until `check` accepts the query's value (rate windows need a few scrapes to fill). */
export async function untilQuery(
  prom: RunningPrometheus,
  promql: string,
  check: (value: number | undefined) => boolean,
  timeoutMs = 30_000,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: number | undefined;
  for (;;) {
    last = await queryScalar(prom, promql);
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`query ${promql} still gave ${last} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Waits for the first scrape of every target: Prometheus adds static targets about 5 s after it
 * is ready, and a [30s] rate() reads low until its series is 30 s old.
 */
export async function untilScraped(prom: RunningPrometheus, timeoutMs = 30_000): Promise<void> {
  await untilQuery(prom, 'min(up{job="istio-mesh"})', (v) => v === 1, timeoutMs);
}
