/**
 * Restarts a run of workloads, a child workflow per batch so that a mesh of thousands of
 * deployments never crowds one history: each batch holds a few dozen restarts at most, and the
 * parent records one child per batch. Within a batch, up to `concurrency` workloads roll at
 * once; after the first failure no further restart starts (those running finish), and the
 * parent decides at a gate what happens next.
 */
import { condition, defineSignal, isCancellation, setHandler } from '@temporalio/workflow';
import type { RestartWorkloadStep } from '../core/plan/steps.js';
import { waits } from './activities.js';
import { describeFailure } from './failures.js';
import type { StepFailure } from './messages.js';
import { restartValue } from './steps/context.js';

export interface RestartBatchInput {
  upgradeKey: string;
  items: { step: RestartWorkloadStep; attempt: number }[];
  concurrency: number;
}

export interface RestartOutcome {
  stepId: string;
  state: 'done' | 'failed';
  /** False when an earlier attempt had already restarted it. */
  restarted: boolean;
  note: string;
  test?: { passed: boolean; summary: string };
  failure?: StepFailure;
}

export interface RestartBatchResult {
  /** One per restart that started, in plan order; the rest of the batch did not start. */
  outcomes: RestartOutcome[];
}

/** The parent passes an operator's pause and resume on, so a hold takes effect before the next restart. */
export const holdSignal = defineSignal<[boolean]>('hold');

/** How long one workload may take to roll out before a human must look. */
const ROLLOUT_DEADLINE_SECONDS = 900;

async function restartOne(upgradeKey: string, step: RestartWorkloadStep, attempt: number): Promise<RestartOutcome> {
  const value = restartValue(upgradeKey, step.id, attempt);
  try {
    const result = await waits(
      `restart ${step.namespace}/${step.name}${step.test ? ' and test it' : ''}`,
    ).rolloutWorkload({
      namespace: step.namespace,
      name: step.name,
      restartedAt: value,
      expectedVersion: step.expectedVersion,
      expectedRevision: step.expectedRevision,
      test: step.test,
      testRunId: value,
      deadlineSeconds: ROLLOUT_DEADLINE_SECONDS,
      ...(step.podRevLabel !== undefined && { podLabels: { 'istio.io/rev': step.podRevLabel } }),
    });
    const test = result.test === null ? undefined : { passed: result.test.passed, summary: result.test.summary };
    if (result.wrongProxies.length > 0) {
      return {
        stepId: step.id,
        state: 'failed',
        restarted: result.restarted,
        note: result.rollout,
        failure: {
          type: 'ProxyMismatch',
          message: `${step.namespace}/${step.name}: ${result.wrongProxies.join('; ')}`,
        },
      };
    }
    if (test !== undefined && !test.passed) {
      return {
        stepId: step.id,
        state: 'failed',
        restarted: result.restarted,
        note: result.rollout,
        test,
        failure: { type: 'TestFailed', message: `${step.namespace}/${step.name}: ${test.summary}` },
      };
    }
    return {
      stepId: step.id,
      state: 'done',
      restarted: result.restarted,
      note: test ? `${result.rollout}; test: ${test.summary}` : result.rollout,
      ...(test && { test }),
    };
  } catch (error) {
    if (isCancellation(error)) throw error;
    return {
      stepId: step.id,
      state: 'failed',
      restarted: false,
      note: 'did not finish',
      failure: describeFailure(error),
    };
  }
}

export async function restartBatch(input: RestartBatchInput): Promise<RestartBatchResult> {
  let held = false;
  setHandler(holdSignal, (hold) => {
    held = hold;
  });
  const outcomes = new Map<string, RestartOutcome>();
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < input.items.length) {
      await condition(() => !held);
      if (failed) return;
      const item = input.items[next++];
      if (item === undefined) return;
      const outcome = await restartOne(input.upgradeKey, item.step, item.attempt);
      outcomes.set(outcome.stepId, outcome);
      if (outcome.state === 'failed') failed = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency, input.items.length)) }, lane));
  return { outcomes: input.items.flatMap((item) => outcomes.get(item.step.id) ?? []) };
}
