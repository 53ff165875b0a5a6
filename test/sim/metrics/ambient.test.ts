import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { growth, matching, pause, samples } from './scrape.js';

describe('ambient telemetry: ztunnel reports L4 only, waypoints report HTTP', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({
      scenario: {
        name: 'ambient-metrics',
        timing: { podReadySeconds: 2, jobRunSeconds: 2 },
        nodes: 2,
        istio: { installer: 'istioctl', mode: 'ambient', version: '1.26.4' },
        namespaces: [
          {
            name: 'plain',
            labels: { 'istio.io/dataplane-mode': 'ambient' },
            deployments: [{ name: 'ratings-v1', replicas: 2 }],
          },
          {
            name: 'bookinfo',
            labels: { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' },
            waypoints: [{ name: 'waypoint' }],
            deployments: [{ name: 'reviews-v1', replicas: 2 }],
          },
        ],
      },
      timeScale: 20,
    });
    await samples(sim);
  });
  afterAll(async () => sim.stop());

  it('gives a namespace without a waypoint TCP series from ztunnel and no request series', async () => {
    await pause(800);
    const s = await samples(sim);
    expect(matching(s, 'istio_requests_total', { destination_workload: 'ratings-v1' })).toEqual([]);
    const opened = matching(s, 'istio_tcp_connections_opened_total', { destination_workload: 'ratings-v1' });
    expect(opened.length).toBeGreaterThan(0);
    expect(opened.every((o) => o.labels.reporter === 'destination')).toBe(true);
    expect(opened[0]?.labels).toMatchObject({
      destination_workload_namespace: 'plain',
      connection_security_policy: 'mutual_tls',
    });
    for (const name of [
      'istio_tcp_sent_bytes_total',
      'istio_tcp_received_bytes_total',
      'istio_tcp_connections_closed_total',
    ])
      expect(matching(s, name, { destination_workload: 'ratings-v1' }).length).toBeGreaterThan(0);
  });

  it('reports HTTP for a namespace that uses a waypoint, as reporter "waypoint", beside ztunnel’s L4', async () => {
    const s = await samples(sim);
    const requests = matching(s, 'istio_requests_total', { destination_workload: 'reviews-v1' });
    expect(requests.length).toBeGreaterThan(0);
    expect(new Set(requests.map((r) => r.labels.reporter))).toEqual(new Set(['waypoint']));
    expect(matching(s, 'istio_request_duration_milliseconds_count', { reporter: 'waypoint' }).length).toBeGreaterThan(
      0,
    );
    expect(
      matching(s, 'istio_tcp_connections_opened_total', { destination_workload: 'reviews-v1' }).length,
    ).toBeGreaterThan(0);
  });

  it('lists ztunnels and the waypoint among the proxies, and no sidecars', async () => {
    const builds = matching(await samples(sim), 'istio_build', { component: 'proxy' });
    expect(builds.filter((b) => b.labels.pod?.startsWith('ztunnel-')).length).toBe(2);
    expect(builds.filter((b) => b.labels.pod?.startsWith('waypoint-')).length).toBe(1);
    expect(builds.filter((b) => b.labels.namespace === 'plain')).toEqual([]);
  });

  it('fails connections through a ztunnel of the version named, and requests through a waypoint of it', async () => {
    sim.faults.add({
      kind: 'signals',
      namespace: 'plain',
      workload: 'ratings-v1',
      when: { proxyVersion: '1.26' },
      errorRatio: 0.25,
    });
    sim.faults.add({
      kind: 'signals',
      namespace: 'bookinfo',
      workload: 'reviews-v1',
      when: { proxyVersion: '1.27' },
      errorRatio: 1,
    });
    const before = await samples(sim);
    await pause(800);
    const after = await samples(sim);
    const failedConns = growth(before, after, 'istio_tcp_connections_opened_total', {
      destination_workload: 'ratings-v1',
      response_flags: 'UF',
    });
    const conns = growth(before, after, 'istio_tcp_connections_opened_total', { destination_workload: 'ratings-v1' });
    expect(failedConns / conns).toBeGreaterThan(0.22);
    expect(failedConns / conns).toBeLessThan(0.28);
    // The waypoint runs 1.26.4, so the 1.27 fault does not touch reviews-v1.
    expect(
      growth(before, after, 'istio_requests_total', { destination_workload: 'reviews-v1', response_code: '503' }),
    ).toBe(0);
    sim.faults.clear();
  });
});
