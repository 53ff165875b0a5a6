/**
 * Approval gates, shared by every upgrade path. A gate pauses the runbook until a human approves
 * or rejects it (by signal from the CLI, Slack or the Web UI, or by the `decide` Update), or until
 * its timeout passes. A timeout is reported as `timed-out`, never as an approval: what it means
 * for the upgrade is the caller's decision, made explicitly.
 */
import { condition, isCancellation, setHandler } from '@temporalio/workflow';
import { workflowFailure } from './failures.js';
import type {
  ControlRecord,
  DecideRequest,
  GateAnswer,
  GateDecision,
  GateVerdict,
  GateWithdrawal,
  PendingGate,
} from './messages.js';
import { approveSignal, decideUpdate, rejectSignal } from './messages.js';
import type { StatusBoard } from './status.js';

export interface GatePolicy {
  /** Who may answer gates, as they identify themselves in `by`. */
  approvers: string[];
  /** Who started the upgrade. */
  initiator: string;
  /** Whether the initiator may approve gates of their own upgrade. Rejecting is always allowed. */
  allowSelfApproval: boolean;
}

export interface GateRequest {
  id: string;
  description: string;
  /** Milliseconds until the gate times out; omitted means it waits for a human forever. */
  timeoutMs?: number;
  stepId?: string;
  kind?: 'approval' | 'failure';
  revert?: PendingGate['revert'];
}

/** Told when a gate opens and when it closes, e.g. to post and update a chat message. */
export interface GateListener {
  opened(gate: PendingGate): void;
  decided(gate: PendingGate, decision: GateDecision): void;
  /** The wait was cancelled before anyone decided: the gate no longer waits for anyone. */
  withdrawn(gate: PendingGate, withdrawal: GateWithdrawal): void;
}

export type WithdrawalCause = Pick<GateWithdrawal, 'cause' | 'by' | 'comment'>;

/** An accepted abort names who stopped the wait; any other cancellation came from outside (the Web UI's cancel). */
export function abortOrCancel(controls: { readonly abortRequested: ControlRecord | null }): () => WithdrawalCause {
  return () => {
    const abort = controls.abortRequested;
    if (abort === null) return { cause: 'cancelled' };
    return { cause: 'aborted', by: abort.by, ...(abort.comment !== undefined && { comment: abort.comment }) };
  };
}

interface OpenGate {
  request: GateRequest;
  pending: PendingGate;
  decision?: GateDecision;
  /** Its wait was cancelled undecided (an abort, a cancel from the Web UI): no answer may land on it. */
  withdrawn?: boolean;
}

/** What gates tell the board they report to: an upgrade's StatusBoard, or a fleet's. */
export type GateBoard = Pick<StatusBoard, 'gateOpened' | 'gateDecided' | 'gateWithdrawn' | 'answerRefused'>;

export class Gates {
  private readonly gates = new Map<string, OpenGate>();
  private readonly byRequestId = new Map<string, GateDecision>();
  listener: GateListener | null = null;
  /**
   * Why a cancelled wait was cancelled: a gate cannot tell an abort from a cancel from the Web UI,
   * whoever owns those (the upgrade's controls) says which.
   */
  withdrawnBecause: () => WithdrawalCause = () => ({ cause: 'cancelled' });

  constructor(
    private readonly policy: GatePolicy,
    private readonly board: GateBoard,
  ) {
    setHandler(approveSignal, (answer) => this.onSignal(answer, 'approve'));
    setHandler(rejectSignal, (answer) => this.onSignal(answer, 'reject'));
    setHandler(decideUpdate, (request) => this.record(request, 'update'), {
      // A refused Update leaves no trace in history: the caller gets the reason, the upgrade stays as it was.
      validator: (request: DecideRequest) => {
        const reason = this.refusal(request);
        if (reason !== undefined) throw new Error(reason);
      },
    });
  }

  /** Opens a gate and waits until it is decided or times out. */
  async wait(request: GateRequest): Promise<GateDecision> {
    // A bug in the runbook, not a transient problem: fail the workflow rather than retry the task forever.
    if (this.gates.has(request.id))
      throw workflowFailure('Validation', `gate "${request.id}" was already opened in this upgrade`);
    const openedAt = Date.now();
    const pending: PendingGate = {
      id: request.id,
      description: request.description,
      openedAt: new Date(openedAt).toISOString(),
      ...(request.timeoutMs !== undefined && { deadline: new Date(openedAt + request.timeoutMs).toISOString() }),
      ...(request.stepId !== undefined && { stepId: request.stepId }),
      kind: request.kind ?? 'approval',
      ...(request.revert !== undefined && { revert: request.revert }),
    };
    const gate: OpenGate = { request, pending };
    this.gates.set(request.id, gate);
    this.board.gateOpened(pending);
    this.listener?.opened(pending);

    const isDecided = () => gate.decision !== undefined;
    try {
      if (request.timeoutMs === undefined) {
        await condition(isDecided);
      } else if (!(await condition(isDecided, request.timeoutMs))) {
        gate.decision = {
          gateId: request.id,
          outcome: 'timed-out',
          via: 'timer',
          at: new Date(Date.now()).toISOString(),
        };
        this.board.gateDecided(gate.decision);
        this.listener?.decided(pending, gate.decision);
      }
    } catch (error) {
      // Otherwise a finished upgrade would still list the gate as pending (status, PendingGate).
      if (isCancellation(error) && gate.decision === undefined) {
        gate.withdrawn = true;
        this.board.gateWithdrawn(request.id);
        this.listener?.withdrawn(pending, {
          gateId: request.id,
          at: new Date(Date.now()).toISOString(),
          ...this.withdrawnBecause(),
        });
      }
      throw error;
    }
    if (gate.decision === undefined) throw workflowFailure('Validation', `gate "${request.id}" ended undecided`);
    return gate.decision;
  }

