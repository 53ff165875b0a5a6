/**
 * Events, read with the real kubectl: a rollout, a scale and a pod that never becomes ready leave
 * the Events a real cluster's controllers and kubelet would record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { bookinfo, eventually, kubectl } from '../support.js';

interface EventShape {
  type: string;
  reason: string;
  message: string;
  count: number;
  source: { component: string; host?: string };
  involvedObject: { kind: string; name: string };
}

const eventsOf = (sim: Sim, kind: string, name?: string): EventShape[] =>
  (sim.list('events', 'bookinfo') as unknown as EventShape[]).filter(
    (e) => e.involvedObject.kind === kind && (name === undefined || e.involvedObject.name.startsWith(name)),
  );

describe('Events from rollouts, scaling and failures', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ scenario: bookinfo(), timeScale: 20 });
  });
  afterAll(() => sim?.stop());

  it('a loaded scenario starts without Events: the seeded cluster is quiet', () => {
    expect(sim.list('events')).toEqual([]);
  });

  it('a rollout restart records the Deployment scaling its ReplicaSets, the ReplicaSets creating and deleting pods, and the pods starting and stopping', async () => {
    await kubectl(sim, ['rollout', 'restart', 'deployment/reviews-v2', '-n', 'bookinfo']);
    await kubectl(sim, ['rollout', 'status', 'deployment/reviews-v2', '-n', 'bookinfo', '--timeout=30s']);
    const scaling = eventsOf(sim, 'Deployment', 'reviews-v2').map((e) => e.message);
    expect(scaling).toContainEqual(expect.stringMatching(/^Scaled up replica set reviews-v2-\w+ from 0 to 1$/));
    expect(scaling).toContainEqual(expect.stringMatching(/^Scaled down replica set reviews-v2-\w+ from 1 to 0$/));
    const rs = eventsOf(sim, 'ReplicaSet', 'reviews-v2');
    expect(rs.filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(3);
    expect(rs.filter((e) => e.reason === 'SuccessfulDelete')).toHaveLength(3);
    expect(rs.every((e) => e.source.component === 'replicaset-controller')).toBe(true);
    const pods = eventsOf(sim, 'Pod', 'reviews-v2');
    expect(pods.filter((e) => e.reason === 'Scheduled')).toHaveLength(3);
    expect(pods.filter((e) => e.reason === 'Started' && e.message === 'Started container istio-proxy')).toHaveLength(3);
    expect(pods.filter((e) => e.reason === 'Killing' && e.message === 'Stopping container reviews')).toHaveLength(3);
    expect(pods.find((e) => e.reason === 'Started')?.source).toEqual({
      component: 'kubelet',
      host: expect.stringMatching(/^node-/) as unknown,
    });

    const table = await kubectl(sim, ['get', 'events', '-n', 'bookinfo']);
    expect(table.stdout.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(table.stdout).toMatch(
      /Normal\s+ScalingReplicaSet\s+deployment\/reviews-v2\s+Scaled up replica set reviews-v2-\w+ from 0 to 1/,
    );
  });

  it('kubectl describe deployment shows its scaling Events after kubectl scale', async () => {
    await kubectl(sim, ['scale', 'deployment/reviews-v1', '-n', 'bookinfo', '--replicas=3']);
    await kubectl(sim, ['rollout', 'status', 'deployment/reviews-v1', '-n', 'bookinfo', '--timeout=30s']);
    const described = await kubectl(sim, ['describe', 'deployment', 'reviews-v1', '-n', 'bookinfo']);
    const events = described.stdout.slice(described.stdout.indexOf('Events:'));
    expect(events).toMatch(
      /Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set reviews-v1-\w+ from 1 to 3/,
    );
    // Only this Deployment's Events: describe selects them by involvedObject.
    expect(events).not.toContain('reviews-v2');
  });

  it('a pod that never becomes ready records a Warning Unhealthy Event, counted each time the probe fails again', async () => {
    sim.faults.add({ kind: 'neverReady', deployment: 'productpage-v1', namespace: 'bookinfo' });
    await kubectl(sim, ['rollout', 'restart', 'deployment/productpage-v1', '-n', 'bookinfo']);
    const unhealthy = await eventually(() => {
      const found = eventsOf(sim, 'Pod', 'productpage-v1').find((e) => e.reason === 'Unhealthy' && e.count >= 2);
      return found;
    }, 15_000);
    expect(unhealthy).toMatchObject({
      type: 'Warning',
      message: expect.stringContaining('Readiness probe failed') as unknown,
      source: { component: 'kubelet' },
    });
    const pod = unhealthy.involvedObject.name;
    const described = await kubectl(sim, ['describe', 'pod', pod, '-n', 'bookinfo']);
    expect(described.stdout).toMatch(
      /Warning\s+Unhealthy\s+\S+( \(x\d+ over \S+\))?\s+kubelet\s+Readiness probe failed/,
    );
    const warnings = await kubectl(sim, [
      'get',
      'events',
      '-n',
      'bookinfo',
      '--field-selector',
      'type=Warning',
      '-o',
      'name',
    ]);
    expect(
      warnings.stdout
        .trim()
        .split('\n')
        .every((l) => l.startsWith('event/productpage-v1-')),
    ).toBe(true);
  });
});
