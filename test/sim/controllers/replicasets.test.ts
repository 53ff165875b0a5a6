import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { bookinfo, eventually, kubectl } from '../support.js';

let sim: Sim;
beforeAll(async () => {
  sim = await startSim({ scenario: bookinfo(), timeScale: 20 });
});
afterAll(() => sim.stop());

const replicaSetsOf = (deployment: string) =>
  sim
    .list('replicasets', 'bookinfo')
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === deployment));
// Live pods only: the previous template's pods may still be terminating (30 s grace).
const podsOf = (rsName: string) =>
  sim
    .list('pods', 'bookinfo')
    .filter(
      (p) =>
        p.metadata.deletionTimestamp === undefined &&
        p.metadata.ownerReferences?.some((o) => o.kind === 'ReplicaSet' && o.name === rsName),
    );
const imageOf = (deployment: string) =>
  (sim.get('deployments', 'bookinfo', deployment)?.spec as { template: { spec: { containers: { image: string }[] } } })
    .template.spec.containers[0]?.image;

describe('ReplicaSets of the deployment controller', () => {
  it("owns a deployment's pods through a ReplicaSet named by the pod-template-hash, at revision 1", () => {
    const [rs, ...others] = replicaSetsOf('reviews-v2');
    expect(others).toEqual([]);
    const hash = rs?.metadata.labels?.['pod-template-hash'];
    expect(rs?.metadata.name).toBe(`reviews-v2-${hash}`);
    expect(rs?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect((rs?.spec as { replicas: number }).replicas).toBe(3);
    expect(podsOf(rs?.metadata.name ?? '').every((p) => p.metadata.labels?.['pod-template-hash'] === hash)).toBe(true);
    expect(podsOf(rs?.metadata.name ?? '')).toHaveLength(3);
  });

  it('a restart makes a second ReplicaSet at revision 2 and scales the first to 0; kubectl rollout history lists both', async () => {
    await kubectl(sim, ['rollout', 'restart', 'deployment/reviews-v2', '-n', 'bookinfo']);
    await kubectl(sim, ['rollout', 'status', 'deployment/reviews-v2', '-n', 'bookinfo', '--timeout=60s']);
    const sets = replicaSetsOf('reviews-v2').sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    expect(sets).toHaveLength(2);
    const byRevision = new Map(sets.map((rs) => [rs.metadata.annotations?.['deployment.kubernetes.io/revision'], rs]));
    expect((byRevision.get('1')?.spec as { replicas: number }).replicas).toBe(0);
    expect((byRevision.get('2')?.spec as { replicas: number }).replicas).toBe(3);
    expect(
      sim.get('deployments', 'bookinfo', 'reviews-v2')?.metadata.annotations?.['deployment.kubernetes.io/revision'],
    ).toBe('2');
    const history = (await kubectl(sim, ['rollout', 'history', 'deployment/reviews-v2', '-n', 'bookinfo'])).stdout;
    expect(history).toMatch(/^1\s/m);
    expect(history).toMatch(/^2\s/m);
  });

  it('kubectl rollout undo brings the first template back: its ReplicaSet returns as revision 3 and runs the pods', async () => {
    const original = replicaSetsOf('reviews-v1')[0];
    await kubectl(sim, [
      'set',
      'image',
      'deployment/reviews-v1',
      'reviews=docker.io/istio/examples-bookinfo-reviews-v1:9.9.9',
      '-n',
      'bookinfo',
    ]);
    await kubectl(sim, ['rollout', 'status', 'deployment/reviews-v1', '-n', 'bookinfo', '--timeout=60s']);
    expect(imageOf('reviews-v1')).toContain('9.9.9');
    await kubectl(sim, ['rollout', 'undo', 'deployment/reviews-v1', '-n', 'bookinfo']);
    await kubectl(sim, ['rollout', 'status', 'deployment/reviews-v1', '-n', 'bookinfo', '--timeout=60s']);
    expect(imageOf('reviews-v1')).not.toContain('9.9.9');
    const back = await eventually(() => sim.get('replicasets', 'bookinfo', original?.metadata.name ?? ''));
    expect(back.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(podsOf(back.metadata.name)).toHaveLength(1);
    expect(replicaSetsOf('reviews-v1')).toHaveLength(2);
  });
});
