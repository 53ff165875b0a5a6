/**
 * Runs a plan's steps in order, the same way for an upgrade and for its rollback. Between steps
 * it honours the operator's pause and abort. A step that fails in a way Temporal cannot retry
 * away never ends the run silently and never lets it continue on its own: it stops at a failure
 * gate that names the step, the error and the choices (approve or `skip` to go on without it,
 * `retry`, reject to roll back). Restarts run in batches through a child workflow.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';
import { describe } from '../core/plan/steps.js';
import type { Plan, RestartWorkloadStep, Step } from '../core/plan/steps.js';
import { executeStep } from './execute.js';
import { describeFailure, workflowFailure } from './failures.js';
import type { StepFailure } from './messages.js';
import { holdSignal, restartBatch } from './restarts.js';
import type { RestartOutcome } from './restarts.js';
import type { StepContext } from './steps/context.js';

export type RunContext = Omit<StepContext, 'attempt'>;

/** Thrown to end a run so the caller rolls back (an upgrade) or stops (a rollback). */
const STOPS = new Set(['GateRejected', 'Aborted', 'AutoRollback']);

export function isStop(error: unknown): boolean {
  return isCancellation(error) || (error instanceof ApplicationFailure && STOPS.has(error.type ?? ''));
}

/** Restarts per child workflow: small meshes see per-deployment progress, large ones stay well inside history limits. */
export function batchSize(totalRestarts: number, concurrency: number): number {
  return Math.max(concurrency, Math.min(25, Math.max(1, Math.ceil(totalRestarts / 50))));
}

export class Runner {
  /** Every step that began, in order: what a rollback has to undo. */
  readonly started: Step[] = [];
  private scope: CancellationScope | null = null;
  private child: string | null = null;
  private failureGates = 0;
  private batches = 0;

  constructor(
    private readonly context: RunContext,
    private readonly mode: 'upgrade' | 'rollback',
  ) {
    if (mode === 'upgrade') {
      context.controls.onAbort = () => this.scope?.cancel();
    }
    context.controls.onHold = (held) => {
      if (this.child !== null)
        void getExternalWorkflowHandle(this.child)
          .signal(holdSignal, held)
          .catch(() => undefined);
    };
    context.controls.onFailureChoice = (record) => {
      const failure = context.controls.failure;
      if (failure !== null)
        context.gates.settle(
          failure.gateId,
          record.by,
          record.requestId,
          `${record.action}${record.comment ? `: ${record.comment}` : ''}`,
        );
    };
  }

  async run(plan: Plan): Promise<void> {
    const steps = plan.steps;
    const total = steps.filter((step) => step.kind === 'restart-workload').length;
    for (let index = 0; index < steps.length;) {
      const step = steps[index];
      if (step === undefined) break;
      if (step.kind === 'restart-workload') {
        let end = index;
        while (steps[end]?.kind === 'restart-workload') end += 1;
        await this.restarts(
          steps.slice(index, end) as RestartWorkloadStep[],
          batchSize(total, plan.concurrency),
          plan.concurrency,
        );
        index = end;
        continue;
      }
      await this.step(step);
      index += 1;
    }
  }

  /** Before every step: an accepted abort stops the run; a pause holds it until resume (or abort). */
  private async checkpoint(): Promise<void> {
    const { controls } = this.context;
    if (this.mode === 'upgrade' && controls.abortRequested) throw this.aborted();
    if (controls.held) {
      await condition(() => !controls.held || (this.mode === 'upgrade' && controls.abortRequested !== null));
      if (this.mode === 'upgrade' && controls.abortRequested) throw this.aborted();
    }
  }

  private aborted(): ApplicationFailure {
    const record = this.context.controls.abortRequested;
    return workflowFailure(
      'Aborted',
      `aborted by ${record?.by ?? 'an operator'}${record?.comment ? `: ${record.comment}` : ''}`,
    );
  }

  /** An upgrade's steps can be cancelled by abort; a rollback's cannot (it runs to the end). */
  private async cancellable<T>(fn: () => Promise<T>): Promise<T> {
    if (this.mode === 'rollback') return fn();
    return CancellationScope.cancellable(async () => {
      this.scope = CancellationScope.current();
      try {
        return await fn();
      } finally {
        this.scope = null;
      }
    });
  }

  private async step(step: Step): Promise<void> {
    const { board } = this.context;
    this.started.push(step);
    for (let attempt = 1; ; attempt += 1) {
      await this.checkpoint();
      board.stepState(step.id, step.kind === 'gate' || step.kind === 'soak' ? 'waiting' : 'running');
      try {
        const note = await this.cancellable(() => executeStep(step, { ...this.context, attempt }));
        board.stepState(step.id, 'done', { note });
        return;
      } catch (error) {
        if (this.mode === 'upgrade' && this.context.controls.abortRequested && isCancellation(error))
          throw this.aborted();
        if (isStop(error)) {
          board.stepState(step.id, 'failed', { failure: describeFailure(error) });
          throw error;
        }
        const failure = describeFailure(error);
        board.stepState(step.id, 'failed', { failure });
        if ((await this.failureGate(step, failure)) === 'retry') continue;
        board.stepState(step.id, 'skipped', { note: `skipped after ${failure.type}` });
        return;
      }
    }
  }

