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
  patched,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { describe } from '../core/plan/steps.js';
import type { Plan, RestartWorkloadStep, Step, TestWorkloadStep } from '../core/plan/steps.js';
import { executeStep } from './execute.js';
import { describeFailure, workflowFailure } from './failures.js';
import type { ControlRecord, RevertedUnit, StepFailure } from './messages.js';
import { batchReportSignal, holdSignal, restartBatch, stopSignal } from './restarts.js';
import type { BatchReport, RestartOutcome } from './restarts.js';
import type { StepContext } from './steps/context.js';
import { analysisAt, analyzeRestarts } from './analysis.js';
import {
  REVERT_PATCH,
  WORKLOAD_FAILURES,
  coveredBy,
  describeRevert,
  onFailureOf,
  revertTarget,
  runRevert,
} from './revert.js';
import type { RevertTarget } from './revert.js';

export type RunContext = Omit<StepContext, 'attempt'>;

/**
 * Restart batches overlap within one concurrency budget; histories without the marker keep
 * waiting for each batch's slowest restart before the next batch starts.
 */
export const OVERLAPPING_BATCHES_PATCH = 'overlapping-restart-batches';

/** A restart batch that has ended, with its outcomes after analysis. */
interface FinishedBatch {
  batch: RestartWorkloadStep[];
  outcomes: RestartOutcome[];
}

