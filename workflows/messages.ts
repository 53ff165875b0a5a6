/**
 * The contract between the upgrade workflows and their clients (CLI, Slack bridge, Web UI):
 * the workflow names and inputs, the gate signals and the decide Update, the operator controls,
 * and the status query. Clients import these definitions; the Web UI sends the same names with
 * JSON payloads.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AnalysisRun, Baseline } from '../core/analysis/measurement.js';
import type { Plan } from '../core/plan/steps.js';
import type { GateOutcome, OperatorAction, Outcome, PauseReason, Phase, StepState } from '../core/vocabulary.js';
import type { SpecInput } from '../core/spec/schema.js';

/** Workflow type names, as the Web UI and `temporal workflow list` show them. */
export const UPGRADE_WORKFLOW = 'upgrade';
export const ROLLBACK_WORKFLOW = 'rollback';

/**
 * One upgrade per cluster at a time: the id derives from the cluster, so a second start while
 * one runs is refused by Temporal itself, naming the running one.
 */
export function upgradeWorkflowId(cluster: string): string {
  return `istio-upgrade-${cluster}`;
}

export function rollbackWorkflowId(upgradeId: string): string {
  return `${upgradeId}-rollback`;
}

export interface UpgradeInput {
  /** The spec as written (YAML parsed to JSON); the workflow validates it again. */
  spec: SpecInput;
  /** Who started the upgrade; they may reject but approve only when the spec allows it. */
  initiator: string;
  /** Precheck ids the initiator chose to override; recorded in history and status. */
  overridePrechecks?: string[];
}

/**
 * Rolls back an upgrade that has finished (a running one is rolled back by its `abort` Update).
 * The client passes what the upgrade returned (its UpgradeResult's plan and spec); the workflow
 * reads the cluster again and refuses when the old revision is gone.
 */
export interface RollbackInput {
  /** The upgrade to undo: its workflow id. */
  upgradeId: string;
  /** Who asked for it. */
  by: string;
  reason?: string;
  plan: Plan;
  spec: SpecInput;
}

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
  /** The step the gate belongs to. */
  stepId?: string;
  /**
   * `approval`: a planned gate (approve goes on, reject rolls back). `failure`: a step failed;
   * approve continues past it, reject rolls back, and the `retry` / `skip` Updates also answer it.
   */
  kind?: 'approval' | 'failure';
  /**
   * A failed workload's gate: whether `revert` answers it and what it would put back (or why it
   * cannot). Slack offers its button only when `offered`.
   */
  revert?: { offered: boolean; says: string };
}

/** An operator control (pause, resume, abort, retry, skip, extendSoak, skipSoak). */
export interface OperatorRequest {
  by: string;
  requestId: string;
  /** Required for skip and skipSoak: the audit trail says why. */
  comment?: string;
}

/** At a failed workload's gate: put its namespace (or the pinned workload, or the waypoint) back on the old revision. */
export interface RevertRequest extends OperatorRequest {
  /** The failure gate answered: a revert applies to that failure only. */
  gateId: string;
  /** Required: the reason is recorded on the reverted namespace and in the outcome. */
  comment: string;
}

export interface ExtendSoakRequest extends OperatorRequest {
  /** How much longer the running soak or grace period lasts. */
  seconds: number;
}

/** An accepted control, as recorded in status and history. */
export interface ControlRecord {
  action: OperatorAction;
  by: string;
  at: string;
  requestId: string;
  comment?: string;
  /** The step it applied to, if any. */
  stepId?: string;
  seconds?: number;
  /** The gate it answered (revert). */
  gateId?: string;
}

/**
 * What a revert put back on the old revision: a namespace (its label), one workload pinned by
 * its pod-template label in a namespace without injection labels, or an ambient namespace's
 * waypoint. The same facts go into the `istio-upgrade.io/reverted` annotation on the object.
 */
export interface RevertedUnit {
  kind: 'namespace' | 'workload' | 'waypoint';
  namespace: string;
  /** The Deployment (workload) or the namespace's waypoint Gateways, comma-separated; absent for a namespace. */
  name?: string;
  /** The revision it had moved to, and the one it is back on. */
  from: string;
  to: string;
  /** The proxy version it runs again. */
  version: string;
  /** It injects from the default revision again: the default tag stays where it was. */
  followsDefault: boolean;
  /** "<who>: <comment>", or the spec's `onFailure: revert` with the failure. */
  reason: string;
  at: string;
  /** The failed step that led to it. */
  stepId: string;
  /** Workloads restarted back onto the old proxies (one rollout each). */
  restarted: string[];
}

export interface StepFailure {
  /** A type from the vocabulary (core/vocabulary.ts FAILURE_TYPES), or a Temporal failure name such as TimeoutFailure. */
  type: string;
  message: string;
}

export interface StepStatus {
  id: string;
  kind: string;
  /** One human sentence (core/plan/steps.ts `describe`). */
  description: string;
  phase: Phase;
  state: StepState;
  startedAt?: string;
  endedAt?: string;
  /** The last thing worth saying: a test summary, why it was skipped, what failed. */
  note?: string;
  failure?: StepFailure;
}

export interface WorkloadResult {
  namespace: string;
  name: string;
  stepId: string;
  state: StepState;
  /** Rollouts this upgrade started for it (1 normally; more after a retry). */
  attempts: number;
  test?: { passed: boolean; summary: string };
  /** Put back on the old revision after its test failed. */
  revertedToRevision?: string;
}

