/**
 * The operator's controls of a running upgrade, each a validated Update: answered at once,
 * refused with a reason (a refused Update leaves no trace in history), recorded when accepted.
 * pause/resume/abort may come from the initiator or an approver; retry/skip and the soak
 * controls change what the upgrade does, so they follow the approval rules.
 */
import { setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { OperatorAction } from '../core/vocabulary.js';
import type { GatePolicy } from './gates.js';
import type { ControlRecord, ExtendSoakRequest, OperatorRequest, RevertRequest } from './messages.js';
import {
  abortUpdate,
  extendSoakUpdate,
  pauseUpdate,
  resumeUpdate,
  retryUpdate,
  revertUpdate,
  skipSoakUpdate,
  skipUpdate,
} from './messages.js';
import type { StatusBoard } from './status.js';

/** A failure gate waiting for retry, skip or revert (approve and reject arrive through the gate itself). */
export interface FailureChoice {
  gateId: string;
  stepId: string;
  choice?: 'retry' | 'skip' | 'revert';
  /** Why `revert` cannot answer this gate; undefined when it can. */
  cannotRevert?: string;
  /** The accepted revert: who and why, for the reverted unit's record. */
  revert?: ControlRecord;
}

/** A soak or grace timer that the soak controls may shorten or lengthen. */
export interface SoakTimer {
  stepId: string;
  endsAtMs: number;
  skipped: boolean;
}

const MAX_EXTENSION_SECONDS = 7 * 24 * 3600;

/**
 * Why `by` may not use a control, or undefined when they may: the initiator or an approver may
 * hold, resume or abort (`isHold`: pause, resume, abort); every other control follows the approval rules (approvers
 * only, the initiator only when self-approval is allowed). Shared by an upgrade and a fleet.
 */
export function controlRefusal(
  policy: GatePolicy,
  by: string,
  control: { isHold: boolean; subject: string; deed: string },
): string | undefined {
  const { approvers, initiator, allowSelfApproval } = policy;
  if (approvers.includes(by) && (by !== initiator || allowSelfApproval || control.isHold)) return undefined;
  if (by === initiator && control.isHold) return undefined;
  return by === initiator
    ? `"${by}" started this ${control.subject} and may not ${control.deed}`
    : `"${by}" is not an approver of this ${control.subject}`;
}

export class Controls {
  held = false;
  abortRequested: ControlRecord | null = null;
  failure: FailureChoice | null = null;
  soak: SoakTimer | null = null;
  /** Called when an abort is accepted, to cancel the running step. */
  onAbort: () => void = () => undefined;
  /** Called when pause or resume is accepted, to pass the hold on to a running child. */
  onHold: (held: boolean) => void = () => undefined;
  /** Called when retry or skip is accepted, to close the failure gate it answers. */
  onFailureChoice: (record: ControlRecord) => void = () => undefined;
  private readonly byRequestId = new Map<string, ControlRecord>();

  constructor(
    private readonly policy: GatePolicy,
    private readonly board: StatusBoard,
  ) {
    this.handle(
      pauseUpdate,
      'pause',
      () => (this.held ? 'the upgrade is already held' : undefined),
      () => {
        this.held = true;
        this.board.setHeld(true);
        this.onHold(true);
      },
    );
    this.handle(
      resumeUpdate,
      'resume',
      () => (this.held ? undefined : 'the upgrade is not held'),
      () => {
        this.held = false;
        this.board.setHeld(false);
        this.onHold(false);
      },
    );
    this.handle(
      abortUpdate,
      'abort',
      () => (this.abortRequested ? `an abort was already accepted from ${this.abortRequested.by}` : undefined),
      (record) => {
        this.abortRequested = record;
        this.onAbort();
      },
    );
    this.handle(
      retryUpdate,
      'retry',
      () => (this.failure === null || this.failure.choice ? 'no failed step is waiting for a decision' : undefined),
      () => {
        if (this.failure) this.failure.choice = 'retry';
      },
      true,
    );
    this.handle(
      skipUpdate,
      'skip',
      (request) =>
        this.failure === null || this.failure.choice
          ? 'no failed step is waiting for a decision'
          : needsComment(request),
      () => {
        if (this.failure) this.failure.choice = 'skip';
      },
      true,
    );
    this.handle(
      revertUpdate,
      'revert',
      (request: RevertRequest) => this.revertRefusal(request),
      (record) => {
        if (this.failure) {
          this.failure.choice = 'revert';
          this.failure.revert = record;
        }
      },
      true,
    );
    this.handle(
      skipSoakUpdate,
      'skipSoak',
      (request) => (this.soak === null ? 'no soak or grace period is running' : needsComment(request)),
      () => {
        if (this.soak) this.soak.skipped = true;
      },
    );
    this.handle(
      extendSoakUpdate,
      'extendSoak',
      (request: ExtendSoakRequest) => {
        if (this.soak === null) return 'no soak or grace period is running';
        const seconds: unknown = request.seconds;
        if (
          typeof seconds !== 'number' ||
          !Number.isInteger(seconds) ||
          seconds <= 0 ||
          seconds > MAX_EXTENSION_SECONDS
        ) {
          return `seconds: expected a whole number of seconds between 1 and ${MAX_EXTENSION_SECONDS}`;
        }
        return undefined;
      },
      (record) => {
        if (this.soak) this.soak.endsAtMs += (record.seconds ?? 0) * 1000;
      },
    );
  }

  /** Why a revert cannot answer the gate it names, or undefined when it can. Pure: it runs in a validator. */
  private revertRefusal(request: RevertRequest): string | undefined {
    const gateId: unknown = request.gateId;
    if (typeof gateId !== 'string' || gateId.trim() === '') return "gateId: expected the failed workload's gate";
    const comment = needsComment(request);
    if (comment !== undefined) return 'comment: say why (the reason is recorded on what is reverted)';
    const failure = this.failure;
    if (failure === null || failure.gateId !== gateId || failure.choice !== undefined) {
      const pending = this.board.snapshot().pendingGates.find((gate) => gate.id === gateId);
      if (pending === undefined) return `gate "${gateId}" is not pending: revert answers a failed workload's gate`;
      return `gate "${gateId}" is not a failed workload's gate: revert answers only a failed restart, test or analysis of a workload`;
    }
    return failure.cannotRevert === undefined ? undefined : `nothing to revert at "${gateId}": ${failure.cannotRevert}`;
  }

  /** Who may use a control: pause/resume/abort the initiator or an approver; the rest, approvers only. */
  private unauthorized(action: OperatorAction, by: string): string | undefined {
    const mayHold = action === 'pause' || action === 'resume' || action === 'abort';
    return controlRefusal(this.policy, by, { isHold: mayHold, subject: 'upgrade', deed: `${action} it` });
  }

  private handle<R extends OperatorRequest>(
    update: UpdateDefinition<ControlRecord, [R]>,
    action: OperatorAction,
    refusal: (request: R) => string | undefined,
    apply: (record: ControlRecord) => void,
    answersFailure = false,
  ): void {
    setHandler(
      update,
      (request: R) => {
        const earlier = this.byRequestId.get(request.requestId);
        if (earlier) return earlier;
        const record: ControlRecord = {
          action,
          by: request.by,
          at: new Date(Date.now()).toISOString(),
          requestId: request.requestId,
          ...(request.comment !== undefined && { comment: request.comment }),
          ...(this.board.currentStep !== null && { stepId: this.board.currentStep }),
          ...('seconds' in request && typeof request.seconds === 'number' && { seconds: request.seconds }),
          ...('gateId' in request && typeof request.gateId === 'string' && { gateId: request.gateId }),
        };
        this.byRequestId.set(request.requestId, record);
        apply(record);
        this.board.control(record);
        if (answersFailure) this.onFailureChoice(record);
        return record;
      },
      {
        validator: (request: R) => {
          for (const field of ['by', 'requestId'] as const) {
            const value: unknown = request?.[field];
            if (typeof value !== 'string' || value.trim() === '')
              throw new Error(`${field}: expected a non-empty string`);
          }
          if (request.comment !== undefined && typeof request.comment !== 'string')
            throw new Error('comment: expected a string');
          const earlier = this.byRequestId.get(request.requestId);
          if (earlier) {
            if (earlier.action !== action)
              throw new Error(`requestId "${request.requestId}" was already used for ${earlier.action}`);
            return;
          }
          const reason = this.unauthorized(action, request.by) ?? refusal(request);
          if (reason !== undefined) throw new Error(reason);
        },
      },
    );
  }
}

function needsComment(request: OperatorRequest): string | undefined {
  return typeof request.comment === 'string' && request.comment.trim() !== ''
    ? undefined
    : 'comment: say why (skipping is recorded in the audit trail)';
}
