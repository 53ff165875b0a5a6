/**
 * A Job test: the cluster runs the test itself (from inside the mesh, with the workload's
 * identity), and the Job's Complete or Failed condition is the verdict. The name comes from the
 * workflow, so a retried activity finds the Job its earlier attempt created instead of running
 * the test twice.
 */
import type { V1Job } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { call, read } from '../kubernetes/call.js';
import type { KubeClients } from '../kubernetes/clients.js';
import { watchUntil } from '../kubernetes/watch-until.js';
import type { TestReport } from './types.js';

export interface JobCheck {
  namespace: string;
  /** Deterministic (e.g. step id + attempt of the runbook step): the same on every activity attempt. */
  name: string;
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
  if (failed !== undefined) return { outcome: 'Failed', reason: failed.reason ?? failed.message ?? 'Failed', ...counts };
  return { outcome: 'Running', reason: `${counts.succeeded} succeeded, ${counts.failed} failed`, ...counts };
}

export function jobManifest(check: JobCheck): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: check.name, namespace: check.namespace, labels: { 'app.kubernetes.io/managed-by': 'istio-upgrade-runbooks', ...check.labels } },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: check.timeoutSeconds ?? 300,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: { ...check.labels } },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'test', image: check.image, ...(check.command ? { command: check.command } : {}), ...(check.args ? { args: check.args } : {}) }],
        },
      },
    },
  };
}

export async function runJobCheck(clients: KubeClients, check: JobCheck): Promise<TestReport> {
  const started = Date.now();
  const what = `job ${check.namespace}/${check.name}`;
  try {
    await call(`create ${what}`, () => clients.batch.createNamespacedJob({ namespace: check.namespace, body: jobManifest(check) }));
  } catch (err) {
    // AlreadyExists: an earlier attempt created it; wait for that run rather than start another.
    const reason = err instanceof ApplicationFailure ? (err.details?.[0] as { reason?: unknown } | undefined)?.reason : undefined;
    const alreadyExists = err instanceof ApplicationFailure && err.type === 'Conflict' && reason === 'AlreadyExists';
    if (!alreadyExists) throw err;
  }
  const timeoutSeconds = check.timeoutSeconds ?? 300;
  try {
    const outcome = await watchUntil<V1Job, JobVerdict>(
      clients,
      {
        listPath: `/apis/batch/v1/namespaces/${encodeURIComponent(check.namespace)}/jobs`,
        name: check.name,
        describe: what,
        read: () => read(`read ${what}`, () => clients.batch.readNamespacedJob({ namespace: check.namespace, name: check.name })),
        evaluate: (job) => {
          const verdict = jobVerdict(job);
          return { state: verdict.outcome === 'Running' ? 'progressing' : 'done', message: `${verdict.outcome}: ${verdict.reason}`, progress: verdict };
        },
      },
      { deadlineSeconds: timeoutSeconds + 30 },
    );
    const verdict = outcome.progress;
    return {
      passed: verdict.outcome === 'Complete',
      summary: `${what} → ${verdict.outcome} (${verdict.reason})`,
      evidence: { job: what, outcome: verdict.outcome, reason: verdict.reason, succeeded: verdict.succeeded, failed: verdict.failed },
      durationMs: Date.now() - started,
    };
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'RolloutFailed') {
      return { passed: false, summary: `${what} → no verdict within ${timeoutSeconds + 30}s`, evidence: { job: what, outcome: 'Timeout' }, durationMs: Date.now() - started };
    }
    throw err;
  }
}