  /**
   * Closes a pending failure gate on behalf of an accepted operator control (retry, skip): the
   * gate's record then says who let the upgrade go on, and how.
   */
  settle(gateId: string, by: string, requestId: string, comment: string): GateDecision | undefined {
    const gate = this.gates.get(gateId);
    if (gate === undefined || gate.decision !== undefined) return undefined;
    return this.record({ gateId, by, requestId, decision: 'approve', comment }, 'update');
  }

  private onSignal(answer: GateAnswer, decision: GateVerdict): void {
    const request: DecideRequest = { ...answer, decision };
    const reason = this.refusal(request);
    if (reason !== undefined) {
      // Signals cannot be refused to the sender; keep the refusal visible in status instead.
      this.board.answerRefused({ ...request, reason, at: new Date(Date.now()).toISOString() });
      return;
    }
    this.record(request, 'signal');
  }

  private record(request: DecideRequest, via: 'signal' | 'update'): GateDecision {
    const earlier = this.byRequestId.get(request.requestId);
    if (earlier) return earlier;
    const gate = this.gates.get(request.gateId);
    if (!gate) throw workflowFailure('Validation', `unknown gate "${request.gateId}"`); // unreachable: refusal() checked it
    const decision: GateDecision = {
      gateId: request.gateId,
      outcome: request.decision === 'approve' ? 'approved' : 'rejected',
      via,
      at: new Date(Date.now()).toISOString(),
      by: request.by,
      requestId: request.requestId,
      ...(request.comment !== undefined && { comment: request.comment }),
    };
    gate.decision = decision;
    this.byRequestId.set(request.requestId, decision);
    this.board.gateDecided(decision);
    this.listener?.decided(gate.pending, decision);
    return decision;
  }

  /** Why an answer cannot be accepted, or undefined when it can. Pure: validators must not change state. */
  private refusal(request: DecideRequest): string | undefined {
    for (const field of ['gateId', 'by', 'requestId'] as const) {
      const value: unknown = request?.[field];
      if (typeof value !== 'string' || value.trim() === '') return `${field}: expected a non-empty string`;
    }
    if (request.decision !== 'approve' && request.decision !== 'reject') {
      return `decision: expected "approve" or "reject", got ${JSON.stringify(request.decision)}`;
    }
    if (request.comment !== undefined && typeof request.comment !== 'string') return 'comment: expected a string';

    const earlier = this.byRequestId.get(request.requestId);
    if (earlier) {
      const same =
        earlier.gateId === request.gateId &&
        earlier.outcome === (request.decision === 'approve' ? 'approved' : 'rejected');
      // The same request again (a retry, a double click) is answered with the original decision.
      return same ? undefined : `requestId "${request.requestId}" was already used for another answer`;
    }

    const gate = this.gates.get(request.gateId);
    if (!gate) {
      const pending = [...this.gates.values()].filter((g) => !g.decision && !g.withdrawn).map((g) => g.request.id);
      return `unknown gate "${request.gateId}"; pending: ${pending.length ? pending.join(', ') : 'none'}`;
    }
    if (gate.withdrawn) return `gate "${request.gateId}" is not pending: the upgrade stopped waiting for it`;
    if (gate.decision) {
      const who = gate.decision.by ? ` by ${gate.decision.by}` : '';
      return `gate "${request.gateId}" is not pending: it was ${gate.decision.outcome}${who} at ${gate.decision.at}`;
    }

    const { approvers, initiator, allowSelfApproval } = this.policy;
    const isInitiator = request.by === initiator;
    if (!approvers.includes(request.by) && !(isInitiator && request.decision === 'reject')) {
      return `"${request.by}" is not an approver of this upgrade`;
    }
    if (request.decision === 'approve' && isInitiator && !allowSelfApproval) {
      return `"${request.by}" started this upgrade and may not approve its own gates`;
    }
    return undefined;
  }
}
