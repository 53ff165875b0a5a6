import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { api, bookinfo, kubectl } from '../support.js';

describe('the simulated API server, driven by the real kubectl', () => {
  let sim: Sim;
  beforeAll(async () => {
    const scenario = bookinfo();
    // reviews-v2's new pods take 20 sim-seconds (1 s) to become ready, so rollout status is
    // certain to start watching before its rollout ends, however slowly kubectl starts.
    const reviewsV2 = scenario.namespaces?.[0]?.deployments?.find((d) => d.name === 'reviews-v2');
    if (reviewsV2) reviewsV2.readySeconds = 20;
    sim = await startSim({ scenario, timeScale: 20 });
  });
  afterAll(async () => sim.stop());

  it('lists pods with label and field selectors', async () => {
    const byLabel = await kubectl(sim, [
      'get',
      'pods',
      '-n',
      'bookinfo',
      '-l',
      'app=reviews,version in (v2)',
      '-o',
      'name',
    ]);
    expect(byLabel.stdout.trim().split('\n')).toHaveLength(3);
    const byField = await kubectl(sim, [
      'get',
      'pods',
      '-A',
      '--field-selector',
      'metadata.namespace=bookinfo,status.phase=Running',
      '-o',
      'name',
    ]);
    expect(byField.stdout.trim().split('\n')).toHaveLength(6);
    const table = await kubectl(sim, ['get', 'deploy', '-n', 'bookinfo']);
    expect(table.stdout).toMatch(/reviews-v2\s+3\/3\s+3\s+3/);
  });

  it('labels a namespace and patches with merge, strategic and JSON patches', async () => {
    await kubectl(sim, ['label', 'ns', 'bookinfo', 'team=mesh']);
    expect(sim.get('namespaces', undefined, 'bookinfo')?.metadata.labels?.team).toBe('mesh');
    await kubectl(sim, [
      'patch',
      'deploy',
      'reviews-v1',
      '-n',
      'bookinfo',
      '--type=merge',
      '-p',
      '{"metadata":{"annotations":{"owner":"a"}}}',
    ]);
    await kubectl(sim, [
      'patch',
      'deploy',
      'reviews-v1',
      '-n',
      'bookinfo',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"reviews","env":[{"name":"X","value":"1"}]}]}}}}',
    ]);
    await kubectl(sim, [
      'patch',
      'deploy',
      'reviews-v1',
      '-n',
      'bookinfo',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/metadata/annotations/owner","value":"b"}]',
    ]);
    const d = sim.get('deployments', 'bookinfo', 'reviews-v1') as unknown as {
      metadata: { annotations?: Record<string, string> };
      spec: { template: { spec: { containers: Array<{ name: string; image: string; env?: unknown[] }> } } };
    };
    expect(d.metadata.annotations?.owner).toBe('b');
    // Strategic merge kept the container's image while adding env: merged by name, not replaced.
    expect(d.spec.template.spec.containers).toEqual([
      expect.objectContaining({
        name: 'reviews',
        image: expect.stringContaining('reviews-v1') as unknown,
        env: [{ name: 'X', value: '1' }],
      }),
    ]);
  });

  it('rolls a deployment on rollout restart, and rollout status and wait see it finish', async () => {
    const before = sim.writeLog.length;
    await kubectl(sim, ['rollout', 'restart', 'deployment/reviews-v2', '-n', 'bookinfo']);
    expect(sim.writeLog.slice(before)).toEqual([
      expect.objectContaining({ verb: 'patch', resource: 'deployments', namespace: 'bookinfo', name: 'reviews-v2' }),
    ]);
    const status = await kubectl(sim, [
      'rollout',
      'status',
      'deployment/reviews-v2',
      '-n',
      'bookinfo',
      '--timeout=30s',
    ]);
    expect(status.stdout).toContain('deployment "reviews-v2" successfully rolled out');
    expect(status.stdout).toMatch(/Waiting for deployment "reviews-v2" rollout to finish/);
    await kubectl(sim, [
      'wait',
      '--for=condition=Available',
      'deployment/reviews-v2',
      '-n',
      'bookinfo',
      '--timeout=20s',
    ]);
    // The old pods may still be terminating (30 s grace); the live ones are the three new pods.
    const pods = sim
      .list('pods', 'bookinfo')
      .filter(
        (p) =>
          p.metadata.labels?.version === 'v2' &&
          p.metadata.labels.app === 'reviews' &&
          p.metadata.deletionTimestamp === undefined,
      );
    expect(pods).toHaveLength(3);
  });

  it('starts one rollout when the same restart annotation is patched twice', async () => {
    const patch =
      '{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-01-01T00:00:00Z"}}}}}';
    await kubectl(sim, ['patch', 'deploy', 'productpage-v1', '-n', 'bookinfo', '-p', patch]);
    const generation = sim.get('deployments', 'bookinfo', 'productpage-v1')?.metadata.generation;
    await kubectl(sim, ['patch', 'deploy', 'productpage-v1', '-n', 'bookinfo', '-p', patch]);
    expect(sim.get('deployments', 'bookinfo', 'productpage-v1')?.metadata.generation).toBe(generation);
    await kubectl(sim, ['rollout', 'status', 'deployment/productpage-v1', '-n', 'bookinfo', '--timeout=30s']);
  });

  it('answers a stale update with 409 Conflict as a Status object', async () => {
    const path = '/api/v1/namespaces/bookinfo/configmaps';
    await api(sim, 'POST', path, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' }, data: { a: '1' } });
    const first = await api(sim, 'GET', `${path}/c1`);
    const rv = (first.body.metadata as { resourceVersion: string }).resourceVersion;
    const ok = await api(sim, 'PUT', `${path}/c1`, { ...first.body, data: { a: '2' } });
    expect(ok.status).toBe(200);
    const stale = await api(sim, 'PUT', `${path}/c1`, {
      ...first.body,
      metadata: { name: 'c1', resourceVersion: rv },
      data: { a: '3' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
    const missing = await api(sim, 'GET', `${path}/nope`);
    expect(missing.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      code: 404,
      message: 'configmaps "nope" not found',
    });
  });

  it('ends a watch from a compacted resourceVersion with a 410 Expired event', async () => {
    const small = await startSim({ scenario: bookinfo({ namespaces: [] }), watchHistory: 5 });
    try {
      for (let i = 0; i < 10; i++)
        await api(small, 'POST', '/api/v1/namespaces/default/configmaps', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `c${i}` },
        });
      const res = await fetch(`${small.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2`, {
        headers: { authorization: `Bearer ${small.token}` },
      });
      const event = JSON.parse((await res.text()).trim()) as { type: string; object: { code: number; reason: string } };
      expect(event).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    } finally {
      await small.stop();
    }
  });

  it('rejects a request without credentials with 401', async () => {
    const res = await fetch(`${sim.url}/api/v1/namespaces`);
    expect(res.status).toBe(401);
  });
});