  /** Opens the failure gate for `step` and returns the human's choice; a rejection stops the run. */
  private async failureGate(step: Step, failure: StepFailure): Promise<'retry' | 'skip'> {
    const { controls, gates, board } = this.context;
    this.failureGates += 1;
    const gateId = `failed:${step.id}#${this.failureGates}`;
    controls.failure = { gateId, stepId: step.id };
    board.stepState(step.id, 'failed', { failure });
    try {
      const decision = await this.cancellable(() =>
        gates.wait({
          id: gateId,
          stepId: step.id,
          kind: 'failure',
          description: `${describe(step)} failed (${failure.type}: ${failure.message}). Approve or skip to go on without it, retry to run it again, reject to ${this.mode === 'upgrade' ? 'roll everything back' : 'stop the rollback here'}.`,
        }),
      );
      const choice = controls.failure?.choice;
      if (choice !== undefined) return choice;
      if (decision.outcome === 'approved') return 'skip';
      throw workflowFailure(
        'GateRejected',
        `${describe(step)} failed and ${decision.by ?? 'nobody'} chose to ${this.mode === 'upgrade' ? 'roll back' : 'stop'}`,
      );
    } catch (error) {
      if (this.mode === 'upgrade' && controls.abortRequested && isCancellation(error)) throw this.aborted();
      throw error;
    } finally {
      controls.failure = null;
    }
  }

  private async restarts(steps: RestartWorkloadStep[], size: number, concurrency: number): Promise<void> {
    const { board } = this.context;
    const attempts = new Map(steps.map((step) => [step.id, 1]));
    let pending = [...steps];
    while (pending.length > 0) {
      await this.checkpoint();
      const batch = pending.slice(0, size);
      for (const step of batch) {
        if (!this.started.includes(step)) this.started.push(step);
        board.stepState(step.id, 'running');
        board.workload(step.id, { state: 'running', attempts: attempts.get(step.id) ?? 1 });
      }
      this.batches += 1;
      this.child = `${workflowInfo().workflowId}/${this.mode === 'upgrade' ? 'restarts' : 'rollback-restarts'}-${this.batches}`;
      let outcomes: RestartOutcome[];
      try {
        const result = await this.cancellable(() =>
          executeChild(restartBatch, {
            workflowId: this.child ?? '',
            args: [
              {
                upgradeKey: this.context.upgradeKey,
                items: batch.map((step) => ({ step, attempt: attempts.get(step.id) ?? 1 })),
                concurrency,
              },
            ],
            staticSummary: `restart ${batch.length === 1 ? `${batch[0]?.namespace}/${batch[0]?.name}` : `${batch.length} deployments from ${batch[0]?.namespace}/${batch[0]?.name}`}`,
          }),
        );
        outcomes = result.outcomes;
      } catch (error) {
        if (this.mode === 'upgrade' && this.context.controls.abortRequested && isCancellation(error))
          throw this.aborted();
        throw error;
      } finally {
        this.child = null;
      }
      const launched = new Set(outcomes.map((outcome) => outcome.stepId));
      for (const step of batch) {
        if (launched.has(step.id)) continue;
        board.stepState(step.id, 'pending');
        board.workload(step.id, { state: 'pending' });
      }
      pending = pending.filter((step) => !launched.has(step.id));
      const retries: RestartWorkloadStep[] = [];
      for (const outcome of outcomes) {
        const step = batch.find((candidate) => candidate.id === outcome.stepId);
        if (step === undefined) continue;
        board.workload(step.id, { state: outcome.state, ...(outcome.test && { test: outcome.test }) });
        if (outcome.state === 'done') {
          board.stepState(step.id, 'done', { note: outcome.note });
          continue;
        }
        const failure = outcome.failure ?? { type: 'Error', message: outcome.note };
        board.stepState(step.id, 'failed', { failure });
        if (failure.type === 'TestFailed' && step.onTestFailure === 'rollback' && this.mode === 'upgrade') {
          throw workflowFailure('AutoRollback', `${failure.message}: the spec rolls back at once on a failed test`);
        }
        if ((await this.failureGate(step, failure)) === 'retry') {
          attempts.set(step.id, (attempts.get(step.id) ?? 1) + 1);
          retries.push(step);
        } else {
          board.stepState(step.id, 'skipped', { note: `left as it is after ${failure.type}` });
          board.workload(step.id, { state: 'skipped' });
        }
      }
      pending = [...retries, ...pending];
    }
  }
}
