import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { api, bookinfo, kubectl } from '../support.js';

describe('injected faults', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({
      scenario: bookinfo({ faults: [{ kind: 'neverReady', deployment: 'reviews-v1', namespace: 'bookinfo' }] }),
      timeScale: 50,
    });
  });
  afterAll(async () => sim.stop());

  it('keeps new pods of a deployment unready, so its rollout never completes', async () => {
    await kubectl(sim, ['rollout', 'restart', 'deployment/reviews-v1', '-n', 'bookinfo']);
    const res = await kubectl(sim, ['rollout', 'status', 'deployment/reviews-v1', '-n', 'bookinfo', '--timeout=2s'], {
      reject: false,
    });
    expect(res.exitCode).not.toBe(0);
    expect(res.stdout).toContain('1 old replicas are pending termination');
  });

  it('fails exactly the next N matching requests, then recovers', async () => {
    sim.faults.add({ kind: 'apiError', code: 429, verb: 'patch', resource: 'deployments', count: 2 });
    const patch = { metadata: { annotations: { a: 'b' } } };
    const path = '/apis/apps/v1/namespaces/bookinfo/deployments/reviews-v2';
    const first = await api(sim, 'PATCH', path, patch, 'application/merge-patch+json');
    const second = await api(sim, 'PATCH', path, patch, 'application/merge-patch+json');
    const third = await api(sim, 'PATCH', path, patch, 'application/merge-patch+json');
    expect([first.status, second.status, third.status]).toEqual([429, 429, 200]);
    expect(first.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests' });
    expect(sim.writeLog.filter((w) => w.name === 'reviews-v2')).toHaveLength(1);
  });

  it('forbids a verb on a resource with 403', async () => {
    sim.faults.add({ kind: 'apiError', code: 403, verb: 'delete', resource: 'pods' });
    const res = await kubectl(sim, ['delete', 'pods', '-n', 'bookinfo', '-l', 'app=productpage', '--wait=false'], {
      reject: false,
    });
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toContain('Forbidden');
    sim.faults.clear();
  });

  it('fails a Job that tests a named deployment', async () => {
    sim.faults.add({ kind: 'jobFails', deployment: 'ratings', namespace: 'bookinfo' });
    const job = (name: string) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: {
        backoffLimit: 0,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 't', image: 'curl' }] } },
      },
    });
    await api(sim, 'POST', '/apis/batch/v1/namespaces/bookinfo/jobs', job('test-ratings'));
    await api(sim, 'POST', '/apis/batch/v1/namespaces/bookinfo/jobs', job('test-details'));
    await kubectl(sim, ['wait', '--for=condition=Failed', 'job/test-ratings', '-n', 'bookinfo', '--timeout=20s']);
    await kubectl(sim, ['wait', '--for=condition=Complete', 'job/test-details', '-n', 'bookinfo', '--timeout=20s']);
  });

  it('drops watch streams after N events', async () => {
    sim.faults.add({ kind: 'dropWatch', resource: 'configmaps', afterEvents: 1, count: 1 });
    await api(sim, 'POST', '/api/v1/namespaces/bookinfo/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'w1' },
    });
    const res = await fetch(`${sim.url}/api/v1/namespaces/bookinfo/configmaps?watch=true`, {
      headers: { authorization: `Bearer ${sim.token}` },
    });
    const lines = (await res.text()).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(sim.faults.list().some((f) => f.kind === 'dropWatch')).toBe(false);
  });
});
