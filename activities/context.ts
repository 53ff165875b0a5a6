/**
 * The activity context when there is one. Adapters also run outside an activity (the CLI's
 * dry runs, benchmarks), where heartbeats are dropped and nothing cancels them.
 */
import { asyncLocalStorage, type Context } from '@temporalio/activity';

export function currentContext(): Context | undefined {
  return asyncLocalStorage.getStore();
}

export function currentCancellationSignal(): AbortSignal | undefined {
  return currentContext()?.cancellationSignal;
}

export function heartbeat(details: unknown): void {
  currentContext()?.heartbeat(details);
}

/**
 * How often to heartbeat while waiting: a third of the heartbeat timeout, so two beats can be
 * lost before the server gives up on the attempt. Cancellation only reaches an activity that
 * heartbeats, so waits beat even when nothing changes.
 */
export function heartbeatIntervalMs(): number {
  const timeout = currentContext()?.info.heartbeatTimeoutMs;
  return timeout === undefined || timeout <= 0 ? 5_000 : Math.max(200, Math.floor(timeout / 3));
}
