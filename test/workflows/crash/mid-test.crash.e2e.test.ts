/**
 * A worker process killed with SIGKILL while reviews-v2's test Job runs (restarted, rolled out,
 * proxies checked, the Job created and its pod running, no verdict yet), and a new worker process
 * started. The retried attempt of the same activity names the Job from the same run id
 * (restartValue of the step's first attempt), finds it by name, recognises it as its own run
 * (same run and test annotations) and takes its verdict: no second Job, no second test pod, no
 * delete. A second Job is right only for a new attempt of the step (an operator's retry), which
 * a crash is not.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import type { SimCluster } from '../../activities/support/sim.js';
import type { KubeObject } from '../../../sim/api/object.js';
import { RUN_ANNOTATION } from '../../../activities/probes/job.js';
import {
  BOOKINFO,
  activityRuns,
  canaryWithCrash,
  crashCanarySpec,
  expectFinishedOnce,
  startCrashCluster,
  writesTo,
} from '../support/crash-harness.js';

const TESTED_BY = 'istio-upgrade-runbooks/tests';

const testJobs = (cluster: SimCluster, deployment?: string): KubeObject[] =>
  cluster.sim
    .list('jobs', 'bookinfo')
    .filter(
      (job) =>
        job.metadata.labels?.[TESTED_BY] !== undefined &&
        (deployment === undefined || job.metadata.labels[TESTED_BY] === deployment),
    );

const conditionsOf = (job: KubeObject): string[] =>
  ((job.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [])
    .filter((c) => c.status === 'True')
    .map((c) => c.type);

const podsOf = (cluster: SimCluster, job: KubeObject): KubeObject[] =>
  cluster.sim.list('pods', 'bookinfo').filter((pod) => pod.metadata.labels?.['job-name'] === job.metadata.name);

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  // A test Job's pod runs 6 s: long enough to die while it runs; bookinfo rolls out at once.
  [env, cluster] = await Promise.all([devServerEnv(), startCrashCluster({ timeScale: 50, jobRunSeconds: 300 })]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

describe('a worker killed while a deployment test Job runs', () => {
  it('takes the verdict of the same Job after a new worker starts, creates no second Job, and finishes the canary restarting every bookinfo deployment exactly once', async () => {
    const seen: { atKill: { job: string; conditions: string[]; pods: string[] } | null } = { atKill: null };
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
      killWhen: (status, c) => {
        const [job] = testJobs(c, 'reviews-v2');
        if (job === undefined || status.workloads.find((w) => w.name === 'reviews-v2')?.state !== 'running')
          return false;
        const pods = podsOf(c, job).map((pod) => (pod.status as { phase?: string } | undefined)?.phase ?? '?');
        seen.atKill = { job: job.metadata.name, conditions: conditionsOf(job), pods };
        return seen.atKill.conditions.length === 0 && pods.length === 1 && pods[0] === 'Running';
      },
    });
    // Killed with reviews-v2's Job running and no verdict on it.
    expect(seen.atKill).toMatchObject({ conditions: [], pods: ['Running'] });
    await expectFinishedOnce(env, run, cluster);

    // The retried attempt of the same activity took the verdict: reviews-v2's test passed on attempt 2.
    const runs = await activityRuns(env, run.handle);
    expect(runs[`${run.handle.workflowId}/restarts-1`]?.map((r) => `${r.summary}#${r.attempt}`)).toEqual([
      'restart bookinfo/reviews-v2 and test it#2',
    ]);
    expect(run.result.status.workloads.find((w) => w.name === 'reviews-v2')?.test?.passed).toBe(true);

    // One Job per deployment, each created once, none deleted, each Complete; reviews-v2's is the
    // one the first worker created (same name), of the step's first attempt, and its test ran once (one pod).
    expect(writesTo(cluster, { verb: 'create', resource: 'jobs', namespace: 'bookinfo' })).toBe(BOOKINFO.length);
    expect(writesTo(cluster, { verb: 'delete', resource: 'jobs', namespace: 'bookinfo' })).toBe(0);
    expect(
      testJobs(cluster)
        .map((job) => `${job.metadata.labels?.[TESTED_BY] ?? '?'}:${conditionsOf(job).includes('Complete')}`)
        .sort(),
    ).toEqual(BOOKINFO.map((name) => `${name}:true`));
    const [reviewsJob] = testJobs(cluster, 'reviews-v2');
    expect(reviewsJob?.metadata.name).toBe(seen.atKill?.job);
    expect(reviewsJob?.metadata.annotations?.[RUN_ANNOTATION]).toMatch(/\/restart:bookinfo\/reviews-v2@1\.27\.3$/);
    expect(reviewsJob && podsOf(cluster, reviewsJob).length).toBe(1);
  }, 240_000);
});
