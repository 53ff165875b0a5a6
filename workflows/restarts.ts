/**
 * Restarts a run of workloads, a child workflow per batch so that a mesh of thousands of
 * deployments never crowds one history: each batch holds a few dozen restarts at most, and the
 * parent records one child per batch. Within a batch, up to `concurrency` workloads roll at
 * once; after the first failure no further restart starts (those running finish), and the
 * parent decides at a gate what happens next.
 *
 * Batches overlap (`chain`): `concurrency` is one budget of slots for the whole run, and a batch
 * whose queue is empty hands each slot its restarts free on to the next batch, so the next
 * batch's restarts start while the slowest of this one still rolls instead of after it. The
 * parent starts the next batch when this one asks (it has started its last restart); the new
 * batch tells the one before where it is, so slots travel batch to batch and neither they nor
 * the introductions reach the parent's history, where the auditor reads gates and approvals.
 * A batch ends only after the batch before it has handed over its last slot, so batches end in
 * plan order and no slot is sent to a batch that has ended.
 */
import {
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { RestartWorkloadStep } from '../core/plan/steps.js';
import { waits } from './activities.js';
import { describeFailure } from './failures.js';
import type { StepFailure } from './messages.js';
import { restartValue } from './steps/context.js';

export interface RestartBatchInput {
  upgradeKey: string;
  items: { step: RestartWorkloadStep; attempt: number }[];
  concurrency: number;
  /** Present when batches overlap; histories recorded before that have none and run in lanes. */
  chain?: RestartChain;
}

export interface RestartChain {
  /** Slots of the run's budget this batch starts with: all for the first batch, none for the next ones. */
  slots: number;
  /** The batch before this one, which hands over its slots (the last handover with `last`); null for the first. */
  predecessor: string | null;
  /** No batch follows this one in its wave: nothing to hand slots to. */
  last: boolean;
  /** The operator's hold as it was when the parent started this batch. */
  held: boolean;
}

/** Slots a batch passes to the next; `last` when the sender has finished and sends no more. */
export interface SlotHandover {
  slots: number;
  last: boolean;
}

/** What a batch tells the parent: it started its last restart (`drained`), or a restart failed. */
export interface BatchReport {
  workflowId: string;
  event: 'drained' | 'failed';
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

/** From the batch before: slots to use or pass on. */
export const slotsSignal = defineSignal<[SlotHandover]>('slots');

/** From the next batch, once it runs: its workflow id, where this batch sends its slots. */
export const successorSignal = defineSignal<[string]>('successor');

/** From the parent: a restart failed elsewhere in the run; start nothing more. */
export const stopSignal = defineSignal('stop');

/** To the parent, from a batch. */
export const batchReportSignal = defineSignal<[BatchReport]>('restart-batch');

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
  if (input.chain !== undefined) return restartChained(input, input.chain);
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

async function restartChained(input: RestartBatchInput, chain: RestartChain): Promise<RestartBatchResult> {
  const info = workflowInfo();
  const parent = info.parent;
  if (parent === undefined) throw new Error('a chained restart batch runs only as a child of an upgrade');
  let held = chain.held;
  let stopped = false;
  let free = chain.slots;
  let busy = 0;
  let predecessorDone = chain.predecessor === null;
  /** The next batch, once it has said where it is. */
  let successor: string | undefined;
  setHandler(holdSignal, (hold) => {
    held = hold;
  });
  setHandler(slotsSignal, (handover) => {
    free += handover.slots;
    if (handover.last) predecessorDone = true;
  });
  setHandler(successorSignal, (workflowId) => {
    successor = workflowId;
  });
  setHandler(stopSignal, () => {
    stopped = true;
  });
  const report = (event: BatchReport['event']) =>
    getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(batchReportSignal, {
      workflowId: info.workflowId,
      event,
    });
  if (chain.predecessor !== null) {
    // A batch before that has already ended (a failure stopped it) hands over nothing more.
    await getExternalWorkflowHandle(chain.predecessor)
      .signal(successorSignal, info.workflowId)
      .catch((error: unknown) => {
        if (isCancellation(error)) throw error;
        predecessorDone = true;
      });
  }

  const outcomes = new Map<string, RestartOutcome>();
  const running: Promise<void>[] = [];
  for (const item of input.items) {
    await condition(() => stopped || (!held && free > 0));
    if (stopped) break;
    free -= 1;
    busy += 1;
    running.push(
      restartOne(input.upgradeKey, item.step, item.attempt).then(async (outcome) => {
        outcomes.set(outcome.stepId, outcome);
        busy -= 1;
        free += 1;
        if (outcome.state === 'failed' && !stopped) {
          stopped = true;
          await report('failed');
        }
      }),
    );
  }
  // A cancelled restart rejects: the batch is being cancelled, and the await below says so.
  const settled = Promise.all(running);
  settled.catch(() => undefined);
  if (!stopped) await report('drained');
  // Every slot this batch holds or frees from now on belongs to the next batch, once it exists;
  // after a failure no slot moves, so the one the failed restart held starts nothing more.
  const canForward = () => !stopped && successor !== undefined && free > 0;
  // Where the slots go is settled: to the successor that said where it is, or nowhere (last, or stopped).
  const destinationKnown = () => stopped || chain.last || successor !== undefined;
  for (;;) {
    await condition(() => canForward() || (busy === 0 && predecessorDone && destinationKnown()));
    if (!canForward()) break;
    const slots = free;
    free = 0;
    await getExternalWorkflowHandle(successor ?? '').signal(slotsSignal, { slots, last: false });
  }
  await settled;
  if (successor !== undefined)
    await getExternalWorkflowHandle(successor).signal(slotsSignal, { slots: stopped ? 0 : free, last: true });
  return { outcomes: input.items.flatMap((item) => outcomes.get(item.step.id) ?? []) };
}
