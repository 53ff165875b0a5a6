/**
 * Every API call goes through here, so every error leaves as a typed, redacted failure.
 * Reads are retried in place: they are idempotent and a blip should not cost an activity
 * attempt. Writes are not: their retryable failures go to Temporal's retry policy, which
 * records them in history.
 */
import { ApplicationFailure } from '@temporalio/common';
import { fromKubernetesError } from '../failure.js';
import { currentCancellationSignal } from '../context.js';

export async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fromKubernetesError(err, what);
  }
}

export interface ReadRetry {
  attempts: number;
  initialDelayMs: number;
}

export const DEFAULT_READ_RETRY: ReadRetry = { attempts: 4, initialDelayMs: 100 };

export async function read<T>(what: string, fn: () => Promise<T>, retry: ReadRetry = DEFAULT_READ_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(what, fn);
    } catch (err) {
      const retryable = err instanceof ApplicationFailure && !err.nonRetryable;
      if (!retryable || attempt >= retry.attempts) throw err;
      const delay =
        typeof err.nextRetryDelay === 'number' ? err.nextRetryDelay : retry.initialDelayMs * 2 ** (attempt - 1);
      await sleep(Math.min(delay, 5_000));
    }
  }
}

/** A sleep that ends early, with the cancellation, when the activity is cancelled. */
/** A 404 on a list means the API (a CRD) is not served: absent, not an error. */
export async function optional<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await read(what, fn);
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'NotFound') return null;
    throw err;
  }
}

export function sleep(ms: number): Promise<void> {
  const signal = currentCancellationSignal();
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
