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
