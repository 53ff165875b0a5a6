/**
 * The Job controller: runs pods until `completions` succeed or failures pass `backoffLimit`, and
 * reports Complete or Failed conditions, so a per-deployment test can be a Job that
 * `kubectl wait --for=condition=complete` understands.
 */
import { T } from '../api/resources.js';
import { ApiError } from '../api/status.js';
import type { StoreEvent } from '../api/store.js';
import { createAdmitted, type ControllerContext } from './context.js';
import { SOURCES, recordEvent } from './events.js';
import { nsKey, splitKey, type Controller } from './manager.js';
import { podFromTemplate, podName } from './pod-factory.js';
import { asPod, controllerOf, findCondition, setCondition, type Job } from './shapes.js';

/** Sim-seconds before a Job whose pod creation was refused tries again. */
const CREATE_RETRY_SECONDS = 10;

export class JobController implements Controller {
  readonly name = 'job';

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    if (e.resourceType === T.jobs) return [nsKey(e.object.metadata.namespace, e.object.metadata.name)];
    if (e.resourceType === T.pods) {
      const owner = controllerOf(e.object);
      if (owner?.kind === 'Job') return [nsKey(e.object.metadata.namespace, owner.name)];
    }
    return [];
  }

  allKeys(): string[] {
    return this.ctx.store.list(T.jobs).map((j) => nsKey(j.metadata.namespace, j.metadata.name));
  }

  reconcile(key: string): void {
    const { store, clock } = this.ctx;
    const { namespace, name } = splitKey(key);
    const found = store.get(T.jobs, namespace, name);
    if (!found) return;
    const job = found as Job;
    const conditions = job.status?.conditions;
    if (
      findCondition(conditions, 'Complete')?.status === 'True' ||
      findCondition(conditions, 'Failed')?.status === 'True'
    )
      return;
    const pods = store
      .listOwnedBy(T.pods, job.metadata.uid)
      .filter((p) => p.metadata.namespace === namespace)
      .map(asPod);
    const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
    const failed = pods.filter((p) => p.status?.phase === 'Failed').length;
    let active = pods.length - succeeded - failed;
    const completions = job.spec.completions ?? 1;
    const backoffLimit = job.spec.backoffLimit ?? 6;
    const now = clock.iso();
    let next = conditions;
    let completionTime: string | undefined;
    if (succeeded >= completions) {
      next = setCondition(
        next,
        {
          type: 'SuccessCriteriaMet',
          status: 'True',
          reason: 'CompletionsReached',
          message: 'Reached expected number of succeeded pods',
        },
        now,
      );
      next = setCondition(
        next,
        {
          type: 'Complete',
          status: 'True',
          reason: 'CompletionsReached',
          message: 'Reached expected number of succeeded pods',
        },
        now,
      );
      completionTime = now;
    } else if (failed > backoffLimit) {
      next = setCondition(
        next,
        {
          type: 'FailureTarget',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
        now,
      );
      next = setCondition(
        next,
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
        now,
      );
    } else {
      const parallelism = Math.min(job.spec.parallelism ?? 1, completions - succeeded);
      for (; active < parallelism; active++) {
        const pod = podFromTemplate(job, job.spec.template, {
          name: podName(name),
          labels: { 'job-name': name, 'batch.kubernetes.io/job-name': name, 'controller-uid': job.metadata.uid ?? '' },
        });
        pod.spec.restartPolicy = job.spec.template.spec.restartPolicy ?? 'Never';
        try {
          createAdmitted(this.ctx, T.pods, pod);
        } catch (err) {
          // A refused pod (an admission webhook failing) is retried, as the Job controller does.
          if (!(err instanceof ApiError)) throw err;
          recordEvent(this.ctx, job, 'Warning', 'FailedCreate', `Error creating: ${err.message}`, SOURCES.job);
          this.ctx.manager.enqueueAfter(this, key, CREATE_RETRY_SECONDS);
          break;
        }
      }
    }
    const status = {
      ...job.status,
      startTime: job.status?.startTime ?? now,
      active: completionTime || findCondition(next, 'Failed') ? 0 : active,
      succeeded,
      failed,
      ready: 0,
      ...(completionTime ? { completionTime } : {}),
      ...(next ? { conditions: next } : {}),
    };
    if (JSON.stringify(status) === JSON.stringify(job.status)) return;
    store.update(T.jobs, { ...job, status }, { subresource: 'status' });
  }
}
