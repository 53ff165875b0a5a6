import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { faultSchema } from '../../../sim/faults/fault.js';
import { bookinfo, kubectl } from '../support.js';
import { growth, pause, samples, type Scrape } from './scrape.js';

const dest = (workload: string, more: Record<string, string> = {}) => ({
  reporter: 'destination',
  destination_workload: workload,
  ...more,
});

/** Two scrapes `ms` apart. */
async function window(sim: Sim, ms = 800): Promise<[Scrape, Scrape]> {
  const before = await samples(sim);
  await pause(ms);
  return [before, await samples(sim)];
}

describe('the signals fault: a workload degraded through the proxies it names', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({
      scenario: bookinfo({
        istio: {
          installer: 'istioctl',
          version: '1.26.4',
          revisions: [{ name: '1-27-3', version: '1.27.3' }],
          gateways: [{ name: 'istio-ingressgateway' }],
        },
        namespaces: [
          {
            name: 'bookinfo',
            labels: { 'istio-injection': 'enabled' },
            deployments: [
              { name: 'productpage-v1', replicas: 2 },
              { name: 'details-v1', replicas: 1 },
              { name: 'reviews-v1', replicas: 1 },
              // A second per new pod (20 sim-seconds), so the rollout is slow enough to watch.
              { name: 'reviews-v2', replicas: 3, readySeconds: 20, maxSurge: 1, maxUnavailable: 0 },
            ],
          },
        ],
      }),
      timeScale: 20,
    });
    await samples(sim);
  });
  afterAll(async () => sim.stop());

  it('fails requests only on pods whose proxy runs the version named: a rollout to it shows, the others do not', async () => {
    for (const workload of ['reviews-v1', 'reviews-v2'])
      sim.faults.add({
        kind: 'signals',
        namespace: 'bookinfo',
        workload,
        when: { proxyVersion: '1.27.3' },
        errorRatio: 0.5,
      });
    let [before, after] = await window(sim);
    expect(growth(before, after, 'istio_requests_total', dest('reviews-v2', { response_code: '503' }))).toBe(0);

    // The canary: bookinfo moves to revision 1-27-3 and only reviews-v2 restarts onto its proxy.
    await kubectl(sim, ['label', 'namespace', 'bookinfo', 'istio.io/rev=1-27-3', 'istio-injection-']);
    await kubectl(sim, ['rollout', 'restart', 'deployment/reviews-v2', '-n', 'bookinfo']);
    // Pod by pod, the share of failures grows: some windows see old and new pods side by side.
    const ratios: number[] = [];
    for (let i = 0; i < 20 && (ratios.at(-1) ?? 0) <= 0.45; i++) {
      [before, after] = await window(sim, 300);
      const all = growth(before, after, 'istio_requests_total', dest('reviews-v2'));
      ratios.push(growth(before, after, 'istio_requests_total', dest('reviews-v2', { response_code: '503' })) / all);
    }
    expect(ratios.some((r) => r > 0.05 && r < 0.45)).toBe(true);
    await kubectl(sim, ['rollout', 'status', 'deployment/reviews-v2', '-n', 'bookinfo', '--timeout=30s']);
    await pause(100);
    [before, after] = await window(sim);
    const failed = growth(before, after, 'istio_requests_total', dest('reviews-v2', { response_code: '503' }));
    const all = growth(before, after, 'istio_requests_total', dest('reviews-v2'));
    expect(all).toBeGreaterThan(100);
    expect(failed / all).toBeGreaterThan(0.47);
    expect(failed / all).toBeLessThan(0.53);
    // The client's proxy sees the same 503s, flagged as an upstream failure.
    expect(
      growth(before, after, 'istio_requests_total', {
        reporter: 'source',
        destination_workload: 'reviews-v2',
        response_code: '503',
        response_flags: 'UF',
      }),
    ).toBe(failed);
    // reviews-v1 carries the same fault but still runs 1.26.4: untouched.
    expect(growth(before, after, 'istio_requests_total', dest('reviews-v1', { response_code: '503' }))).toBe(0);
    expect(growth(before, after, 'istio_requests_total', dest('reviews-v1'))).toBeGreaterThan(100);
    // The pods say which proxy they run.
    const builds = after.filter((s) => s.name === 'istio_build' && s.labels.pod?.startsWith('reviews-'));
    expect(builds.filter((b) => b.labels.tag === '1.27.3').map((b) => b.labels.pod?.slice(0, 10))).toEqual([
      'reviews-v2',
      'reviews-v2',
      'reviews-v2',
    ]);

    sim.faults.clear();
    [before, after] = await window(sim);
    expect(growth(before, after, 'istio_requests_total', dest('reviews-v2', { response_code: '503' }))).toBe(0);
  });

  it('selects by revision too', async () => {
    sim.faults.add({
      kind: 'signals',
      namespace: 'bookinfo',
      workload: 'reviews-v2',
      when: { revision: '1-27-3' },
      errorRatio: 1,
    });
    sim.faults.add({
      kind: 'signals',
      namespace: 'bookinfo',
      workload: 'reviews-v1',
      when: { revision: '1-27-3' },
      errorRatio: 1,
    });
    const [before, after] = await window(sim);
    expect(growth(before, after, 'istio_requests_total', dest('reviews-v2', { response_code: '200' }))).toBe(0);
    expect(growth(before, after, 'istio_requests_total', dest('reviews-v2', { response_code: '503' }))).toBeGreaterThan(
      100,
    );
    expect(growth(before, after, 'istio_requests_total', dest('reviews-v1', { response_code: '503' }))).toBe(0);
    sim.faults.clear();
  });

  it('shifts the duration histogram by the added latency', async () => {
    sim.faults.add({ kind: 'signals', namespace: 'bookinfo', workload: 'productpage-v1', addedLatencyMs: 300 });
    const [before, after] = await window(sim);
    const ok = dest('productpage-v1', { response_code: '200' });
    const count = growth(before, after, 'istio_request_duration_milliseconds_count', ok);
    expect(count).toBeGreaterThan(100);
    // Every request now takes 300–400 ms: none within 250 ms, all within 500 ms.
    expect(growth(before, after, 'istio_request_duration_milliseconds_bucket', { ...ok, le: '250' })).toBe(0);
    expect(growth(before, after, 'istio_request_duration_milliseconds_bucket', { ...ok, le: '500' })).toBe(count);
    const mean = growth(before, after, 'istio_request_duration_milliseconds_sum', ok) / count;
    expect(mean).toBeGreaterThan(310);
    expect(mean).toBeLessThan(322);
    // details-v1 has no fault: its requests stay under 100 ms.
    const other = dest('details-v1', { response_code: '200' });
    expect(growth(before, after, 'istio_request_duration_milliseconds_bucket', { ...other, le: '100' })).toBe(
      growth(before, after, 'istio_request_duration_milliseconds_count', other),
    );
    sim.faults.clear();
  });

  it('stops every counter of a workload whose traffic is dropped, and resumes when cleared', async () => {
    sim.faults.add({ kind: 'signals', namespace: 'bookinfo', workload: 'details-v1', dropTraffic: true });
    let [before, after] = await window(sim);
    expect(growth(before, after, 'istio_requests_total', { destination_workload: 'details-v1' })).toBe(0);
    expect(
      growth(before, after, 'istio_request_duration_milliseconds_count', { destination_workload: 'details-v1' }),
    ).toBe(0);
    expect(growth(before, after, 'istio_requests_total', dest('productpage-v1'))).toBeGreaterThan(100);
    sim.faults.clear();
    [before, after] = await window(sim);
    expect(growth(before, after, 'istio_requests_total', dest('details-v1'))).toBeGreaterThan(100);
  });

  it('refuses a signals fault with an out-of-range or misspelt field, naming it', () => {
    expect(() =>
      sim.faults.add({ kind: 'signals', namespace: 'bookinfo', workload: 'details-v1', errorRatio: 1.5 }),
    ).toThrow(/errorRatio/);
    const misspelt = faultSchema.safeParse({
      kind: 'signals',
      namespace: 'bookinfo',
      workload: 'details-v1',
      when: { version: '1.27.3' },
    });
    expect(misspelt.success).toBe(false);
    expect(JSON.stringify(misspelt.error?.issues)).toContain('version');
    const noEffect = faultSchema.safeParse({ kind: 'signals', namespace: 'bookinfo', workload: 'details-v1' });
    expect(noEffect.error?.issues[0]?.message).toBe('a signals fault needs errorRatio, addedLatencyMs or dropTraffic');
    expect(sim.faults.list()).toEqual([]);
  });
});
