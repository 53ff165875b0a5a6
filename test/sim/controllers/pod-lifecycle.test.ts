import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import type { Pod } from '../../../sim/controllers/shapes.js';
import { bookinfo, eventually, kubectl } from '../support.js';

const reviewsV1 = (sim: Sim): Pod[] =>
  (sim.list('pods', 'bookinfo') as Pod[]).filter(
    (p) => p.metadata.labels?.app === 'reviews' && p.metadata.labels.version === 'v1' && !p.metadata.deletionTimestamp,
  );
const ready = (p: Pod): boolean =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('scheduling pods, seen through the real kubectl', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ scenario: bookinfo(), timeScale: 60 });
  });
  afterAll(async () => sim.stop());

  it('keeps a pod Pending while every node is cordoned and starts it as soon as one is uncordoned', async () => {
    const nodes = sim.list('nodes').map((n) => n.metadata.name);
    for (const node of nodes) await kubectl(sim, ['cordon', node]);
    await kubectl(sim, ['scale', 'deployment/reviews-v1', '-n', 'bookinfo', '--replicas=2']);
    const waiting = await eventually(() => reviewsV1(sim).find((p) => !ready(p)));
    // Two sim minutes: the pod is looked at, finds no node and stays unscheduled.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const pending = reviewsV1(sim).find((p) => p.metadata.name === waiting.metadata.name);
    expect(pending?.spec.nodeName).toBeUndefined();
    expect(pending?.status?.startTime).toBeUndefined();

    const [first = ''] = nodes;
    await kubectl(sim, ['uncordon', first]);
    // The node's change brings the pod back, not a periodic resync (a minute of real time away).
    await kubectl(sim, ['rollout', 'status', 'deployment/reviews-v1', '-n', 'bookinfo', '--timeout=10s']);
    const started = reviewsV1(sim).find((p) => p.metadata.name === waiting.metadata.name);
    expect(started?.spec.nodeName).toBe(first);
    expect(started && ready(started)).toBe(true);
    for (const node of nodes.slice(1)) await kubectl(sim, ['uncordon', node]);
  });
});
