/**
 * Logic tests of the upgrade workflow: the real workflow code on a worker with stub activities,
 * played by an operator who answers each gate as it opens (by signal), lets a gate time out, or
 * cancels the upgrade. On the time-skipping server, soaks and gate timeouts pass in skipped time;
 * time moves only when the operator lets it (env.sleep), so an open gate never times out unasked.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Inventory } from '../../../core/inventory.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import { approveSignal, rejectSignal, statusQuery } from '../../../workflows/messages.js';
import type { PendingGate, UpgradeResult, UpgradeStatus } from '../../../workflows/messages.js';
import type { upgrade } from '../../../workflows/upgrade.js';
import { withWorker } from '../../support/worker.js';
import { Recorder } from './stub-activities.js';
import type { StubOptions } from './stub-activities.js';

export const INITIATOR = 'carol';
export const APPROVERS = ['alice', 'bob'];

export type UpgradeHandle = WorkflowHandle<typeof upgrade>;

/**
 * What the operator does with a gate: answer it, let its timeout pass, cancel the upgrade from
 * the Web UI, or anything else through the handle (an Update, on the dev server).
 */
export type Move = 'approve' | 'reject' | 'time-out' | 'cancel' | ((handle: UpgradeHandle) => Promise<unknown>);
export type Operator = (gate: PendingGate, status: UpgradeStatus) => Move;

/** Approves every planned gate; a failure gate fails the test unless the test's operator expects it. */
export const approveAll: Operator = (gate) => {
  if (gate.kind === 'failure') throw new Error(`unexpected failure gate ${gate.id}: ${gate.description}`);
  return 'approve';
};

/** Approves planned gates and answers the gate with id `id` (or the first failure gate, for `failure`) with `move`. */
export function answering(id: string, move: Move): Operator {
  return (gate, status) =>
    (id === 'failure' ? gate.kind === 'failure' : gate.id === id) ? move : approveAll(gate, status);
}

/** A spec with the approvers every gated spec needs; defaults otherwise (24h gates, 10m soak, 1h grace). */
export function specOf(input: Omit<SpecInput, 'approvals'> & Partial<Pick<SpecInput, 'approvals'>>): SpecInput {
  return { ...input, approvals: { approvers: APPROVERS, ...input.approvals } };
}

export interface Run {
  result: UpgradeResult;
  recorder: Recorder;
  /** Server time that passed (skipped, on the time-skipping server). */
  elapsedMs: number;
  /** What the operator saw at each gate, by gate id: status as it was when the gate was answered. */
  seen: Map<string, UpgradeStatus>;
}

export interface RunOptions extends Omit<StubOptions, 'inventories'> {
  spec: SpecInput;
  /** readInventory's answers: the cluster before the upgrade, then (for a rollback) the cluster as it is then. */
  inventories: Inventory[];
  operator?: Operator;
  overridePrechecks?: string[];
  /** How long (real time) the operator waits for the upgrade to end before giving up; default 50 s. */
  giveUpMs?: number;
  /**
   * Workflow time to skip whenever nothing else moves it (no gate to answer, no soak running):
   * for waits that look on timers of their own. The operator is the only one who skips, one
   * sleep at a time (two concurrent sleeps on the time-skipping server can leave it locked).
   */
  skipIdleMs?: number;
  /** More fake activities beside the stubs (e.g. Prometheus'), given the recorder to answer by what happened. */
  activities?: (recorder: Recorder) => object;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts an upgrade on a fresh worker with stub activities and plays the operator until it ends. */
export async function runUpgrade(env: TestWorkflowEnvironment, options: RunOptions): Promise<Run> {
  const recorder = new Recorder(options);
  const startedAt = await env.currentTimeMs();
  const seen = new Map<string, UpgradeStatus>();
  const result = await withWorker(
    env,
    { workflowsPath: 'workflows/index.ts', activities: { ...recorder.activities, ...options.activities?.(recorder) } },
    async ({ taskQueue }) => {
      const handle = await env.client.workflow.start<typeof upgrade>('upgrade', {
        taskQueue,
        workflowId: `logic-${randomUUID()}`,
        args: [
          {
            spec: options.spec,
            initiator: INITIATOR,
            ...(options.overridePrechecks && { overridePrechecks: options.overridePrechecks }),
          },
        ],
      });
      return operate(env, handle, options.operator ?? approveAll, seen, options.giveUpMs, options.skipIdleMs);
    },
  );
  return { result, recorder, elapsedMs: (await env.currentTimeMs()) - startedAt, seen };
}

/** Plays the operator: answers gates as they open, lets timers run out, until the upgrade ends. */
export async function operate(
  env: TestWorkflowEnvironment,
  handle: UpgradeHandle,
  operator: Operator,
  seen = new Map<string, UpgradeStatus>(),
  giveUpMs = 50_000,
  skipIdleMs = 0,
): Promise<UpgradeResult> {
  const handled = new Set<string>();
  const giveUpAt = Date.now() + giveUpMs;
  let requests = 0;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (status.outcome !== null) return handle.result();
    if (Date.now() > giveUpAt) {
      await handle.terminate('the logic test gave up waiting');
      throw new Error(
        `the upgrade did not finish; last status: ${JSON.stringify({ phase: status.phase, current: status.current, pendingGates: status.pendingGates, failure: status.failure })}`,
      );
    }
    const gate = status.pendingGates.find((candidate) => !handled.has(candidate.id));
    if (gate !== undefined) {
      handled.add(gate.id);
      seen.set(gate.id, status);
      const move = operator(gate, status);
      if (move === 'approve' || move === 'reject') {
        const by = APPROVERS[requests % APPROVERS.length] ?? 'alice';
        requests += 1;
        await handle.signal(move === 'approve' ? approveSignal : rejectSignal, {
          gateId: gate.id,
          by,
          requestId: `${gate.id}/${move}`,
          comment: `${move} from the logic test`,
        });
      } else if (move === 'time-out') {
        if (gate.deadline === undefined) throw new Error(`gate ${gate.id} has no timeout to let pass`);
        await env.sleep(Date.parse(gate.deadline) - (await env.currentTimeMs()) + 1000);
      } else if (move === 'cancel') {
        await handle.cancel();
      } else {
        await move(handle);
      }
      continue;
    }
    const timer = status.timer;
    const left = timer === null ? 0 : Date.parse(timer.endsAt) - (await env.currentTimeMs());
    if (left > 0) {
      await env.sleep(left + 1000);
      continue;
    }
    if (skipIdleMs > 0) await env.sleep(skipIdleMs);
    await pause(25);
  }
}
