/**
 * A worker process killed with SIGKILL in the middle of a rollback, and a new worker process
 * started. reviews-v3's test Job fails once its proxy runs 1.27.3 (sim fault `jobFails`), after
 * every other bookinfo deployment was moved and restarted; the failure gate is rejected, and the
 * worker dies while the rollback restarts productpage-v1 (its PATCH sent, its pods not ready).
 * The rollback runs to the end under the new worker: every bookinfo deployment restarted once by
 * the upgrade and once by the rollback, every rollback step once, and the mesh as it was before.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import type { SimCluster } from '../../activities/support/sim.js';
import { RESTARTED_AT_ANNOTATION } from '../../../activities/kubernetes/restart.js';
import { restartValue } from '../../../workflows/steps/context.js';
import { meshState, restartsOf } from '../support/upgrade-harness.js';
import {
  BOOKINFO,
  activityRuns,
  canaryWithCrash,
  crashCanarySpec,
  startCrashCluster,
  writesTo,
} from '../support/crash-harness.js';

/** The order the canary restarts them (reviews-v2 first by the spec, then by name); the rollback keeps it. */
const ORDER = ['reviews-v2', 'details-v1', 'productpage-v1', 'ratings-v1', 'reviews-v1', 'reviews-v3'];
const FAILED = 'restart:bookinfo/reviews-v3@1.27.3';
const KILLED_IN = 'rollback:restart:bookinfo/productpage-v1@1.26.4';