/** A batch of the current wave, while it runs. */
interface LaunchedBatch extends FinishedBatch {
  workflowId: string;
  /** Whether the board shows its restarts as running. */
  shown: boolean;
}

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
  /** What was put back on the old revision: the upgrade ends `partial`, and a rollback leaves it. */
  readonly reverted: RevertedUnit[] = [];
  /** Restarts whose rollout began: what a revert restarts back. */
  private readonly launched = new Set<string>();
  /** Steps not run because of a revert; their gateways are not checked by verify-proxies. */
  private readonly skippedByRevert = new Set<string>();
  /** The revert accepted at the last failure gate: who and why. */
  private revertRecord: ControlRecord | undefined;
  private scope: CancellationScope | null = null;
  /** Restart batches running now: an operator's hold reaches each. */
  private readonly children = new Set<string>();
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
      for (const child of this.children)
        void getExternalWorkflowHandle(child)
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
      const moot = this.revertSkip(step);
      if (moot !== null) {
        this.skipForRevert(step, moot);
        index += 1;
        continue;
      }
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
        const note = await this.cancellable(() => executeStep(...this.afterReverts(step, attempt)));
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
        const answer = await this.answerFailure(step, failure);
        if (answer === 'retry') continue;
        if (answer === 'reverted') return;
        board.stepState(step.id, 'skipped', { note: `skipped after ${failure.type}` });
        return;
      }
    }
  }

  /**
   * What becomes of a failed step: the spec's `onFailure: revert` puts a failed workload's
   * namespace back at once; otherwise a human chooses at the failure gate. A revert that cannot
   * finish opens the gate again with its own failure.
   */
  private async answerFailure(step: Step, failure: StepFailure): Promise<'retry' | 'skip' | 'reverted'> {
    const workload = step.kind === 'restart-workload' || step.kind === 'test-workload';
    let current = failure;
    if (workload && this.mode === 'upgrade' && onFailureOf(step) === 'revert' && WORKLOAD_FAILURES.has(failure.type)) {
      const target = revertTarget(step, this.context.plan, this.context.inventory);
      if (!('refused' in target)) {
        const outcome = await this.tryRevert(step, target, `onFailure revert: ${failure.message}`);
        if (outcome === null) return 'reverted';
        current = outcome;
      }
    }
    for (;;) {
      const choice = await this.failureGate(step, current);
      if (choice !== 'revert') return choice;
      const target = revertTarget(step, this.context.plan, this.context.inventory);
      // The Update's validator refused a revert the target did not allow: unreachable.
      if ('refused' in target) return 'skip';
      const record = this.revertRecord;
      const outcome = await this.tryRevert(step, target, `${record?.by ?? 'an operator'}: ${record?.comment ?? ''}`);
      if (outcome === null) return 'reverted';
      current = outcome;
    }
  }

  /** Runs one revert; null when it is done, else why it could not finish. */
  private async tryRevert(step: Step, target: RevertTarget, reason: string): Promise<StepFailure | null> {
    const { board } = this.context;
    patched(REVERT_PATCH);
    const moved = this.started.filter(
      (s): s is RestartWorkloadStep => s.kind === 'restart-workload' && this.launched.has(s.id) && coveredBy(s, target),
    );
    board.stepProgress(
      step.id,
      `reverting: ${describeRevert(
        target,
        moved.map((s) => s.name),
        this.context.plan.source,
      )}`,
    );
    try {
      const unit = await this.cancellable(() =>
        runRevert(target, { ...this.context, attempt: 1 }, step, moved, reason),
      );
      this.reverted.push(unit);
      board.reverted(unit);
      board.stepState(step.id, 'skipped', { note: `reverted to ${unit.to}: ${reason}` });
      board.workload(step.id, { state: 'skipped', revertedToRevision: unit.to });
      return null;
    } catch (error) {
      if (this.mode === 'upgrade' && this.context.controls.abortRequested && isCancellation(error))
        throw this.aborted();
      if (isStop(error)) throw error;
      const failure = describeFailure(error);
      return { type: failure.type, message: `the revert did not finish: ${failure.message}` };
    }
  }

  /** Why a step is not run because of a revert, or null when it runs. */
  private revertSkip(step: Step): string | null {
    if (this.reverted.length === 0) return null;
    const unit = this.reverted.find((candidate) => coveredBy(step, candidate));
    if (unit !== undefined) return `skipped: ${unit.namespace} was reverted to ${unit.to} (${unit.reason})`;
    const onDefault = this.reverted.filter((candidate) => candidate.followsDefault);
    const old = this.context.plan.revisions?.from ?? 'the old revision';
    const users = this.reverted.map(
      (r) =>
        `${r.kind === 'workload' ? 'Deployment' : r.kind === 'waypoint' ? 'waypoint' : 'Namespace'} ${r.namespace}${r.name ? `/${r.name}` : ''} (reverted: ${r.reason})`,
    );
    if (onDefault.length > 0) {
      const why = `the default revision stays on ${old}: ${onDefault.map((r) => r.namespace).join(', ')} ${onDefault.length === 1 ? 'was' : 'were'} reverted and ${onDefault.length === 1 ? 'injects' : 'inject'} from the default; move it once ${onDefault.length === 1 ? 'it is' : 'they are'} upgraded`;
      if (step.kind === 'gate' && step.gate === 'default-tag') return why;
      if (step.kind === 'move-tag' && step.tag === 'default') return why;
      if (step.kind === 'switch-gateways' && step.id.startsWith('gateways:tag:default@')) return why;
      const followers = this.context.plan.steps.find((s) => s.kind === 'move-tag' && s.tag === 'default');
      if (
        followers?.kind === 'move-tag' &&
        (step.kind === 'restart-workload' || step.kind === 'test-workload') &&
        followers.namespaces.includes(step.namespace)
      )
        return why;
    }
    const waypoints = this.revertedWaypoints();
    if (
      step.kind === 'switch-gateways' &&
      step.gateways.length > 0 &&
      step.gateways.every((g) => waypoints.has(`${g.namespace}/${g.name}`))
    )
      return `skipped: ${step.gateways.map((g) => `${g.namespace}/${g.name}`).join(', ')} ${step.gateways.length === 1 ? 'was' : 'were'} reverted to ${old}`;
    const kept = `revision ${old} stays: still used by ${users.join(', ')}`;
    if (step.kind === 'soak' && step.pauseReason === 'grace-period') return kept;
    if (step.kind === 'gate' && step.gate === 'before-old-revision-removal') return kept;
    if (step.kind === 'remove-old-revision') {
      this.context.board.setBlockers(users);
      return kept;
    }
    return null;
  }

  /**
   * The final proxy check leaves out what a revert put back (and the gateways of steps a revert
   * skipped): those run the old version on purpose.
   */
  private afterReverts(step: Step, attempt: number): [Step, StepContext] {
    const context = { ...this.context, attempt };
    if (this.reverted.length === 0) return [step, context];
    if (step.kind === 'switch-gateways') {
      // A reverted waypoint stays pinned to the old revision: it does not move with a tag.
      const reverted = this.revertedWaypoints();
      return [{ ...step, gateways: step.gateways.filter((g) => !reverted.has(`${g.namespace}/${g.name}`)) }, context];
    }
    if (step.kind !== 'verify-proxies') return [step, context];
    const namespaces = new Set(this.reverted.filter((r) => r.kind === 'namespace').map((r) => r.namespace));
    const workloads = this.reverted.filter((r) => r.kind === 'workload').map((r) => `${r.namespace}/${r.name ?? ''}`);
    const waypoints = this.revertedWaypoints();
    const steps = this.context.plan.steps
      .filter((s) => !this.skippedByRevert.has(s.id))
      .map((s) =>
        s.kind === 'switch-gateways'
          ? { ...s, gateways: s.gateways.filter((g) => !waypoints.has(`${g.namespace}/${g.name}`)) }
          : s,
      );
    const skippedNamespaces = new Set(
      this.context.plan.steps.flatMap((s) =>
        (s.kind === 'restart-workload' || s.kind === 'test-workload') && this.skippedByRevert.has(s.id)
          ? [s.namespace]
          : [],
      ),
    );
    return [
      { ...step, namespaces: step.namespaces.filter((n) => !namespaces.has(n) && !skippedNamespaces.has(n)) },
      {
        ...context,
        plan: { ...this.context.plan, steps },
        spec: {
          ...this.context.spec,
          scope: { ...this.context.spec.scope, exclude: [...this.context.spec.scope.exclude, ...workloads] },
        },
      },
    ];
  }

  /** Waypoints a revert put back, as `namespace/name`. */
  private revertedWaypoints(): Set<string> {
    return new Set(
      this.reverted.flatMap((r) =>
        r.kind === 'waypoint' ? (r.name ?? '').split(',').map((name) => `${r.namespace}/${name}`) : [],
      ),
    );
  }

  private skipForRevert(step: Step, note: string): void {
    this.skippedByRevert.add(step.id);
    this.context.board.skippedByRevert(step.id, note);
    if (step.kind === 'restart-workload') this.context.board.workload(step.id, { state: 'skipped' });
  }

  /** Opens the failure gate for `step` and returns the human's choice; a rejection stops the run. */
  private async failureGate(step: Step, failure: StepFailure): Promise<'retry' | 'skip' | 'revert'> {
    const { controls, gates, board } = this.context;
    this.failureGates += 1;
    const gateId = `failed:${step.id}#${this.failureGates}`;
    const offer = this.revertOffer(step);
    controls.failure = {
      gateId,
      stepId: step.id,
      ...(offer !== undefined && !offer.offered && { cannotRevert: offer.says }),
    };
    if (offer === undefined)
      controls.failure.cannotRevert = 'revert answers only a failed restart, test or analysis of a workload';
    board.stepState(step.id, 'failed', { failure });
    try {
      const decision = await this.cancellable(() =>
        gates.wait({
          id: gateId,
          stepId: step.id,
          kind: 'failure',
          description: `${describe(step)} failed (${failure.type}: ${failure.message}). Approve or skip to go on without it, retry to run it again, reject to ${this.mode === 'upgrade' ? 'roll everything back' : 'stop the rollback here'}.${offer === undefined ? '' : offer.offered ? ` Or ${offer.says}.` : ` No revert: ${offer.says}.`}`,
          ...(offer !== undefined && { revert: offer }),
        }),
      );
      const choice = controls.failure?.choice;
      this.revertRecord = controls.failure?.revert;
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

  /** What `revert` would do at a failed workload's gate, or why it cannot; undefined for any other gate. */
  private revertOffer(step: Step): { offered: boolean; says: string } | undefined {
    if (this.mode !== 'upgrade' || (step.kind !== 'restart-workload' && step.kind !== 'test-workload'))
      return undefined;
    const target = revertTarget(step, this.context.plan, this.context.inventory);
    if ('refused' in target) return { offered: false, says: target.refused };
    const moved = [...this.started, step].filter(
      (s): s is RestartWorkloadStep | TestWorkloadStep =>
        s.kind === 'restart-workload' && (this.launched.has(s.id) || s.id === step.id) && coveredBy(s, target),
    );
    return {
      offered: true,
      says: describeRevert(target, [...new Set(moved.map((s) => s.name))], this.context.plan.source),
    };
  }

  private async restarts(steps: RestartWorkloadStep[], size: number, concurrency: number): Promise<void> {
    // Metric analysis judges each batch before the next one starts: there the wait is the point
    // (the next workloads move only once the mesh has a verdict on the last ones), not lock-step.
    const judged = this.mode === 'upgrade' && steps.some((step) => analysisAt(this.context, step.id) !== null);
    if (!judged && patched(OVERLAPPING_BATCHES_PATCH)) return this.overlappingRestarts(steps, size, concurrency);
    return this.restartsInLockstep(steps, size, concurrency);
  }

  /** Each batch waits for its slowest restart, and its analysis, before the next starts: histories before the overlap, and runs with analysis. */
  private async restartsInLockstep(steps: RestartWorkloadStep[], size: number, concurrency: number): Promise<void> {
    const { board } = this.context;
    const attempts = new Map(steps.map((step) => [step.id, 1]));
    let pending = [...steps];
    while (pending.length > 0) {
      pending = this.withoutReverted(pending);
      if (pending.length === 0) break;
      await this.checkpoint();
      const batch = pending.slice(0, size);
      for (const step of batch) {
        if (!this.started.includes(step)) this.started.push(step);
        board.stepState(step.id, 'running');
        board.workload(step.id, { state: 'running', attempts: attempts.get(step.id) ?? 1 });
      }
      this.batches += 1;
      const child = this.batchId();
      this.children.add(child);
      let outcomes: RestartOutcome[];
      try {
        const result = await this.cancellable(() =>
          executeChild(restartBatch, {
            workflowId: child,
            args: [
              {
                upgradeKey: this.context.upgradeKey,
                items: batch.map((step) => ({ step, attempt: attempts.get(step.id) ?? 1 })),
                concurrency,
              },
            ],
            staticSummary: batchSummary(batch),
          }),
        );
        outcomes = result.outcomes;
      } catch (error) {
        if (this.mode === 'upgrade' && this.context.controls.abortRequested && isCancellation(error))
          throw this.aborted();
        throw error;
      } finally {
        this.children.delete(child);
      }
      // The mesh's signals for the workloads just restarted: a failing one becomes a failed restart.
      if (this.mode === 'upgrade' && this.context.analysis !== undefined) {
        const restarted = outcomes;
        try {
          outcomes = await this.cancellable(() => analyzeRestarts(restarted, batch, this.context));
        } catch (error) {
          if (this.context.controls.abortRequested && isCancellation(error)) throw this.aborted();
          throw error;
        }
      }
      const launched = new Set(outcomes.map((outcome) => outcome.stepId));
      for (const id of launched) this.launched.add(id);
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
        if (await this.settleFailure(step, failure)) {
          attempts.set(step.id, (attempts.get(step.id) ?? 1) + 1);
          retries.push(step);
        }
      }
      pending = [...retries, ...pending];
    }
  }

  /**
   * A failed restart, once every restart that was running has ended: nothing to do when a revert
   * already put it back, an automatic rollback where the spec says so, else the failure gate.
   * True when the human chose to retry it.
   */
  private async settleFailure(step: RestartWorkloadStep, failure: StepFailure): Promise<boolean> {
    const { board } = this.context;
    // Another failure of the same batch in a namespace a revert just put back: nothing left to decide.
    const moot = this.revertSkip(step);
    if (moot !== null) {
      this.skipForRevert(step, moot);
      return false;
    }
    if (WORKLOAD_FAILURES.has(failure.type) && onFailureOf(step) === 'rollback' && this.mode === 'upgrade') {
      throw workflowFailure('AutoRollback', `${failure.message}: the spec rolls back at once on a failed test`);
    }
    const answer = await this.answerFailure(step, failure);
    if (answer === 'retry') return true;
    if (answer === 'skip') {
      board.stepState(step.id, 'skipped', { note: `left as it is after ${failure.type}` });
      board.workload(step.id, { state: 'skipped' });
    }
    return false;
  }

  /** A revert of their namespace (or of the workload itself) leaves nothing to do for these restarts. */
  private withoutReverted(steps: RestartWorkloadStep[]): RestartWorkloadStep[] {
    return steps.filter((step) => {
      const moot = this.revertSkip(step);
      if (moot !== null) this.skipForRevert(step, moot);
      return moot === null;
    });
  }

  /** The next restart batch's workflow id: unique within the upgrade, the same on replay. */
  private batchId(): string {
    return `${workflowInfo().workflowId}/${this.mode === 'upgrade' ? 'restarts' : 'rollback-restarts'}-${this.batches}`;
  }

  /**
   * Restarts with `concurrency` of them in flight across batch boundaries: each wave runs the
   * pending restarts as a chain of overlapping batches (workflows/restarts.ts says how slots pass
   * between them). The first failure stops new starts in every batch (its own at once, the
   * others when the parent's stop arrives: a restart another batch starts in between, while a
   * restart of its own was already rolling beside the failed one, runs to its end); once all have
   * ended, each failure goes to its gate in plan order, and the next wave starts with the retries.
   */
  private async overlappingRestarts(steps: RestartWorkloadStep[], size: number, concurrency: number): Promise<void> {
    const attempts = new Map(steps.map((step) => [step.id, 1]));
    let pending = [...steps];
    while (pending.length > 0) {
      pending = this.withoutReverted(pending);
      if (pending.length === 0) break;
      await this.checkpoint();
      const wave = pending;
      let finished: FinishedBatch[];
      try {
        finished = await this.cancellable(() => this.wave(wave, size, concurrency, attempts));
      } catch (error) {
        if (this.mode === 'upgrade' && this.context.controls.abortRequested && isCancellation(error))
          throw this.aborted();
        throw error;
      }
      const launched = new Set(finished.flatMap(({ outcomes }) => outcomes.map((outcome) => outcome.stepId)));
      pending = pending.filter((step) => !launched.has(step.id));
      const retries: RestartWorkloadStep[] = [];
      for (const { batch, outcomes } of finished) {
        for (const outcome of outcomes) {
          const step = batch.find((candidate) => candidate.id === outcome.stepId);
          if (step === undefined || outcome.state === 'done') continue;
          const failure = outcome.failure ?? { type: 'Error', message: outcome.note };
          if (await this.settleFailure(step, failure)) {
            attempts.set(step.id, (attempts.get(step.id) ?? 1) + 1);
            retries.push(step);
          }
        }
      }
      // Restarts the stop left unstarted (back to pending on the board) go on after the retries.
      pending = [...retries, ...pending];
    }
  }

  /**
   * One wave of overlapping batches over `pending`, in plan order: the first batch holds the
   * whole budget; each later one starts when the one before has started its last restart. Ends
   * when every batch has ended; the batches come back in plan order.
   */
  private async wave(
    pending: RestartWorkloadStep[],
    size: number,
    concurrency: number,
    attempts: Map<string, number>,
  ): Promise<FinishedBatch[]> {
    const { board, controls } = this.context;
    const reports: BatchReport[] = [];
    setHandler(batchReportSignal, (report) => {
      reports.push(report);
    });
    const finished: LaunchedBatch[] = [];
    const endings: Promise<void>[] = [];
    let offset = 0;
    let live = 0;
    let stopping = false;
    let broken: Error | undefined;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      for (const child of this.children)
        void getExternalWorkflowHandle(child)
          .signal(stopSignal)
          .catch(() => undefined);
    };

    /**
     * The board shows a batch's restarts as running once they can run: the first batch's at once
     * (it holds the budget), a later batch's when it reports its last restart started; until
     * then they wait for slots, pending.
     */
    const show = (entry: LaunchedBatch) => {
      if (entry.shown) return;
      entry.shown = true;
      for (const step of entry.batch) {
        board.stepState(step.id, 'running');
        board.workload(step.id, { state: 'running', attempts: attempts.get(step.id) ?? 1 });
      }
    };
    const launch = async (slots: number, predecessor: string | null): Promise<void> => {
      const batch = pending.slice(offset, offset + size);
      offset += batch.length;
      const last = offset >= pending.length;
      // Everything a running batch may have started is what an abort's rollback undoes.
      for (const step of batch) if (!this.started.includes(step)) this.started.push(step);
      this.batches += 1;
      const workflowId = this.batchId();
      const held = controls.held;
      this.children.add(workflowId);
      live += 1;
      const entry: LaunchedBatch = { batch, outcomes: [], workflowId, shown: false };
      finished.push(entry);
      if (predecessor === null) show(entry);
      const handle = await startChild(restartBatch, {
        workflowId,
        args: [
          {
            upgradeKey: this.context.upgradeKey,
            items: batch.map((step) => ({ step, attempt: attempts.get(step.id) ?? 1 })),
            concurrency,
            chain: { slots, predecessor, last, held },
          },
        ],
        staticSummary: batchSummary(batch),
      }).catch((error: unknown) => {
        this.children.delete(workflowId);
        live -= 1;
        throw error;
      });
      // A hold, a resume or a stop while the batch was starting did not reach it.
      if (controls.held !== held) void handle.signal(holdSignal, controls.held).catch(() => undefined);
      if (stopping) void handle.signal(stopSignal).catch(() => undefined);
      const ending = handle
        .result()
        .then((result) => {
          this.children.delete(workflowId);
          entry.outcomes = result.outcomes;
          this.recordBatch(entry, attempts);
          if (entry.outcomes.some((outcome) => outcome.state === 'failed')) stop();
        })
        .catch((error: unknown) => {
          this.children.delete(workflowId);
          broken ??= error instanceof Error ? error : new Error(String(error));
          stop();
        })
        .finally(() => {
          live -= 1;
        });
      endings.push(ending);
    };

    try {
      await launch(concurrency, null);
      for (;;) {
        await condition(() => reports.length > 0 || live === 0);
        const report = reports.shift();
        if (report === undefined) break;
        if (report.event === 'failed') {
          stop();
          continue;
        }
        // The batch has started its last restart: start the next, unless a failure stopped the run.
        const drained = finished.find((entry) => entry.workflowId === report.workflowId);
        if (drained !== undefined) show(drained);
        if (stopping || offset >= pending.length) continue;
        await condition(() => !controls.held || stopping);
        // The new batch introduces itself to the drained one, which then hands it its slots.
        if (!stopping) await launch(0, report.workflowId);
      }
    } catch (error) {
      // As executeChild did: an abort returns once every batch has ended its cancellation.
      await Promise.allSettled(endings);
      throw error;
    }
    if (broken !== undefined) throw broken;
    return finished;
  }

  /** What one ended batch did, on the board as soon as it ends; its failures wait for the wave's end. */
  private recordBatch({ batch, outcomes, shown }: LaunchedBatch, attempts: Map<string, number>): void {
    const { board } = this.context;
    for (const outcome of outcomes) this.launched.add(outcome.stepId);
    for (const step of batch) {
      const outcome = outcomes.find((candidate) => candidate.stepId === step.id);
      if (outcome === undefined) {
        // A later batch could already run when a failure stopped this one: what never started has nothing to undo.
        const index = this.started.indexOf(step);
        if (index >= 0) this.started.splice(index, 1);
        board.stepState(step.id, 'pending');
        board.workload(step.id, { state: 'pending' });
        continue;
      }
      // A batch a failure stopped before it reported: its restarts ran without the board knowing.
      if (!shown) {
        board.stepState(step.id, 'running');
        board.workload(step.id, { state: 'running', attempts: attempts.get(step.id) ?? 1 });
      }
      board.workload(step.id, { state: outcome.state, ...(outcome.test && { test: outcome.test }) });
      if (outcome.state === 'done') board.stepState(step.id, 'done', { note: outcome.note });
      else board.stepState(step.id, 'failed', { failure: outcome.failure ?? { type: 'Error', message: outcome.note } });
    }
  }
}

function batchSummary(batch: readonly RestartWorkloadStep[]): string {
  return `restart ${batch.length === 1 ? `${batch[0]?.namespace}/${batch[0]?.name}` : `${batch.length} deployments from ${batch[0]?.namespace}/${batch[0]?.name}`}`;
}
