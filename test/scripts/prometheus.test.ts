import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../sim/index.js';
import {
  prometheusForSim,
  prometheusPath,
  queryScalar,
  queryVector,
  startPrometheus,
  untilQuery,
  untilScraped,
  type RunningPrometheus,
} from '../support/prometheus.js';
import { bookinfo } from '../sim/support.js';

// Flagger's built-in Istio checks, as its docs write them, for reviews-v2 in bookinfo.
const workload = 'destination_workload_namespace="bookinfo",destination_workload=~"reviews-v2"';
const requestRate = (window: string) =>
  `sum(rate(istio_requests_total{reporter="destination",destination_workload="reviews-v2"}[${window}]))`;
const successRate = (window: string) =>
  `sum(rate(istio_requests_total{reporter="destination",${workload},response_code!~"5.*"}[${window}])) / ` +
  `sum(rate(istio_requests_total{reporter="destination",${workload}}[${window}])) * 100`;
const p99 = (window: string) =>
  `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",${workload}}[${window}])) by (le))`;

describe('a real Prometheus scraping the simulator', () => {
  let sim: Sim;
  let prom: RunningPrometheus;
  beforeAll(async () => {
    // Sim time at real speed: a rate in Prometheus (real seconds) is then the workload's rps.
    sim = await startSim({ scenario: bookinfo(), timeScale: 1 });
    prom = await prometheusForSim(sim);
  });
  afterAll(async () => {
    await prom?.stop();
    await sim?.stop();
  });

  it('scrapes the Istio metrics every second and answers the request rate of a workload', async () => {
    await untilScraped(prom);
    // 10 requests per second, whatever the replicas (reviews-v2 has three). Prometheus adds a
    // static target about 5 s after it starts, and rate() divides by the whole window, so a
    // [30s] rate reads low until the series is 30 s old: the first analysis needs that long too.
    const steady = await untilQuery(prom, requestRate('30s'), (v) => v !== undefined && v > 8, 60_000);
    expect(steady).toBeLessThan(12);
    const builds = await queryVector(prom, 'count by (tag) (istio_build{component="proxy"})');
    expect(builds).toEqual([{ metric: { tag: '1.26.4' }, value: sim.list('pods', 'bookinfo').length }]);
  });

  it('answers Flagger’s success rate and p99 at baseline: no 5xx to speak of, p99 about 80 ms', async () => {
    const success = await queryScalar(prom, successRate('30s'));
    expect(success).toBeGreaterThan(99);
    expect(success).toBeLessThanOrEqual(100);
    const latency = await queryScalar(prom, p99('30s'));
    expect(latency).toBeGreaterThan(70);
    expect(latency).toBeLessThan(90);
  });

  it('sees a signals fault on the running version move the 5xx ratio and the p99', async () => {
    sim.faults.add({
      kind: 'signals',
      namespace: 'bookinfo',
      workload: 'reviews-v2',
      when: { proxyVersion: '1.26.4' },
      errorRatio: 0.3,
      addedLatencyMs: 400,
    });
    // A short window holds only scrapes taken with the fault on.
    const success = await untilQuery(prom, successRate('4s'), (v) => v !== undefined && v < 75, 20_000);
    expect(success).toBeGreaterThan(65);
    const latency = await untilQuery(prom, p99('4s'), (v) => v !== undefined && v > 400, 20_000);
    // 400–500 ms: all in the (250, 500] bucket.
    expect(latency).toBeLessThanOrEqual(500);
    // A workload without the fault keeps its baseline.
    const other = await queryScalar(prom, p99('4s').replace(/reviews-v2/g, 'productpage-v1'));
    expect(other).toBeLessThan(90);
    sim.faults.clear();
  });

  it('comes back on the same port with its data after a restart, and is unreachable while stopped', async () => {
    const before = await queryScalar(prom, 'count(count_over_time(istio_requests_total[1m]))');
    await prom.stop();
    await expect(fetch(`${prom.url}/-/ready`)).rejects.toThrow();
    await prom.restart();
    const after = await queryScalar(prom, 'count(count_over_time(istio_requests_total[1m]))');
    expect(after).toBeGreaterThanOrEqual(before ?? 1);
    await untilScraped(prom);
  });

  it('removes the data a dead test process left behind, and keeps a live one’s', async () => {
    const dead = mkdtempSync(join(tmpdir(), 'istio-upgrade-prometheus-'));
    // A pid that cannot be running: above Linux's pid_max.
    writeFileSync(join(dead, 'owner.pid'), '99999999');
    const second = await startPrometheus({ targets: [new URL(sim.metricsUrl).host] });
    try {
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(prom.dataDir)).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('names the setup script when the binary is missing', () => {
    const saved = { PATH: process.env.PATH, PROMETHEUS_PATH: process.env.PROMETHEUS_PATH };
    try {
      process.env.PATH = '/nonexistent';
      delete process.env.PROMETHEUS_PATH;
      expect(() => prometheusPath()).toThrow(/scripts\/setup-prometheus\.sh/);
      process.env.PROMETHEUS_PATH = '/nonexistent/prometheus';
      expect(() => prometheusPath()).toThrow(/PROMETHEUS_PATH/);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.PROMETHEUS_PATH === undefined) delete process.env.PROMETHEUS_PATH;
      else process.env.PROMETHEUS_PATH = saved.PROMETHEUS_PATH;
    }
  });
});
