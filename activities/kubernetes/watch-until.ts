/**
 * Waits on one object with a watch, not a polling loop: one read to learn where the object is
 * (or the object a write just returned, which needs no read), then one long watch that resumes from the last resourceVersion when the connection drops and
 * starts over from a fresh read on 410 Gone. It heartbeats the latest progress, stops when the
 * activity is cancelled, and fails with a clear message at the deadline.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { activityFailure, fromKubernetesError } from '../failure.js';
import { currentCancellationSignal, currentContext, heartbeat, heartbeatIntervalMs } from '../context.js';
import type { KubeClients } from './clients.js';

export type Evaluation<P> =
  | { state: 'done'; message: string; progress: P }
  | { state: 'progressing'; message: string; progress: P }
  | { state: 'failed'; message: string; progress: P };

export interface WatchTarget<T extends KubernetesObject, P> {
  /** The collection to watch, e.g. `/apis/apps/v1/namespaces/bookinfo/deployments`. */
  listPath: string;
  name: string;
  /** "deployment bookinfo/reviews-v2": the subject of every message. */
  describe: string;
  read: () => Promise<T>;
  /**
   * The object as the write that started the change returned it: evaluated first, and the watch
   * starts from its resourceVersion, so no read is needed. A 410 Gone still falls back to `read`.
   */
  start?: T;
  /** `failed` and a passed deadline both end the wait as RolloutFailed: waiting longer will not help. */
  evaluate: (object: T) => Evaluation<P>;
}

export interface WatchOptions {
  /** Give up after this long, counted from the first attempt so retries do not extend it. */
  deadlineSeconds?: number;
  /** How often to heartbeat while nothing changes; defaults to a third of the heartbeat timeout. */
  heartbeatIntervalMs?: number;
  /** Server-side bound of one watch request; the watch is renewed after it. */
  watchTimeoutSeconds?: number;
}

export interface WatchOutcome<P, T extends KubernetesObject = KubernetesObject> {
  message: string;
  progress: P;
  /** The object that ended the wait, as the server last sent it. */
  object: T;
  /** Watch requests opened: 1 unless the connection dropped or the history expired. */
  watches: number;
  reads: number;
}

/** What the heartbeat carries: plain progress, no object contents. */
export interface WaitHeartbeat<P> {
  message: string;
  progress: P;
}

const MAX_CONSECUTIVE_WATCH_ERRORS = 5;

function deadlineAt(deadlineSeconds: number | undefined): number | undefined {
  if (deadlineSeconds === undefined) return undefined;
  const start = currentContext()?.info.scheduledTimestampMs ?? Date.now();
  return start + deadlineSeconds * 1000;
}

interface WatchStatusObject {
  code?: number;
  reason?: string;
  message?: string;
}

