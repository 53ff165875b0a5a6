import { MockActivityEnvironment } from '@temporalio/testing';

/**
 * An activity context like the worker's: scheduled now (deadlines count from there) with a
 * heartbeat timeout, recording every heartbeat.
 */
export function activityEnv(heartbeatTimeoutMs = 600): { env: MockActivityEnvironment; heartbeats: unknown[] } {
  const env = new MockActivityEnvironment({
    scheduledTimestampMs: Date.now(),
    currentAttemptScheduledTimestampMs: Date.now(),
    heartbeatTimeoutMs,
  });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  return { env, heartbeats };
}

/** `env.run` with the result type kept (its generics do not infer it from a closure). */
export function runIn<R>(env: MockActivityEnvironment, fn: () => Promise<R>): Promise<R> {
  return env.run<[], R, () => Promise<R>>(fn);
}
