/**
 * A Job test: the cluster runs the test itself (from inside the mesh, with the workload's
 * identity), and the Job's Complete or Failed condition is the verdict. The name comes from the
 * workflow (step and attempt), so a retried activity finds the Job its earlier attempt created
 * instead of running the test twice. Jobs outlive a run (an hour), so a Job found by name is
 * trusted only when it records the same run and the same test; any other is stale, and is
 * replaced before the test runs.
 */
import { createHash } from 'node:crypto';
import type { V1Job } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { heartbeat } from '../context.js';
import { activityFailure } from '../failure.js';
import { call, read, sleep } from '../kubernetes/call.js';
import type { KubeClients } from '../kubernetes/clients.js';
import { watchUntil } from '../kubernetes/watch-until.js';
import type { TestReport } from './types.js';

export interface JobCheck {
  namespace: string;
  /** Deterministic (e.g. step id + attempt of the runbook step): the same on every activity attempt. */
  name: string;
  /** The run the Job belongs to (step id and attempt), recorded on it and checked when it is found. */
  run: string;
  image: string;
  command?: string[];
  args?: string[];
  /** The Job's activeDeadlineSeconds; the wait gives up a little after it. */
  timeoutSeconds?: number;
  labels?: Record<string, string>;
}

type JobVerdict = { outcome: 'Complete' | 'Failed' | 'Running'; reason: string; succeeded: number; failed: number };

export function jobVerdict(job: V1Job): JobVerdict {
  const conditions = job.status?.conditions ?? [];
  const complete = conditions.find((c) => c.type === 'Complete' && c.status === 'True');
  const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
  const counts = { succeeded: job.status?.succeeded ?? 0, failed: job.status?.failed ?? 0 };
  if (complete !== undefined) return { outcome: 'Complete', reason: complete.reason ?? 'Complete', ...counts };
  if (failed !== undefined)
    return { outcome: 'Failed', reason: failed.reason ?? failed.message ?? 'Failed', ...counts };
  return { outcome: 'Running', reason: `${counts.succeeded} succeeded, ${counts.failed} failed`, ...counts };
}

export const RUN_ANNOTATION = 'istio-upgrade-runbooks/run';
export const TEST_ANNOTATION = 'istio-upgrade-runbooks/test';

/** A digest of what the test runs, so a Job of another test under the same name is recognised. */
export function testDigest(check: JobCheck): string {
  const what = {
    image: check.image,
    command: check.command ?? null,
    args: check.args ?? null,
    timeoutSeconds: check.timeoutSeconds ?? 300,
  };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 16);
}

export function jobManifest(check: JobCheck): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: check.name,
      namespace: check.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'istio-upgrade-runbooks', ...check.labels },
      annotations: { [RUN_ANNOTATION]: check.run, [TEST_ANNOTATION]: testDigest(check) },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: check.timeoutSeconds ?? 300,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: { ...check.labels } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'test',
              image: check.image,
              ...(check.command ? { command: check.command } : {}),
              ...(check.args ? { args: check.args } : {}),
            },
          ],
        },
      },
    },
  };
}

/** Why a Job found under our name is not this run's, or null when it is. */
export function staleBecause(job: V1Job, check: JobCheck): string | null {
  const annotations = job.metadata?.annotations ?? {};
  if (annotations[RUN_ANNOTATION] !== check.run) return `it belongs to run ${annotations[RUN_ANNOTATION] ?? '(none)'}`;
  if (annotations[TEST_ANNOTATION] !== testDigest(check)) return 'it runs another test';
  const container = job.spec?.template.spec?.containers[0];
  if (container?.image !== check.image) return `it runs ${container?.image ?? 'no image'}`;
  return null;
}

async function create(clients: KubeClients, check: JobCheck, what: string): Promise<'created' | 'exists'> {
  try {
    await call(`create ${what}`, () =>
      clients.batch.createNamespacedJob({ namespace: check.namespace, body: jobManifest(check) }),
    );
    return 'created';
  } catch (err) {
    // AlreadyExists: an earlier attempt created it, or a stale Job holds the name.
    const reason =
      err instanceof ApplicationFailure ? (err.details?.[0] as { reason?: unknown } | undefined)?.reason : undefined;
    if (err instanceof ApplicationFailure && err.type === 'Conflict' && reason === 'AlreadyExists') return 'exists';
    throw err;
  }
}

/** Deletes a stale Job (its pods with it) and waits until the name is free. */
async function replaceStale(clients: KubeClients, check: JobCheck, what: string): Promise<void> {
  await call(`delete stale ${what}`, () =>
    clients.batch.deleteNamespacedJob({
      namespace: check.namespace,
      name: check.name,
      propagationPolicy: 'Background',
    }),
  ).catch((err: unknown) => {
    if (!(err instanceof ApplicationFailure && err.type === 'NotFound')) throw err;
  });
  for (let i = 0; i < 50; i++) {
    try {
      await read(`read ${what}`, () =>
        clients.batch.readNamespacedJob({ namespace: check.namespace, name: check.name }),
      );
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === 'NotFound') return;
      throw err;
    }
    await sleep(200);
  }
  throw activityFailure('Conflict', `${what}: the stale Job is still being deleted`);
}

export async function runJobCheck(clients: KubeClients, check: JobCheck): Promise<TestReport> {
  const started = Date.now();
  const what = `job ${check.namespace}/${check.name}`;
  if ((await create(clients, check, what)) === 'exists') {
    const found = await read(`read ${what}`, () =>
      clients.batch.readNamespacedJob({ namespace: check.namespace, name: check.name }),
    );
    const stale = staleBecause(found, check);
    if (stale !== null) {
      heartbeat({ message: `${what} is stale (${stale}): replacing it` });
      await replaceStale(clients, check, what);
      await create(clients, check, what);
    }
  }
  const timeoutSeconds = check.timeoutSeconds ?? 300;
  try {
    const outcome = await watchUntil<V1Job, JobVerdict>(
      clients,
      {
        listPath: `/apis/batch/v1/namespaces/${encodeURIComponent(check.namespace)}/jobs`,
        name: check.name,
        describe: what,
        read: () =>
          read(`read ${what}`, () => clients.batch.readNamespacedJob({ namespace: check.namespace, name: check.name })),
        evaluate: (job) => {
          const verdict = jobVerdict(job);
          return {
            state: verdict.outcome === 'Running' ? 'progressing' : 'done',
            message: `${verdict.outcome}: ${verdict.reason}`,
            progress: verdict,
          };
        },
      },
      { deadlineSeconds: timeoutSeconds + 30 },
    );
    const verdict = outcome.progress;
    return {
      passed: verdict.outcome === 'Complete',
      summary: `${what} → ${verdict.outcome} (${verdict.reason})`,
      evidence: {
        job: what,
        outcome: verdict.outcome,
        reason: verdict.reason,
        succeeded: verdict.succeeded,
        failed: verdict.failed,
      },
      durationMs: Date.now() - started,
    };
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'RolloutFailed') {
      return {
        passed: false,
        summary: `${what} → no verdict within ${timeoutSeconds + 30}s`,
        evidence: { job: what, outcome: 'Timeout' },
        durationMs: Date.now() - started,
      };
    }
    throw err;
  }
}