export function watchUntil<T extends KubernetesObject, P>(
  clients: KubeClients,
  target: WatchTarget<T, P>,
  options: WatchOptions = {},
): Promise<WatchOutcome<P, T>> {
  const signal = currentCancellationSignal();
  const deadline = deadlineAt(options.deadlineSeconds);
  const watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;

  return new Promise<WatchOutcome<P, T>>((resolve, reject) => {
    let settled = false;
    let resourceVersion: string | undefined;
    let last: Evaluation<P> | undefined;
    let watches = 0;
    let reads = 0;
    let consecutiveErrors = 0;
    // Each watch has an id; callbacks of a watch we replaced or aborted are ignored.
    let currentWatch = 0;
    let controller: AbortController | undefined;
    let renewTimer: NodeJS.Timeout | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let watchStartedAt = 0;

    const beat = (): void => {
      if (last !== undefined)
        heartbeat({
          message: `${target.describe}: ${last.message}`,
          progress: last.progress,
        } satisfies WaitHeartbeat<P>);
    };
    const heartbeatTimer = setInterval(beat, options.heartbeatIntervalMs ?? heartbeatIntervalMs());
    const deadlineTimer =
      deadline === undefined
        ? undefined
        : setTimeout(
            () => {
              settle(
                activityFailure(
                  'RolloutFailed',
                  `${target.describe} did not finish within ${options.deadlineSeconds}s: ${last?.message ?? 'no status yet'}`,
                  {
                    details: { progress: last?.progress ?? null },
                  },
                ),
              );
            },
            Math.max(0, deadline - Date.now()),
          );
    const onAbort = (): void => settle(signal?.reason as CancelledFailure);
    signal?.addEventListener('abort', onAbort, { once: true });

    function settle(error: ApplicationFailure | CancelledFailure | undefined, outcome?: WatchOutcome<P, T>): void {
      if (settled) return;
      settled = true;
      currentWatch++;
      clearInterval(heartbeatTimer);
      clearTimeout(deadlineTimer);
      clearTimeout(renewTimer);
      clearTimeout(retryTimer);
      signal?.removeEventListener('abort', onAbort);
      controller?.abort();
      if (error !== undefined) reject(error);
      else if (outcome !== undefined) resolve(outcome);
    }

    function observe(object: T): void {
      const rv = object.metadata?.resourceVersion;
      if (rv !== undefined) resourceVersion = rv;
      const previous = last?.message;
      last = target.evaluate(object);
      if (last.message !== previous) beat();
      if (last.state === 'done')
        settle(undefined, { message: last.message, progress: last.progress, object, watches, reads });
      else if (last.state === 'failed') {
        settle(
          activityFailure('RolloutFailed', `${target.describe}: ${last.message}`, {
            details: { progress: last.progress },
          }),
        );
      }
    }

    function relist(): void {
      reads++;
      resourceVersion = undefined;
      target.read().then(
        (object) => {
          if (settled) return;
          observe(object);
          if (!settled) startWatch();
        },
        (err: unknown) => settle(fromKubernetesError(err, `read ${target.describe}`)),
      );
    }

    function retryWatch(err: unknown): void {
      consecutiveErrors++;
      if (consecutiveErrors > MAX_CONSECUTIVE_WATCH_ERRORS) {
        settle(fromKubernetesError(err, `watch ${target.describe}`));
        return;
      }
      retryTimer = setTimeout(startWatch, Math.min(100 * 2 ** consecutiveErrors, 5_000));
    }

    /** The current watch is over, with an error or cleanly; decide how to go on. */
    function watchEnded(err: unknown): void {
      clearTimeout(renewTimer);
      const status = (err as { statusCode?: unknown } | null)?.statusCode;
      if (status === 410) relist();
      // A clean close is the server ending the watch (its timeout, or a dropped stream): resume
      // from the last resourceVersion, after a pause if the server keeps closing at once.
      else if (err === null || err === undefined) {
        if (Date.now() - watchStartedAt < 1_000) retryTimer = setTimeout(startWatch, 250);
        else startWatch();
      } else if (typeof status === 'number' && status !== 429 && status < 500)
        settle(fromKubernetesError(err, `watch ${target.describe}`));
      else retryWatch(err);
    }

    function onWatchEnd(id: number, err: unknown): void {
      if (settled || id !== currentWatch) return;
      watchEnded(err);
    }

    function onEvent(id: number, type: string, object: unknown): void {
      if (settled || id !== currentWatch) return;
      consecutiveErrors = 0;
      if (type === 'ERROR') {
        // Real API servers report an expired resourceVersion as an ERROR event carrying 410.
        const status = object as WatchStatusObject;
        currentWatch++;
        controller?.abort();
        watchEnded(
          Object.assign(new Error(status.message ?? status.reason ?? 'watch error'), {
            statusCode: status.code ?? 500,
          }),
        );
        return;
      }
      const typed = object as T;
      if (type === 'BOOKMARK') {
        resourceVersion = typed.metadata?.resourceVersion ?? resourceVersion;
        return;
      }
      if (typed.metadata?.name !== target.name) return;
      if (type === 'DELETED') {
        settle(activityFailure('NotFound', `${target.describe} was deleted while waiting`));
        return;
      }
      observe(typed);
    }

    function startWatch(): void {
      if (settled) return;
      const id = ++currentWatch;
      watches++;
      watchStartedAt = Date.now();
      const query = {
        fieldSelector: `metadata.name=${target.name}`,
        allowWatchBookmarks: true,
        timeoutSeconds: watchTimeoutSeconds,
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
      };
      // The client has no idle timeout: renew a watch the server forgot to end.
      clearTimeout(renewTimer);
      renewTimer = setTimeout(
        () => {
          if (settled || id !== currentWatch) return;
          currentWatch++;
          controller?.abort();
          startWatch();
        },
        (watchTimeoutSeconds + 15) * 1000,
      );
      clients.watch
        .watch(
          target.listPath,
          query,
          (type: string, object: unknown) => onEvent(id, type, object),
          (err: unknown) => onWatchEnd(id, err),
        )
        .then(
          (c) => {
            if (id === currentWatch) controller = c;
            else c.abort();
          },
          (err: unknown) => onWatchEnd(id, err),
        );
    }

    if (signal?.aborted === true) onAbort();
    else if (target.start !== undefined) {
      observe(target.start);
      if (!settled) startWatch();
    } else relist();
  });
}
