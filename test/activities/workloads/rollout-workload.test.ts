import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createWorkloadActivities } from '../../../activities/workloads/rollout-workload.js';
import { RESTARTED_AT_ANNOTATION } from '../../../activities/kubernetes/restart.js';
import { kubernetesActivitiesOn } from '../support/sim.js';
import { runIn } from '../support/activity-env.js';

const t = kubernetesActivitiesOn('sidecarIstioctl');

/** An activity context like the worker's, on the given attempt of the activity. */
const attemptEnv = (attempt: number) =>
  new MockActivityEnvironment({
    attempt,
    scheduledTimestampMs: Date.now(),
    currentAttemptScheduledTimestampMs: Date.now(),
    heartbeatTimeoutMs: 600,
  });
const lastSeq = () => t.cluster.sim.requests.at(-1)?.seq ?? 0;
/** The API requests since `seq`, as "verb resource[/name]". */
const requestsSince = (seq: number) =>
  t.cluster.sim.requests
    .filter((r) => r.seq > seq)
    .map((r) => `${r.verb} ${r.resource ?? '?'}${r.name === undefined ? '' : `/${r.name}`}`);
const generationOf = (name: string) => t.cluster.sim.get('deployments', 'bookinfo', name)?.metadata.generation ?? 0;

const input = (name: string, restartedAt: string) => ({
  namespace: 'bookinfo',
  name,
  restartedAt,
  expectedVersion: '1.26.4',
  expectedRevision: null,
  test: null,
  testRunId: `${name}/1`,
});

describe('one workload rolled out in a canary', () => {
  it('restarts reviews-v2 on a first attempt with the PATCH and one watch from its resourceVersion, then one pod list for the proxy check', async () => {
    const before = generationOf('reviews-v2');
    const since = lastSeq();
    const w = createWorkloadActivities(t.cluster.clients);
    const result = await runIn(attemptEnv(1), () => w.rolloutWorkload(input('reviews-v2', '2026-12-02T10:00:00Z')));
    expect(result).toMatchObject({
      restarted: true,
      rollout: 'deployment "reviews-v2" successfully rolled out',
      wrongProxies: [],
      pods: 2,
      test: null,
    });
    expect(requestsSince(since)).toEqual(['patch deployments/reviews-v2', 'watch deployments', 'list pods']);
    const watch = t.cluster.sim.requests.find((r) => r.seq > since && r.verb === 'watch');
    const patched = t.cluster.sim.get('deployments', 'bookinfo', 'reviews-v2');
    expect(generationOf('reviews-v2')).toBe(before + 1);
    // The watch resumed where the PATCH left the object (a later rv would mean a read in between).
    expect(new URLSearchParams(watch?.query).get('fieldSelector')).toBe('metadata.name=reviews-v2');
    expect(Number(new URLSearchParams(watch?.query).get('resourceVersion'))).toBeLessThan(
      Number(patched?.metadata.resourceVersion),
    );
    // Old pods may still be terminating: kubectl's rule does not wait for them, and neither does the check.
    const pods = t.cluster.sim
      .list('pods', 'bookinfo')
      .filter((p) => p.metadata.name.startsWith('reviews-v2-') && p.metadata.deletionTimestamp === undefined);
    expect(pods.map((p) => p.metadata.annotations?.[RESTARTED_AT_ANNOTATION])).toEqual([
      '2026-12-02T10:00:00Z',
      '2026-12-02T10:00:00Z',
    ]);
  });

  it('a retried attempt reads ratings-v1, finds its restart applied, and neither patches nor starts a second rollout', async () => {
    const w = createWorkloadActivities(t.cluster.clients);
    const first = await runIn(attemptEnv(1), () => w.rolloutWorkload(input('ratings-v1', '2026-12-02T10:05:00Z')));
    const generation = generationOf('ratings-v1');
    const since = lastSeq();
    // The worker died after the first attempt's PATCH landed: Temporal runs attempt 2.
    const retried = await runIn(attemptEnv(2), () => w.rolloutWorkload(input('ratings-v1', '2026-12-02T10:05:00Z')));
    expect(first.restarted).toBe(true);
    expect(retried).toMatchObject({
      restarted: false,
      rollout: 'deployment "ratings-v1" successfully rolled out',
      wrongProxies: [],
      pods: 1,
    });
    // The object read is already rolled out: no watch is needed either.
    expect(requestsSince(since)).toEqual(['get deployments/ratings-v1', 'list pods']);
    expect(generationOf('ratings-v1')).toBe(generation);
  });

  it('a first attempt whose value is already set (a reset workflow) sends a PATCH that changes nothing, and the rollout is already done', async () => {
    const w = createWorkloadActivities(t.cluster.clients);
    await runIn(attemptEnv(1), () => w.rolloutWorkload(input('details-v1', '2026-12-02T10:10:00Z')));
    const generation = generationOf('details-v1');
    const rv = t.cluster.sim.get('deployments', 'bookinfo', 'details-v1')?.metadata.resourceVersion;
    const since = lastSeq();
    const again = await runIn(attemptEnv(1), () => w.rolloutWorkload(input('details-v1', '2026-12-02T10:10:00Z')));
    expect(again.rollout).toBe('deployment "details-v1" successfully rolled out');
    expect(requestsSince(since)).toEqual(['patch deployments/details-v1', 'list pods']);
    expect(generationOf('details-v1')).toBe(generation);
    expect(t.cluster.sim.get('deployments', 'bookinfo', 'details-v1')?.metadata.resourceVersion).toBe(rv);
  });

  it('names the pods of productpage-v1 whose proxy is not the expected version', async () => {
    const w = createWorkloadActivities(t.cluster.clients);
    const result = await runIn(attemptEnv(1), () =>
      w.rolloutWorkload({ ...input('productpage-v1', '2026-12-02T10:15:00Z'), expectedVersion: '1.27.3' }),
    );
    expect(result.pods).toBe(2);
    expect(result.wrongProxies).toHaveLength(2);
    expect(result.wrongProxies[0]).toMatch(/^productpage-v1-[a-z0-9]+-[a-z0-9]+: 1\.26\.4 from /);
  });
});
