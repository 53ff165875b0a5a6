/** The reverted mark a revert leaves: on the Namespace, or on a pinned workload's Deployment; a retry writes nothing. */
import { describe, expect, it } from 'vitest';
import { REVERTED_ANNOTATION } from '../../../core/labels.js';
import { kubernetesActivitiesOn } from '../support/sim.js';

const t = kubernetesActivitiesOn('sidecarIstioctl');

const value = {
  upgrade: 'istio-upgrade-sim',
  from: '1-27-3',
  to: 'default',
  reason: 'alice: ratings-v1 fails its smoke test',
  at: '2026-12-05T02:40:00.000Z',
};
const writes = (resource: string, name: string) =>
  t.cluster.sim.writeLog.filter((w) => w.resource === resource && w.name === name).length;

describe('markReverted', () => {
  it('annotates bookinfo once with the revert as JSON; the same call again writes nothing', async () => {
    expect(await t.k.markReverted({ namespace: 'bookinfo', value })).toEqual({ changed: true });
    expect(await t.k.markReverted({ namespace: 'bookinfo', value })).toEqual({ changed: false });
    expect(writes('namespaces', 'bookinfo')).toBe(1);
    const annotation = t.cluster.sim.get('namespaces', '', 'bookinfo')?.metadata.annotations?.[REVERTED_ANNOTATION];
    expect(JSON.parse(annotation ?? '{}')).toEqual(value);
  });

  it('annotates the Deployment of a pinned workload, not its pod template (no rollout)', async () => {
    const before = t.cluster.sim.get('deployments', 'bookinfo', 'ratings-v1')?.metadata.generation;
    expect(await t.k.markReverted({ namespace: 'bookinfo', deployment: 'ratings-v1', value })).toEqual({
      changed: true,
    });
    expect(await t.k.markReverted({ namespace: 'bookinfo', deployment: 'ratings-v1', value })).toEqual({
      changed: false,
    });
    const deployment = t.cluster.sim.get('deployments', 'bookinfo', 'ratings-v1');
    expect(JSON.parse(deployment?.metadata.annotations?.[REVERTED_ANNOTATION] ?? '{}')).toEqual(value);
    expect(deployment?.metadata.generation).toBe(before);
    expect(writes('deployments', 'ratings-v1')).toBe(1);
  });
});