export interface NamespaceProgress {
  name: string;
  state: StepState;
  /** Put back on the old revision, and why: the rest of its steps were skipped. */
  reverted?: { to: string; reason: string };
}

export interface RunningTimer {
  stepId: string;
  reason: string;
  startedAt: string;
  endsAt: string;
}

export interface UpgradeStatus {
  kind: 'upgrade' | 'rollback';
  phase: Phase;
  pause: PauseReason | null;
  /** Held by an operator's `pause`: the next step waits for `resume`. */
  held: boolean;
  cluster: string | null;
  initiator: string | null;
  source: string | null;
  target: string | null;
  method: string | null;
  mode: string | null;
  strategy: string | null;
  steps: StepStatus[];
  current: string | null;
  progress: { restarted: number; total: number };
  workloads: WorkloadResult[];
  namespaces: NamespaceProgress[];
  timer: RunningTimer | null;
  pendingGates: PendingGate[];
  decisions: GateDecision[];
  controls: ControlRecord[];
  /** Signals that were not accepted (Updates are refused by their validator and leave no trace). */
  refused: RefusedAnswer[];
  overriddenPrechecks: string[];
  /** What still uses the old revision when cleanup had to stop (or was skipped for reverted namespaces). */
  blockers: string[];
  /** What was put back on the old revision, and why; absent in status from before reverts existed. */
  reverted?: RevertedUnit[];
  /** Steps not run because of a revert (the reverted namespace's rest, the default tag, cleanup): a rollback leaves them out. */
  skippedByRevert?: string[];
  /** The rollback's own steps, once a rollback started. */
  rollback: StepStatus[] | null;
  outcome: Outcome | null;
  failure: StepFailure | null;
  /** Side channels that failed without stopping the upgrade, e.g. "Slack: chat.postMessage failed …". */
  notices: string[];
  /**
   * Metric analysis (core/analysis/measurement.ts): the baselines read at the start and every run
   * with its measurements. Absent in the status of upgrades from before analysis existed.
   */
  analysis?: { baselines: Baseline[]; runs: AnalysisRun[] };
}

export interface UpgradeResult {
  outcome: Outcome;
  /** Null when the spec or the cluster refused planning. */
  plan: Plan | null;
  /** The spec as given, for a later `rollback`. */
  spec: SpecInput;
  status: UpgradeStatus;
}

export const approveSignal = defineSignal<[GateAnswer]>('approve');
export const rejectSignal = defineSignal<[GateAnswer]>('reject');
/** Like the signals, but the caller learns at once whether the answer was accepted and what it decided. */
export const decideUpdate = defineUpdate<GateDecision, [DecideRequest]>('decide');
export const statusQuery = defineQuery<UpgradeStatus>('status');
/** The plan the workflow executes (the same the CLI's `plan` prints for the same cluster). */
export const planQuery = defineQuery<Plan | null>('plan');

export const pauseUpdate = defineUpdate<ControlRecord, [OperatorRequest]>('pause');
export const resumeUpdate = defineUpdate<ControlRecord, [OperatorRequest]>('resume');
/** Roll back now: the running step is cancelled and the compensation runs. Cancelling from the Web UI does the same. */
export const abortUpdate = defineUpdate<ControlRecord, [OperatorRequest]>('abort');
/** At a failure gate: run the failed step again. */
export const retryUpdate = defineUpdate<ControlRecord, [OperatorRequest]>('retry');
/** At a failure gate: leave the failed step and go on (comment required). */
export const skipUpdate = defineUpdate<ControlRecord, [OperatorRequest]>('skip');
/** At a failed workload's gate: put its namespace (or pinned workload, or waypoint) back on the old revision and go on (comment required). */
export const revertUpdate = defineUpdate<ControlRecord, [RevertRequest]>('revert');
export const extendSoakUpdate = defineUpdate<ControlRecord, [ExtendSoakRequest]>('extendSoak');
export const skipSoakUpdate = defineUpdate<ControlRecord, [OperatorRequest]>('skipSoak');

/**
 * What the workflow tells the team's chat when a gate opens (activity `slackPostGate`) and when
 * it closes by any channel (activity `slackUpdateGate`). Only when the spec names a Slack
 * channel; a chat that is down never blocks or fails the upgrade.
 */
export interface GateNotice {
  upgradeId: string;
  cluster: string | null;
  source: string;
  target: string;
  strategy: string;
  method: string;
  mode: string;
  initiator: string;
  approvers: string[];
  /** The channel from `spec.notifications.slack.channel`. */
  channel: string;
  gate: PendingGate;
  /** The step the gate guards, in words, and what happens once it is approved. */
  step: string;
  next: string | null;
}

/** Where a posted gate message lives, so it can be updated in place. */
export interface PostedMessage {
  channel: string;
  ts: string;
}

export interface GateClosedNotice {
  notice: GateNotice;
  message: PostedMessage;
  decision: GateDecision;
}

/**
 * Why the upgrade stopped waiting for a gate nobody decided: an operator's abort, a deadline
 * that cancelled the wait, or a cancellation from Temporal (the Web UI's cancel).
 */
export interface GateWithdrawal {
  gateId: string;
  /** ISO time the workflow stopped waiting (workflow time, replay-safe). */
  at: string;
  cause: 'aborted' | 'timed-out' | 'cancelled';
  /** Who aborted, and why, when the cause is an abort. */
  by?: string;
  comment?: string;
}

export interface GateWithdrawnNotice {
  notice: GateNotice;
  message: PostedMessage;
  withdrawal: GateWithdrawal;
}
