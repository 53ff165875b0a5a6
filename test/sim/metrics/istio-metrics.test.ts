import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DURATION_BUCKETS_MS, startSim, type Sim } from '../../../sim/index.js';
import { bookinfo, eventually, kubectl } from '../support.js';
import { growth, matching, pause, samples, scrape, total } from './scrape.js';

function readyPods(sim: Sim, deployment: string): number {
  return sim
    .list('pods', 'bookinfo')
    .filter((p) => p.metadata.name.startsWith(`${deployment}-`) && p.metadata.deletionTimestamp === undefined)
    .filter((p) =>
      (p.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions?.some(
        (c) => c.type === 'Ready' && c.status === 'True',
      ),
    ).length;
}

const REQUEST_LABELS = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'destination_workload',
  'destination_workload_namespace',
  'destination_service',
  'response_code',
  'response_flags',
  'connection_security_policy',
];

describe('the Istio metrics a sidecar mesh serves', () => {
  let sim: Sim;
  beforeAll(async () => {
    const base = bookinfo();
    sim = await startSim({
      scenario: {
        ...base,
        istio: { installer: 'istioctl', version: '1.26.4', gateways: [{ name: 'istio-ingressgateway' }] },
        namespaces: [
          {
            name: 'bookinfo',
            labels: { 'istio-injection': 'enabled' },
            deployments: [
              { name: 'productpage-v1', replicas: 2 },
              { name: 'reviews-v1', replicas: 1 },
              { name: 'reviews-v2', replicas: 3 },
              { name: 'details-v1', replicas: 1, maxSurge: 0, maxUnavailable: 1 },
              { name: 'ratings-v1', replicas: 1, podAnnotations: { 'sim.istio-upgrade.io/rps': '0' } },
            ],
          },
          { name: 'legacy', deployments: [{ name: 'outside-v1' }] },
        ],
      },
      timeScale: 20,
    });
    await scrape(sim);
  });
  afterAll(async () => sim.stop());

  it('serves Istio request series with its names and labels, unauthenticated, in the text format', async () => {
    await pause(300);
    const { samples: s, contentType } = await scrape(sim);
    expect(contentType).toContain('text/plain; version=0.0.4');
    const series = matching(s, 'istio_requests_total', { destination_workload: 'reviews-v2', reporter: 'destination' });
    expect(series.length).toBeGreaterThan(0);
    expect(Object.keys(series[0]?.labels ?? {}).sort()).toEqual([...REQUEST_LABELS].sort());
    expect(series[0]?.labels).toMatchObject({
      source_workload: 'istio-ingressgateway',
      source_workload_namespace: 'istio-system',
      destination_workload_namespace: 'bookinfo',
      destination_service: 'reviews.bookinfo.svc.cluster.local',
      connection_security_policy: 'mutual_tls',
    });
    // The gateway in front has a proxy too: it reports the same requests as their source.
    expect(total(s, 'istio_requests_total', { destination_workload: 'reviews-v2', reporter: 'source' })).toBe(
      total(s, 'istio_requests_total', { destination_workload: 'reviews-v2', reporter: 'destination' }),
    );
    const buckets = matching(s, 'istio_request_duration_milliseconds_bucket', {
      destination_workload: 'reviews-v2',
      reporter: 'destination',
      response_code: '200',
    }).map((b) => b.labels.le);
    expect(buckets).toEqual([...DURATION_BUCKETS_MS.map(String), '+Inf']);
  });

  it('reports one istio_build per running proxy, with its version, pod and namespace', async () => {
    const builds = matching(await samples(sim), 'istio_build', { component: 'proxy' });
    const bookinfoPods = sim.list('pods', 'bookinfo').map((p) => p.metadata.name);
    expect(
      builds
        .filter((b) => b.labels.namespace === 'bookinfo')
        .map((b) => b.labels.pod)
        .sort(),
    ).toEqual(bookinfoPods.sort());
    expect(
      builds.some((b) => b.labels.namespace === 'istio-system' && b.labels.pod?.startsWith('istio-ingressgateway')),
    ).toBe(true);
    expect(new Set(builds.map((b) => b.labels.tag))).toEqual(new Set(['1.26.4']));
    expect(builds.every((b) => b.value === 1)).toBe(true);
  });

  it('grows every counter with sim time, never backwards, at the workload rate split over its pods', async () => {
    const before = await samples(sim);
    await pause(1_000);
    const after = await samples(sim);
    for (const a of matching(after, 'istio_requests_total')) {
      const b = before.find((x) => x.name === a.name && JSON.stringify(x.labels) === JSON.stringify(a.labels));
      expect(a.value).toBeGreaterThanOrEqual(b?.value ?? 0);
    }
    const dest = { reporter: 'destination' };
    const v1 = growth(before, after, 'istio_requests_total', { ...dest, destination_workload: 'reviews-v1' });
    const v2 = growth(before, after, 'istio_requests_total', { ...dest, destination_workload: 'reviews-v2' });
    // 10 requests per sim-second per workload whatever its replicas, 20 sim-seconds per second.
    expect(v1).toBeGreaterThan(150);
    expect(Math.abs(v2 - v1)).toBeLessThanOrEqual(3);
  });

  it('sends nothing to a workload whose rps annotation is 0, nor to one outside the mesh', async () => {
    const s = await samples(sim);
    expect(matching(s, 'istio_requests_total', { destination_workload: 'ratings-v1' })).toEqual([]);
    expect(matching(s, 'istio_requests_total', { destination_workload: 'outside-v1' })).toEqual([]);
    expect(matching(s, 'istio_build', { namespace: 'legacy' })).toEqual([]);
  });

  it('follows the rps annotation of a Deployment changed at run time', async () => {
    await kubectl(sim, ['annotate', 'deployment/productpage-v1', '-n', 'bookinfo', 'sim.istio-upgrade.io/rps=40']);
    await pause(100);
    const before = await samples(sim);
    await pause(1_000);
    const after = await samples(sim);
    const dest = { reporter: 'destination' };
    const page = growth(before, after, 'istio_requests_total', { ...dest, destination_workload: 'productpage-v1' });
    const v1 = growth(before, after, 'istio_requests_total', { ...dest, destination_workload: 'reviews-v1' });
    expect(page / v1).toBeGreaterThan(3.8);
    expect(page / v1).toBeLessThan(4.2);
  });

  it('keeps a small steady 5xx share and a p99 near 80 ms at baseline', async () => {
    await pause(2_000);
    const s = await samples(sim);
    const labels = { reporter: 'destination', destination_workload: 'reviews-v2' };
    const all = total(s, 'istio_requests_total', labels);
    const errors = total(s, 'istio_requests_total', { ...labels, response_code: '500' });
    expect(errors / all).toBeLessThan(0.002);
    // Within the 50–100 ms bucket: 97.5 % at 50 ms, all at 100 ms, so p99 interpolates to 80 ms.
    const ok = { ...labels, response_code: '200' };
    const count = total(s, 'istio_request_duration_milliseconds_count', ok);
    expect(total(s, 'istio_request_duration_milliseconds_bucket', { ...ok, le: '50' }) / count).toBeCloseTo(0.975, 2);
    expect(total(s, 'istio_request_duration_milliseconds_bucket', { ...ok, le: '100' })).toBe(count);
  });

  it('stops a workload’s traffic when it is scaled to zero, and its old series stay where they were', async () => {
    await kubectl(sim, ['scale', 'deployment/reviews-v1', '-n', 'bookinfo', '--replicas=0']);
    await kubectl(sim, ['rollout', 'status', 'deployment/reviews-v1', '-n', 'bookinfo', '--timeout=20s']);
    await pause(200);
    const before = await samples(sim);
    await pause(700);
    const after = await samples(sim);
    const labels = { destination_workload: 'reviews-v1' };
    expect(total(before, 'istio_requests_total', labels)).toBeGreaterThan(0);
    expect(growth(before, after, 'istio_requests_total', labels)).toBe(0);
    expect(growth(before, after, 'istio_requests_total', { destination_workload: 'reviews-v2' })).toBeGreaterThan(0);
  });

  it('serves nothing from a pod that is not ready: a rollout whose new pod never gets ready is a gap', async () => {
    sim.faults.add({ kind: 'neverReady', deployment: 'details-v1', namespace: 'bookinfo' });
    // maxSurge 0: the old pod goes first, so while the new one is unready the workload has none.
    await kubectl(sim, ['rollout', 'restart', 'deployment/details-v1', '-n', 'bookinfo']);
    const labels = { destination_workload: 'details-v1', reporter: 'destination' };
    await eventually(() => readyPods(sim, 'details-v1') === 0);
    await pause(100);
    const during = await samples(sim);
    await pause(700);
    const stillDuring = await samples(sim);
    expect(growth(during, stillDuring, 'istio_requests_total', labels)).toBe(0);
    sim.faults.clear();
    await kubectl(sim, ['rollout', 'status', 'deployment/details-v1', '-n', 'bookinfo', '--timeout=30s']);
    await pause(100);
    const back = await samples(sim);
    await pause(500);
    expect(growth(back, await samples(sim), 'istio_requests_total', labels)).toBeGreaterThan(50);
  });
});