const testJobNames = (cluster: SimCluster) =>
  new Set(
    cluster.sim
      .list('jobs', 'bookinfo')
      .filter((job) => job.metadata.labels?.['istio-upgrade-runbooks/tests'])
      .map((job) => job.metadata.name),
  );

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  // Bookinfo's pods take 2 s each to get ready: a rollback restart lasts long enough to die in.
  [env, cluster] = await Promise.all([devServerEnv(), startCrashCluster({ timeScale: 50, bookinfoReadySeconds: 100 })]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

/** meshState without the pods of finished test Jobs (owner `bookinfo/<pod name>`, since they have no app label). */
function withoutTestPods(state: Record<string, unknown>): Record<string, unknown> {
  const jobs = testJobNames(cluster);
  const testPods = new Set(
    cluster.sim
      .list('pods', 'bookinfo')
      .filter((pod) => jobs.has(pod.metadata.labels?.['job-name'] ?? ''))
      .map((pod) => `bookinfo/${pod.metadata.name}`),
  );
  const proxies = Object.fromEntries(
    Object.entries(state.proxies as Record<string, string>).filter(([owner]) => !testPods.has(owner)),
  );
  return { ...state, proxies };
}

describe('a worker killed during a rollback', () => {
  it('completes the rollback after a new worker starts: every bookinfo deployment back on default, restarted exactly once by the rollback, the mesh as before', async () => {
    const before = meshState(cluster);
    cluster.sim.faults.add({
      kind: 'jobFails',
      deployment: 'reviews-v3',
      namespace: 'bookinfo',
      minProxyVersion: '1.27.0',
    });
    const run = await canaryWithCrash(env, inject('temporalAddress'), cluster, {
      spec: crashCanarySpec(
        {},
        {
          tests: {
            bookinfo: {
              job: {
                image: 'docker.io/curlimages/curl:8.11.0',
                command: ['curl', '-fsS', 'http://reviews:9080/health'],
              },
            },
          },
        },
      ),
      answer: (gateId, status) =>
        status.pendingGates.find((gate) => gate.id === gateId)?.kind === 'failure' ? 'reject' : 'approve',
      killWhen: (status, c) =>
        status.phase === 'rolling-back' &&
        restartsOf(c, 'bookinfo')['productpage-v1'] === 2 &&
        status.rollback?.find((step) => step.id === KILLED_IN)?.state === 'running',
    });
    const { result } = run;
    expect(result.outcome).toBe('rolled-back');

    // The upgrade's steps, each once: done up to reviews-v3, whose test failed; the rest never ran.
    const steps = result.status.steps.map((step) => step.id);
    expect(new Set(steps).size).toBe(steps.length);
    const failedAt = steps.indexOf(FAILED);
    expect(result.status.steps.map((step) => `${step.id}:${step.state}`)).toEqual(
      result.status.steps.map(
        (step, index) => `${step.id}:${index < failedAt ? 'done' : index === failedAt ? 'failed' : 'pending'}`,
      ),
    );
    expect(result.status.steps[failedAt]?.failure?.type).toBe('TestFailed');
    expect(
      result.status.decisions
        .filter((decision) => decision.gateId.startsWith('failed:'))
        .map((decision) => `${decision.gateId}:${decision.outcome}`),
    ).toEqual([`failed:${FAILED}#1:rejected`]);
    // The rollback's steps, each once and all done: the kill landed in one of them.
    expect(run.atKill.rollback?.find((step) => step.id === KILLED_IN)?.state).toBe('running');
    const rollbackSteps = (result.status.rollback ?? []).map((step) => `${step.id}:${step.state}`);
    expect(new Set(rollbackSteps).size).toBe(rollbackSteps.length);
    expect(rollbackSteps).toEqual([
      'rollback:move-namespace:bookinfo@default:done',
      ...ORDER.map((name) => `rollback:restart:bookinfo/${name}@1.26.4:done`),
      'rollback:verify-proxies@1.26.4:done',
      'rollback:remove-revision:1-27-3:done',
    ]);

    // Restarts from the write log, split where the rollback moved bookinfo back: one PATCH per
    // deployment before (the upgrade), one after (the rollback), none repeated by the new worker.
    const bookinfoWrites = cluster.sim.writeLog.filter(
      (write) => write.resource === 'namespaces' && write.name === 'bookinfo',
    );
    expect(bookinfoWrites.length).toBe(2);
    const rollbackFrom = bookinfoWrites[1]?.seq ?? 0;
    const patches = (from: number, to: number) => {
      const counts: Record<string, number> = {};
      for (const write of cluster.sim.writeLog) {
        if (
          write.seq <= from ||
          write.seq >= to ||
          write.verb !== 'patch' ||
          write.resource !== 'deployments' ||
          write.namespace !== 'bookinfo'
        )
          continue;
        counts[write.name] = (counts[write.name] ?? 0) + 1;
      }
      return counts;
    };
    const once = Object.fromEntries(BOOKINFO.map((name) => [name, 1]));
    expect(patches(0, rollbackFrom)).toEqual(once);
    expect(patches(rollbackFrom, Infinity)).toEqual(once);
    // Each deployment's last restart is the rollback's first (and only) try of its step.
    // The upgrade never continues as new: its run is its first run.
    const upgradeKey = `${run.handle.workflowId}@${(await run.handle.describe()).runId}`;
    const annotations = BOOKINFO.map((name) => {
      const template = (
        cluster.sim.get('deployments', 'bookinfo', name)?.spec as
          { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined
      )?.template;
      return template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION];
    });
    expect(annotations).toEqual(
      BOOKINFO.map((name) => restartValue(upgradeKey, `rollback:restart:bookinfo/${name}@1.26.4`, 1)),
    );

    // No activity scheduled twice in any workflow; the killed restart ended on its attempt 2.
    const runs = await activityRuns(env, run.handle);
    for (const [workflowId, list] of Object.entries(runs)) {
      const summaries = list.map((r) => r.summary);
      expect(
        summaries.filter((summary, index) => summaries.indexOf(summary) !== index),
        workflowId,
      ).toEqual([]);
    }
    expect(runs[`${run.handle.workflowId}/rollback-restarts-3`]?.map((r) => `${r.summary}#${r.attempt}`)).toEqual([
      'restart bookinfo/productpage-v1 and test it#2',
    ]);

    // One test Job per try: six by the upgrade, six by the rollback, none created twice or deleted.
    const jobCreates = cluster.sim.writeLog
      .filter((write) => write.verb === 'create' && write.resource === 'jobs')
      .map((write) => write.name);
    expect(jobCreates.length).toBe(2 * BOOKINFO.length);
    expect(new Set(jobCreates).size).toBe(jobCreates.length);
    expect(writesTo(cluster, { verb: 'delete', resource: 'jobs' })).toBe(0);

    // The new revision removed once, and the mesh exactly as before the upgrade. The finished
    // test Jobs' pods (kept an hour by their TTL) carry a proxy too: they are the tests, not the mesh's workloads.
    expect(
      writesTo(cluster, { verb: 'delete', resource: 'deployments', namespace: 'istio-system', name: 'istiod-1-27-3' }),
    ).toBe(1);
    expect(withoutTestPods(meshState(cluster))).toEqual(before);
  }, 240_000);
});
