/**
 * The Prometheus adapter against a real Prometheus scraping the simulator: one number, no data,
 * NaN, several series, a query that does not parse (final, naming the check), Prometheus away
 * (retryable AnalysisError), no address at all; and the credentials from the environment on the
 * wire, never in a result or a failure.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusActivities } from '../../../activities/prometheus/activities.js';
import { prometheusConfigFromEnv } from '../../../activities/prometheus/config.js';
import { startSim, type Sim } from '../../../sim/index.js';
import { prometheusForSim, untilQuery, type RunningPrometheus } from '../../support/prometheus.js';
import { bookinfo } from '../../sim/support.js';

let sim: Sim;
let prom: RunningPrometheus;

beforeAll(async () => {
  sim = await startSim({ scenario: bookinfo(), timeScale: 1 });
  prom = await prometheusForSim(sim);
  await untilQuery(
    prom,
    'sum(rate(istio_requests_total{destination_workload="reviews-v2"}[5s]))',
    (v) => (v ?? 0) > 0,
    60_000,
  );
}, 120_000);
afterAll(async () => {
  await prom?.stop();
  await sim?.stop();
});

const item = (check: string, query: string) => ({ check, namespace: 'bookinfo', workload: 'reviews-v2', query });

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(error instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(error)}`);
  return error;
}

describe('measuring with a real Prometheus', () => {
  const activities = createPrometheusActivities(prometheusConfigFromEnv({}));

  it('answers one number, no data for an empty result or NaN, and an error for several series', async () => {
    const result = await activities.measureAnalysis({
      address: prom.url,
      items: [
        item('rate', 'sum(rate(istio_requests_total{destination_workload="reviews-v2"}[5s]))'),
        item('nothing', 'sum(rate(istio_requests_total{destination_workload="no-such-workload"}[5s]))'),
        item('nan', 'vector(0) / vector(0)'),
        item('many', 'istio_build'),
      ],
    });
    const [rate, nothing, nan, many] = result.values;
    expect(rate?.value).toBeGreaterThan(0);
    expect(rate?.error).toBeNull();
    expect(nothing).toMatchObject({ value: null, error: null });
    expect(nan).toMatchObject({ value: null, error: null });
    expect(many?.value).toBeNull();
    expect(many?.error).toMatch(/^the query returned \d+ series; a check needs one number/);
  });

  it('reads baselines over the window, and fails for good naming the check when a query does not parse', async () => {
    const baselines = await activities.readAnalysisBaselines({
      address: prom.url,
      windowSeconds: 30,
      items: [item('request-success-rate', 'vector(0.999)')],
    });
    expect(baselines).toEqual([
      expect.objectContaining({
        check: 'request-success-rate',
        workload: 'reviews-v2',
        value: 0.999,
        windowSeconds: 30,
      }),
    ]);
    const failure = await failureOf(
      activities.readAnalysisBaselines({
        address: prom.url,
        windowSeconds: 30,
        items: [item('broken', 'sum(rate(istio_requests_total[5s])')],
      }),
    );
    expect(failure.type).toBe('Validation');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/^check broken: the query does not work: bad_data: .*parse error/);
    const invalid = await failureOf(
      activities.validateAnalysisQueries({ address: prom.url, queries: [{ check: 'broken', query: 'sum(' }] }),
    );
    expect(invalid.type).toBe('Validation');
  });

  it('fails retryably as AnalysisError when Prometheus does not answer, and for good when there is no address', async () => {
    const away = await failureOf(
      activities.measureAnalysis({ address: 'http://127.0.0.1:1', items: [item('x', 'vector(1)')] }),
    );
    expect(away.type).toBe('AnalysisError');
    expect(away.nonRetryable).toBe(false);
    expect(away.message).toBe('Prometheus at http://127.0.0.1:1 did not answer: ECONNREFUSED');
    const none = await failureOf(activities.measureAnalysis({ address: null, items: [item('x', 'vector(1)')] }));
    expect(none.type).toBe('Validation');
    expect(none.message).toBe(
      "no Prometheus address: set analysis.prometheus.address in the spec or PROMETHEUS_URL in the worker's environment",
    );
  });
});

describe('credentials from the environment', () => {
  let seen: IncomingHttpHeaders[];
  let status = 200;
  let url: string;
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      status === 200
        ? JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [0, '1'] } })
        : JSON.stringify({ status: 'error', errorType: 'unauthorized', error: 'no' }),
    );
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prometheus`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the bearer token or basic auth from the environment, under a path prefix, and never returns them', async () => {
    seen = [];
    const bearer = createPrometheusActivities(
      prometheusConfigFromEnv({ PROMETHEUS_URL: url, PROMETHEUS_BEARER_TOKEN: 'sekret-token' }),
    );
    const result = await bearer.measureAnalysis({ address: null, items: [item('x', 'vector(1)')] });
    expect(JSON.stringify(result)).not.toContain('sekret-token');
    const basic = createPrometheusActivities(
      prometheusConfigFromEnv({ PROMETHEUS_USERNAME: 'mesh', PROMETHEUS_PASSWORD: 'hunter2' }),
    );
    await basic.measureAnalysis({ address: url, items: [item('x', 'vector(1)')] });
    expect(seen.map((headers) => headers.authorization)).toEqual([
      'Bearer sekret-token',
      `Basic ${Buffer.from('mesh:hunter2').toString('base64')}`,
    ]);
  });

  it('fails for good on refused credentials, naming the variables, not the token', async () => {
    status = 401;
    const bearer = createPrometheusActivities(prometheusConfigFromEnv({ PROMETHEUS_BEARER_TOKEN: 'sekret-token' }));
    const failure = await failureOf(bearer.measureAnalysis({ address: url, items: [item('x', 'vector(1)')] }));
    status = 200;
    expect(failure.type).toBe('Forbidden');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('PROMETHEUS_BEARER_TOKEN');
    expect(JSON.stringify(failure)).not.toContain('sekret-token');
  });
});
