/**
 * The messages every upgrade workflow answers: approve/reject signals, the decide Update and the
 * status query. Clients (CLI, Slack bridge) import these definitions; the Web UI sends the same
 * names with JSON payloads.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GateOutcome, PauseReason, Phase } from '../core/vocabulary.js';

/**
 * A human's answer to a gate. `by` is part of the payload because the Web UI sends no identity
 * without auth; the payload lands in workflow history, so the audit trail names the approver.
 * `requestId` makes a retried request (a double click, a redelivered Slack action) harmless.
 */
export interface GateAnswer {
  gateId: string;
  by: string;
  requestId: string;
  comment?: string;
}

export type GateVerdict = 'approve' | 'reject';

export interface DecideRequest extends GateAnswer {
  decision: GateVerdict;
}

export interface GateDecision {
  gateId: string;
  outcome: GateOutcome;
  /** ISO time the workflow recorded the decision (workflow time, replay-safe). */
  at: string;
  /** How it was decided; a timer decides only as `timed-out`. */
  via: 'signal' | 'update' | 'timer';
  by?: string;
  comment?: string;
  requestId?: string;
}

export interface RefusedAnswer extends GateAnswer {
  decision: GateVerdict;
  reason: string;
  at: string;
}

export interface PendingGate {
  id: string;
  description: string;
  openedAt: string;
  /** When the gate times out, if it has a timeout. */
  deadline?: string;
}

export interface UpgradeStatus {
  phase: Phase;
  pause: PauseReason | null;
  pendingGates: PendingGate[];
  decisions: GateDecision[];
  /** Signals that were not accepted (Updates are refused by their validator and leave no trace). */
  refused: RefusedAnswer[];
}

export const approveSignal = defineSignal<[GateAnswer]>('approve');
export const rejectSignal = defineSignal<[GateAnswer]>('reject');
/** Like the signals, but the caller learns at once whether the answer was accepted and what it decided. */
export const decideUpdate = defineUpdate<GateDecision, [DecideRequest]>('decide');
export const statusQuery = defineQuery<UpgradeStatus>('status');
