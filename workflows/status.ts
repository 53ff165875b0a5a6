/**
 * The status board of one upgrade: phase, steps, gates, timers, controls. It answers the `status`
 * query and mirrors the phase and pending gates into search attributes and the workflow's current
 * details, so the Web UI can list "every upgrade waiting for a human" without opening each one.
 */
import { patched, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { AnalysisRun, Baseline, Measurement } from '../core/analysis/measurement.js';
import type { Outcome, PauseReason, Phase, StepState } from '../core/vocabulary.js';
import { PAUSED_SEARCH_PHASE } from '../core/vocabulary.js';
import { describe } from '../core/plan/steps.js';
import type { Step } from '../core/plan/steps.js';
import { statusQuery } from './messages.js';
import { pendingGateKey, upgradePhaseKey } from './search-attributes.js';
import type {
  ControlRecord,
  GateDecision,
  PendingGate,
  RefusedAnswer,
  RevertedUnit,
  RunningTimer,
  StepFailure,
  StepStatus,
  UpgradeStatus,
  WorkloadResult,
} from './messages.js';

/** Search attributes are upserted only when they change (see `publish`). */
const SEARCH_ATTRIBUTES_ON_CHANGE = 'search-attributes-on-change';

/** Keep the refused list bounded: a misbehaving sender must not grow the query result forever. */
const MAX_REFUSED = 50;

function outline(step: Step): Pick<StepStatus, 'id' | 'kind' | 'description' | 'phase'> {
  return { id: step.id, kind: step.kind, description: describe(step), phase: step.phase };
}

export class StatusBoard {
  private readonly status: UpgradeStatus;
  private readonly stepIndex = new Map<string, StepStatus>();
  private readonly workloadIndex = new Map<string, WorkloadResult>();
  /** The search attribute values last upserted, to skip an upsert that changes nothing. */
  private published: string | null = null;
  private failedStep: string | null = null;
  /**
   * For the Web UI's details, kept as runs arrive so that details(), which runs on every change,
   * never scans thousands of measurements: the run still measuring and the latest measurement
   * that did not pass.
   */
  private runningAnalysis: AnalysisRun | null = null;
  private lastUnpassed: Measurement | null = null;

  constructor(initialPhase: Phase, kind: UpgradeStatus['kind'] = 'upgrade') {
    this.status = {
      kind,
      phase: initialPhase,
      pause: null,
      held: false,
      cluster: null,
      initiator: null,
      source: null,
      target: null,
      method: null,
      mode: null,
      strategy: null,
      steps: [],
      current: null,
      progress: { restarted: 0, total: 0 },
      workloads: [],
      namespaces: [],
      timer: null,
      pendingGates: [],
      decisions: [],
      controls: [],
      refused: [],
      overriddenPrechecks: [],
      blockers: [],
      rollback: null,
      outcome: null,
      failure: null,
      notices: [],
    };
    setHandler(statusQuery, () => this.snapshot());
    this.publish();
  }

  /** The step running or waiting now, without copying the whole status. */
  get currentStep(): string | null {
    return this.status.current;
  }

  snapshot(): UpgradeStatus {
    // Workflow code has no structuredClone; the status is plain JSON anyway.
    return JSON.parse(JSON.stringify(this.status)) as UpgradeStatus;
  }

  describeUpgrade(
    facts: Pick<
      UpgradeStatus,
      'cluster' | 'initiator' | 'source' | 'target' | 'method' | 'mode' | 'strategy' | 'overriddenPrechecks'
    >,
  ): void {
    Object.assign(this.status, facts);
  }

  /** The plan's steps, all pending; workloads and namespaces are derived for per-item progress. */
  setSteps(planned: readonly Step[]): void {
    const workloads = planned.flatMap((step) =>
      step.kind === 'restart-workload' ? [{ namespace: step.namespace, name: step.name, stepId: step.id }] : [],
    );
    this.status.steps = planned.map((step) => ({ ...outline(step), state: 'pending' }));
    this.stepIndex.clear();
    for (const step of this.status.steps) this.stepIndex.set(step.id, step);
    this.status.workloads = workloads.map((workload) => ({ ...workload, state: 'pending', attempts: 0 }));
    this.workloadIndex.clear();
    for (const workload of this.status.workloads) this.workloadIndex.set(workload.stepId, workload);
    this.status.namespaces = [...new Set(workloads.map((w) => w.namespace))].map((name) => ({
      name,
      state: 'pending',
    }));
    this.status.progress = { restarted: 0, total: workloads.length };
    this.publish();
  }

  /** The rollback's steps, shown apart so the upgrade's own record stays as it was. */
  setRollbackSteps(planned: readonly Step[]): void {
    this.status.rollback = planned.map((step) => ({ ...outline(step), state: 'pending' }));
    for (const step of this.status.rollback) this.stepIndex.set(step.id, step);
    this.publish();
  }

  stepState(id: string, state: StepState, details: { note?: string; failure?: StepFailure } = {}): void {
    const step = this.stepIndex.get(id);
    if (step === undefined) return;
    const now = new Date(Date.now()).toISOString();
    if (state === 'running' && step.startedAt === undefined) step.startedAt = now;
    if (state === 'done' || state === 'skipped' || state === 'failed') step.endedAt = now;
    step.state = state;
    if (details.note !== undefined) step.note = details.note;
    if (details.failure !== undefined) step.failure = details.failure;
    else if (state === 'done') delete step.failure;
    if (state === 'running' || state === 'waiting') {
      this.status.current = id;
      this.status.phase = step.phase;
    }
    // The failure shown is the last step's that failed, until that step is retried or skipped;
    // why a run stopped (noteStop) stays through the rollback.
    if (state === 'failed' && details.failure !== undefined) {
      this.status.failure = details.failure;
      this.failedStep = id;
    } else if ((state === 'done' || state === 'skipped') && this.failedStep === id) {
      this.status.failure = null;
      this.failedStep = null;
    }
    this.publish();
  }

  /** How far a running step's wait has got ("ztunnel: 2/3 nodes on 1.27.3"): its note until it ends. */
  stepProgress(id: string, note: string): void {
    const step = this.stepIndex.get(id);
    if (step === undefined || step.note === note) return;
    step.note = note;
    this.publish();
  }

  workload(stepId: string, update: Partial<Omit<WorkloadResult, 'namespace' | 'name' | 'stepId'>>): void {
    const workload = this.workloadIndex.get(stepId);
    if (workload === undefined) return;
    Object.assign(workload, update);
    this.status.progress.restarted = this.status.workloads.filter(
      (w) => w.state === 'done' || w.state === 'skipped',
    ).length;
    for (const namespace of this.status.namespaces) {
      const states = this.status.workloads.filter((w) => w.namespace === namespace.name).map((w) => w.state);
      namespace.state = states.every((s) => s === 'done' || s === 'skipped')
        ? 'done'
        : states.some((s) => s === 'failed')
          ? 'failed'
          : states.some((s) => s !== 'pending')
            ? 'running'
            : 'pending';
    }
    this.publish();
  }

  setPhase(phase: Phase): void {
    this.status.phase = phase;
    this.publish();
  }

  setPause(reason: PauseReason | null): void {
    // An operator's hold outlasts whatever wait just ended.
    this.status.pause = reason ?? (this.status.held ? 'held-by-operator' : null);
    this.publish();
  }

  setHeld(held: boolean): void {
    this.status.held = held;
    if (held && this.status.pause === null) this.status.pause = 'held-by-operator';
    if (!held && this.status.pause === 'held-by-operator') this.status.pause = null;
    this.publish();
  }

  setTimer(timer: RunningTimer | null): void {
    this.status.timer = timer;
    this.publish();
  }

  /** The baselines every check read before the upgrade touched its workloads. */
  analysisBaselines(baselines: Baseline[]): void {
    this.analysis().baselines = baselines;
    this.publish();
  }

  /** Adds a run, or replaces the run of the same id with its newer state (measurements, phase). */
  analysisRun(run: AnalysisRun): void {
    const runs = this.analysis().runs;
    const index = runs.findIndex((known) => known.id === run.id);
    if (index === -1) runs.push(run);
    else runs[index] = run;
    if (run.phase === 'Running') this.runningAnalysis = run;
    else if (this.runningAnalysis?.id === run.id) this.runningAnalysis = null;
    // The latest that did not pass; of one moment's, the first acted on (the one a run's summary
    // and its gate name first), a dry run's only when nothing else failed then.
    const rank = (m: Measurement) => `${m.at}${m.dryRun ? 0 : 1}`;
    for (const measurement of run.measurements)
      if (
        measurement.verdict !== 'Successful' &&
        (this.lastUnpassed === null || rank(measurement) > rank(this.lastUnpassed))
      )
        this.lastUnpassed = measurement;
    this.publish();
  }

  private analysis(): NonNullable<UpgradeStatus['analysis']> {
    this.status.analysis ??= { baselines: [], runs: [] };
    return this.status.analysis;
  }

  /**
   * Something put back on the old revision: listed with its reason, its namespace marked, its
   * restarted workloads noted as back on the old revision.
   */
  reverted(unit: RevertedUnit): void {
    (this.status.reverted ??= []).push(unit);
    if (unit.kind !== 'workload') {
      let namespace = this.status.namespaces.find((n) => n.name === unit.namespace);
      if (namespace === undefined) {
        namespace = { name: unit.namespace, state: 'skipped' };
        this.status.namespaces.push(namespace);
      }
      namespace.reverted = { to: unit.to, reason: unit.reason };
    }
    for (const workload of this.status.workloads)
      if (workload.namespace === unit.namespace && (unit.kind !== 'workload' || workload.name === unit.name))
        if (workload.state !== 'pending' || unit.restarted.includes(workload.name))
          workload.revertedToRevision = unit.to;
    this.publish();
  }

  /** A step not run because of a revert, with why. */
  skippedByRevert(id: string, note: string): void {
    (this.status.skippedByRevert ??= []).push(id);
    this.stepState(id, 'skipped', { note });
  }

  setBlockers(blockers: string[]): void {
    this.status.blockers = blockers;
    this.publish();
  }

  control(record: ControlRecord): void {
    this.status.controls.push(record);
    this.publish();
  }

  /** Planning or a precheck refused the upgrade before anything was written. */
  refuse(failure: StepFailure): void {
    this.status.failure = failure;
    this.finish('refused', 'failed');
  }

  /** Why the run stopped (a rejection, an abort): kept while the rollback runs. */
  noteStop(failure: StepFailure): void {
    this.status.failure = failure;
    this.failedStep = null;
    this.publish();
  }

  notice(text: string): void {
    this.status.notices.push(text);
    if (this.status.notices.length > MAX_REFUSED) this.status.notices.shift();
    this.publish();
  }

  finish(outcome: Outcome, phase: Phase): void {
    this.status.outcome = outcome;
    this.status.phase = phase;
    this.status.current = null;
    this.status.pause = null;
    this.status.timer = null;
    this.publish();
  }

  gateOpened(gate: PendingGate): void {
    this.status.pendingGates = [...this.status.pendingGates.filter((g) => g.id !== gate.id), gate];
    this.status.pause = 'awaiting-approval';
    this.publish();
  }

  gateDecided(decision: GateDecision): void {
    this.status.pendingGates = this.status.pendingGates.filter((g) => g.id !== decision.gateId);
    this.status.decisions.push(decision);
    if (this.status.pendingGates.length === 0 && this.status.pause === 'awaiting-approval')
      this.status.pause = this.status.held ? 'held-by-operator' : null;
    this.publish();
  }

  /** A gate nobody decided whose wait was cancelled (abort, cancel): it no longer waits for anyone. */
  gateWithdrawn(gateId: string): void {
    this.status.pendingGates = this.status.pendingGates.filter((g) => g.id !== gateId);
    if (this.status.pendingGates.length === 0 && this.status.pause === 'awaiting-approval')
      this.status.pause = this.status.held ? 'held-by-operator' : null;
    this.publish();
  }

  answerRefused(answer: RefusedAnswer): void {
    this.status.refused.push(answer);
    if (this.status.refused.length > MAX_REFUSED) this.status.refused.shift();
  }

  private needsHuman(): boolean {
    return this.status.outcome === null && (this.status.pendingGates.length > 0 || this.status.held);
  }

  private publish(): void {
    const phase = this.needsHuman() ? PAUSED_SEARCH_PHASE : this.status.phase;
    const gates = this.status.pendingGates.map((g) => g.id);
    const attributes = JSON.stringify([phase, gates]);
    // Each upsert is a history event: one per status change was about five events per restarted
    // deployment, over Temporal's 10,240-event warning at 2,000 deployments (bench/upgrade-scale.ts).
    // Histories recorded before this (no marker) keep their upsert on every change.
    if (attributes !== this.published || !patched(SEARCH_ATTRIBUTES_ON_CHANGE)) {
      upsertSearchAttributes([
        { key: upgradePhaseKey, value: phase },
        { key: pendingGateKey, value: gates },
      ]);
      this.published = attributes;
    }
    setCurrentDetails(this.details());
  }

  /** Markdown for the Web UI's "current details": where it is, what it waits for, progress. */
  private details(): string {
    const s = this.status;
    const lines = [`**phase:** ${s.phase}${s.pause ? ` (${s.pause})` : ''}${s.outcome ? ` — **${s.outcome}**` : ''}`];
    const current = s.current === null ? undefined : this.stepIndex.get(s.current);
    if (current !== undefined && s.outcome === null) {
      lines.push(`**step:** ${current.description}`);
      if (current.state === 'running' && current.note !== undefined) lines.push(`**progress:** ${current.note}`);
    }
    if (s.progress.total > 0) lines.push(`**progress:** ${s.progress.restarted}/${s.progress.total} deployments`);
    if (s.timer !== null) lines.push(`**timer:** ${s.timer.reason} until ${s.timer.endsAt}`);
    const running = this.runningAnalysis;
    if (running !== null && s.outcome === null)
      lines.push(
        `**analysis running:** \`${running.id}\` (${running.point}, ${running.targets.length} workloads since ${running.startedAt}): ${running.measurements.length} measurements so far`,
      );
    const m = this.lastUnpassed;
    if (m !== null) {
      const value = (v: number | null) => (v === null ? 'no data' : String(Number(v.toPrecision(4))));
      lines.push(
        `**last analysis ${m.verdict}${m.dryRun ? ' (dry run, not acted on)' : ''}:** ${m.check} of ${m.namespace}/${m.workload} = ${value(m.value)} (baseline ${value(m.baseline)}) at ${m.at}: ${m.reason}`,
      );
    }
    if (s.held) lines.push('**held** by an operator: `resume` to go on');
    for (const gate of s.pendingGates) lines.push(`**waiting for approval** of \`${gate.id}\`: ${gate.description}`);
    if (s.failure !== null) lines.push(`**failed:** ${s.failure.type}: ${s.failure.message}`);
    if (s.blockers.length > 0) lines.push(`**old revision still used by:** ${s.blockers.join(', ')}`);
    for (const unit of s.reverted ?? [])
      lines.push(
        `**reverted** ${unit.namespace}${unit.name ? `/${unit.name}` : ''} to ${unit.to} (${unit.version}): ${unit.reason}`,
      );
    return lines.join('\n\n');
  }
}
