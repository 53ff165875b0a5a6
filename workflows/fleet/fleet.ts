/**
 * The fleet runbook: many clusters in stages. The fleet only orders, waits and halts; each
 * cluster's upgrade is the ordinary `upgrade` workflow, started as a child with its usual id
 * (`istio-upgrade-<cluster>`) on that cluster's own task queue, where only that cluster's worker
 * (holding only that cluster's credentials) picks it up. Its gates, Slack messages and audit are
 * its own, unchanged.
 *
 *   for each stage, in order:
 *     1. gate before the stage              (four eyes, as an upgrade's gates)
 *     2. upgrade its clusters, `concurrency` at a time, each inside a maintenance window
 *                                           (a durable wait until one opens; never in a freeze)
 *     3. halt when more clusters failed than the stage allows
 *                                           (no new cluster starts; running ones finish, or are
 *                                            aborted and roll back where the stage says so)
 *     4. bake                               (a durable timer before the next stage)
 *
 * Controls: pause (no new cluster starts), resume, abort (running upgrades are cancelled and
 * roll back), skip a cluster (comment required).
 */
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  condition,
  isCancellation,
  executeChild,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { clusterSpecInput, defaultTaskQueue, parseFleet, scheduleOf } from '../../core/fleet/spec.js';
import type { FleetSpec, FleetStage } from '../../core/fleet/spec.js';
import { nextStart } from '../../core/fleet/windows.js';
import { formatProblems } from '../../core/spec/parse.js';
import { workflowFailure } from '../failures.js';
import { controlRefusal } from '../controls.js';
import { Gates } from '../gates.js';
import type { GateDecision, OperatorRequest, PendingGate, RefusedAnswer, UpgradeResult } from '../messages.js';
import { abortUpdate, pauseUpdate, resumeUpdate, upgradeWorkflowId } from '../messages.js';
import { fleetIdKey, fleetStageKey } from '../search-attributes.js';
import type { upgrade } from '../upgrade.js';
import { bakeWorkflowId } from './bake.js';
import type { bakeAnalysis } from './bake.js';
import { fleetStatusQuery, skipClusterUpdate } from './messages.js';
import type {
  FleetClusterState,
  FleetClusterStatus,
  FleetControlRecord,
  FleetInput,
  FleetOutcome,
  FleetResult,
  FleetStageStatus,
  FleetStatus,
  SkipClusterRequest,
} from './messages.js';

/** Fleets started before bake analysis only wait out their bakes. */
const BAKE_ANALYSIS_PATCH = 'fleet-bake-analysis';

/** Outcomes of a cluster's upgrade that count against its stage's allowed failures. */
const COUNTS_AS_FAILURE: ReadonlySet<FleetClusterState> = new Set(['failed', 'rolled-back', 'partial', 'refused']);

export async function fleetUpgrade(input: FleetInput): Promise<FleetResult> {
  const fleet = validFleet(input);
  const run = new FleetRun(fleet, input);
  return run.run();
}

function validFleet(input: FleetInput): FleetSpec {
  const parsed = parseFleet(input.fleet);
  if (!parsed.ok)
    throw workflowFailure('Validation', `invalid fleet spec:\n${formatProblems(parsed.problems)}`, parsed.problems);
  return parsed.fleet;
}

class FleetRun {
  private readonly status: FleetStatus;
  private readonly gates: Gates;
  private readonly byRequestId = new Map<string, FleetControlRecord>();
  private readonly skipped = new Map<string, FleetControlRecord>();
  private abortRequested: FleetControlRecord | null = null;
  /** Cancels every running child upgrade: set while a stage runs. */
  private stageScope: CancellationScope | null = null;
  private publishedStage: string | null = null;
  /** Each cluster's upgrade result, for its bake: the plan's analysis and the baselines it read. */
  private readonly results = new Map<string, UpgradeResult>();

  constructor(
    private readonly fleet: FleetSpec,
    private readonly input: FleetInput,
  ) {
    this.status = {
      kind: 'fleet',
      name: fleet.name,
      target: fleet.target,
      initiator: input.initiator,
      held: false,
      stages: fleet.stages.map((stage) => ({
        name: stage.name,
        state: 'pending',
        clusters: stage.clusters,
        concurrency: stage.concurrency,
        allowedFailures: stage.allowedFailures,
        failures: 0,
        bakeUntil: null,
      })),
      clusters: fleet.stages.flatMap((stage) =>
        stage.clusters.map((name) => ({
          name,
          stage: stage.name,
          state: 'pending' as const,
          workflowId: upgradeWorkflowId(name),
          taskQueue: fleet.clusters[name]?.taskQueue ?? defaultTaskQueue(name),
          window: null,
          reason: null,
        })),
      ),
      pendingGates: [],
      decisions: [],
      controls: [],
      refused: [],
      outcome: null,
      reason: null,
    };
    setHandler(fleetStatusQuery, () => JSON.parse(JSON.stringify(this.status)) as FleetStatus);
    const policy = {
      approvers: fleet.approvals.approvers,
      initiator: input.initiator,
      allowSelfApproval: fleet.approvals.allowSelfApproval,
    };
    this.gates = new Gates(policy, {
      gateOpened: (gate: PendingGate) => {
        this.status.pendingGates.push(gate);
        this.publish();
      },
      gateDecided: (decision: GateDecision) => {
        this.status.pendingGates = this.status.pendingGates.filter((gate) => gate.id !== decision.gateId);
        this.status.decisions.push(decision);
        this.publish();
      },
      gateWithdrawn: (gateId: string) => {
        this.status.pendingGates = this.status.pendingGates.filter((gate) => gate.id !== gateId);
        this.publish();
      },
      answerRefused: (answer: RefusedAnswer) => {
        this.status.refused = [...this.status.refused, answer].slice(-50);
      },
    });
    this.controls(policy);
  }

  async run(): Promise<FleetResult> {
    upsertSearchAttributes([{ key: fleetIdKey, value: workflowInfo().workflowId }]);
    try {
      for (const [index, stage] of this.fleet.stages.entries()) {
        const board = this.stage(stage.name);
        if (stage.gate) {
          board.state = 'awaiting-approval';
          this.publish();
          const decision = await this.abortable(() =>
            this.gates.wait({
              id: `before-stage:${stage.name}`,
              description: `Start stage ${stage.name} (${stage.clusters.join(', ')}): Istio ${this.fleet.target}, ${stage.concurrency} at a time`,
            }),
          );
          if (decision.outcome !== 'approved') {
            board.state = 'halted';
            this.notStarted(stage);
            return this.finish(
              'halted',
              `the gate before stage ${stage.name} was ${decision.outcome}${decision.by ? ` by ${decision.by}` : ''}${decision.comment ? `: ${decision.comment}` : ''}`,
            );
          }
        }
        board.state = 'running';
        this.publish();
        await this.runStage(stage, board);
        if (board.failures > stage.allowedFailures) return this.halt(stage, index);
        if (stage.bake > 0 && index < this.fleet.stages.length - 1) {
          board.state = 'baking';
          board.bakeUntil = new Date(Date.now() + stage.bake * 1000).toISOString();
          this.publish();
          if (patched(BAKE_ANALYSIS_PATCH)) await this.bake(stage, board);
          else await this.abortable(() => condition(() => this.abortRequested !== null, stage.bake * 1000));
          board.bakeUntil = null;
          if (board.failures > stage.allowedFailures) return this.halt(stage, index);
        }
        board.state = 'done';
        this.publish();
      }
      return this.finish('completed', null);
    } catch (error) {
      if (!isCancellation(error) && !(error instanceof ApplicationFailure && error.type === 'Aborted')) throw error;
      for (const cluster of this.status.clusters) if (cluster.state === 'pending') cluster.state = 'not-started';
      const abort = this.abortRequested;
      return this.finish(
        'aborted',
        abort ? `aborted by ${abort.by}${abort.comment ? `: ${abort.comment}` : ''}` : 'cancelled',
      );
    }
  }

  /** Ends the fleet after a stage failed more clusters (in their upgrades or their bake) than it allows. */
  private halt(stage: FleetStage, index: number): FleetResult {
    this.stage(stage.name).state = 'halted';
    this.notStarted(...this.fleet.stages.slice(index + 1));
    const failed = this.status.clusters.filter(
      (c) => c.stage === stage.name && (COUNTS_AS_FAILURE.has(c.state) || bakeFailed(c)),
    );
    return this.finish(
      'halted',
      `stage ${stage.name}: ${failed.map((c) => `${c.name} ${bakeFailed(c) ? 'failed its bake' : c.state}${c.reason ? ` (${c.reason})` : ''}`).join('; ')}`,
    );
  }

  /**
   * The bake: a durable timer, and meanwhile each finished cluster's analysis (where its spec has
   * one) keeps measuring on that cluster's worker. A Failed bake counts against the stage's
   * allowed failures and, once they are exceeded, ends the bake at once; an Inconclusive or Error
   * bake never decides alone: a gate asks whether the next stage may start.
   */
  private async bake(stage: FleetStage, board: FleetStageStatus): Promise<void> {
    const analysed = this.status.clusters.flatMap((cluster) => {
      const result = this.results.get(cluster.name);
      const analysis = result?.plan?.analysis;
      const baselines = result?.status.analysis?.baselines;
      return cluster.stage === stage.name && cluster.state === 'completed' && analysis && baselines
        ? [{ cluster, analysis, baselines }]
        : [];
    });
    const halting = () => board.failures > stage.allowedFailures;
    const bakeOne = async ({ cluster, analysis, baselines }: (typeof analysed)[number]): Promise<void> => {
      const workflowId = bakeWorkflowId(cluster.workflowId, stage.name);
      cluster.bake = { workflowId, phase: 'Running', summary: null };
      this.publish();
      try {
        const { run } = await executeChild<typeof bakeAnalysis>('bakeAnalysis', {
          workflowId,
          taskQueue: cluster.taskQueue,
          args: [{ cluster: cluster.name, stage: stage.name, analysis, baselines, bakeSeconds: stage.bake }],
          typedSearchAttributes: [
            { key: fleetIdKey, value: workflowInfo().workflowId },
            { key: fleetStageKey, value: stage.name },
          ],
          staticSummary: `analysis of ${cluster.name} while stage ${stage.name} bakes`,
        });
        cluster.bake = { workflowId, phase: run.phase, summary: run.summary };
      } catch (error) {
        if (isCancellation(error)) throw error;
        cluster.bake = { workflowId, phase: 'Error', summary: describe(error) };
      }
      if (cluster.bake.phase === 'Failed') {
        board.failures += 1;
        cluster.reason = `bake analysis: ${cluster.bake.summary ?? 'Failed'}`;
      }
      this.publish();
    };
    await this.abortable(() =>
      CancellationScope.cancellable(async () => {
        const scope = CancellationScope.current();
        const runs = Promise.all(analysed.map(bakeOne));
        await condition(() => this.abortRequested !== null || halting(), stage.bake * 1000);
        // A halt needs no more measurements; otherwise the bake's last measurements finish.
        if (halting()) scope.cancel();
        await runs;
      }).catch((error: unknown) => {
        if (!(isCancellation(error) && halting() && this.abortRequested === null)) throw error;
      }),
    );
    for (const { cluster } of analysed) {
      const bake = cluster.bake;
      if (halting() || bake === undefined || (bake.phase !== 'Inconclusive' && bake.phase !== 'Error')) continue;
      const decision = await this.abortable(() =>
        this.gates.wait({
          id: `bake:${stage.name}:${cluster.name}`,
          description: `The analysis of ${cluster.name} while stage ${stage.name} baked was ${bake.phase} (${bake.summary ?? 'no summary'}): approve to go on to the next stage, reject to halt the fleet`,
        }),
      );
      if (decision.outcome !== 'approved') {
        board.failures += 1;
        cluster.reason = `bake analysis ${bake.phase}, then ${decision.outcome}${decision.by ? ` by ${decision.by}` : ''}${decision.comment ? `: ${decision.comment}` : ''}`;
        this.publish();
      }
    }
  }

  /** Upgrades a stage's clusters, `concurrency` at a time; after the stage's failure limit no new one starts. */
  private async runStage(stage: FleetStage, board: FleetStageStatus): Promise<void> {
    const queue = [...stage.clusters];
    const lane = async (): Promise<void> => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const cluster = this.cluster(name);
        if (board.failures > stage.allowedFailures) {
          cluster.state = 'not-started';
          cluster.reason = `stage ${stage.name} halted`;
          continue;
        }
        await this.upgradeCluster(stage, cluster);
        if (COUNTS_AS_FAILURE.has(cluster.state)) {
          board.failures += 1;
          if (board.failures > stage.allowedFailures && stage.onHalt === 'abort-running') this.stageScope?.cancel();
        }
        this.publish();
      }
    };
    await CancellationScope.cancellable(async () => {
      this.stageScope = CancellationScope.current();
      try {
        await Promise.all(Array.from({ length: Math.min(stage.concurrency, stage.clusters.length) }, lane));
      } finally {
        this.stageScope = null;
      }
    }).catch((error: unknown) => {
      // A halt that aborts running upgrades cancels this scope; an operator's abort is rethrown.
      if (!(isCancellation(error) && this.abortRequested === null)) throw error;
    });
    if (this.abortRequested) throw this.aborted();
  }

  private async upgradeCluster(stage: FleetStage, cluster: FleetClusterStatus): Promise<void> {
    if (!(await this.waitForStart(cluster))) return;
    cluster.state = 'running';
    this.publish();
    try {
      const child = await startChild<typeof upgrade>('upgrade', {
        workflowId: cluster.workflowId,
        taskQueue: cluster.taskQueue,
        args: [
          {
            spec: clusterSpecInput(this.fleet, cluster.name),
            initiator: this.input.initiator,
            overridePrechecks: this.input.overridePrechecks?.[cluster.name] ?? [],
          },
        ],
        // Cancelling the child runs its rollback; the fleet waits for that to finish.
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        typedSearchAttributes: [
          { key: fleetIdKey, value: workflowInfo().workflowId },
          { key: fleetStageKey, value: stage.name },
        ],
        staticSummary: `upgrade ${cluster.name} to Istio ${this.fleet.target} (stage ${stage.name})`,
      });
      const result: UpgradeResult = await child.result();
      this.results.set(cluster.name, result);
      cluster.state = result.outcome;
      cluster.reason = reasonOf(result);
    } catch (error) {
      cluster.state = isCancellation(error) || isCancelledChild(error) ? 'rolled-back' : 'failed';
      cluster.reason = describe(error);
      if (isCancellation(error) && this.abortRequested) throw error;
    }
  }

  /**
   * Waits, on a durable timer, until the cluster may start (inside a maintenance window, outside
   * every freeze); false when it is skipped meanwhile or can never start.
   */
  private async waitForStart(cluster: FleetClusterStatus): Promise<boolean> {
    const settings = this.fleet.clusters[cluster.name];
    const schedule = settings ? scheduleOf(settings) : { windows: [], freezes: [] };
    for (;;) {
      await condition(() => !this.status.held || this.abortRequested !== null);
      if (this.abortRequested) throw this.aborted();
      const skip = this.skipped.get(cluster.name);
      if (skip) {
        cluster.state = 'skipped';
        cluster.reason = `skipped by ${skip.by}: ${skip.comment ?? ''}`;
        cluster.window = null;
        this.publish();
        return false;
      }
      const answer = nextStart(schedule, Date.now());
      if (answer.kind === 'now') {
        cluster.window = null;
        return true;
      }
      if (answer.kind === 'never') {
        cluster.state = 'failed';
        cluster.reason = answer.why;
        return false;
      }
      cluster.state = 'waiting-window';
      cluster.window = { until: new Date(answer.untilMs).toISOString(), why: answer.why };
      this.publish();
      // Wakes early for a skip, an abort or a pause; otherwise when the window opens.
      await condition(
        () => this.skipped.has(cluster.name) || this.abortRequested !== null || this.status.held,
        answer.untilMs - Date.now(),
      );
    }
  }

  private controls(policy: { approvers: string[]; initiator: string; allowSelfApproval: boolean }): void {
    const mayControl = (by: string, approverOnly: boolean): string | undefined =>
      controlRefusal(policy, by, { isHold: !approverOnly, subject: 'fleet', deed: 'do this' });
    const record = (action: FleetControlRecord['action'], request: OperatorRequest & { cluster?: string }) => {
      const earlier = this.byRequestId.get(request.requestId);
      if (earlier) return earlier;
      const accepted: FleetControlRecord = {
        action,
        by: request.by,
        at: new Date(Date.now()).toISOString(),
        requestId: request.requestId,
        ...(request.comment !== undefined && { comment: request.comment }),
        ...(request.cluster !== undefined && { cluster: request.cluster }),
      };
      this.byRequestId.set(request.requestId, accepted);
      this.status.controls.push(accepted);
      return accepted;
    };
    const seen = (request: OperatorRequest) => this.byRequestId.has(request.requestId);
    setHandler(
      pauseUpdate,
      (request) => {
        const accepted = record('pause', request);
        this.status.held = true;
        this.publish();
        return { ...accepted, action: 'pause' };
      },
      {
        validator: (request: OperatorRequest) =>
          refuse(
            seen(request)
              ? undefined
              : (mayControl(request.by, false) ?? (this.status.held ? 'the fleet is already paused' : undefined)),
          ),
      },
    );
    setHandler(
      resumeUpdate,
      (request) => {
        const accepted = record('resume', request);
        this.status.held = false;
        this.publish();
        return { ...accepted, action: 'resume' };
      },
      {
        validator: (request: OperatorRequest) =>
          refuse(
            seen(request)
              ? undefined
              : (mayControl(request.by, false) ?? (this.status.held ? undefined : 'the fleet is not paused')),
          ),
      },
    );
    setHandler(
      abortUpdate,
      (request) => {
        const accepted = record('abort', request);
        this.abortRequested = accepted;
        this.stageScope?.cancel();
        this.publish();
        return { ...accepted, action: 'abort' };
      },
      {
        validator: (request: OperatorRequest) =>
          refuse(
            seen(request)
              ? undefined
              : (mayControl(request.by, false) ??
                  (this.abortRequested ? `an abort was already accepted from ${this.abortRequested.by}` : undefined)),
          ),
      },
    );
    setHandler(
      skipClusterUpdate,
      (request) => {
        const accepted = record('skipCluster', request);
        this.skipped.set(request.cluster, accepted);
        this.publish();
        return accepted;
      },
      {
        validator: (request: SkipClusterRequest) =>
          refuse(seen(request) ? undefined : this.skipRefusal(request, mayControl(request.by, true))),
      },
    );
  }

  private skipRefusal(request: SkipClusterRequest, unauthorized: string | undefined): string | undefined {
    if (unauthorized) return unauthorized;
    if (typeof request.comment !== 'string' || request.comment.trim() === '')
      return 'comment: say why the cluster is skipped';
    const cluster = this.status.clusters.find((c) => c.name === request.cluster);
    if (cluster === undefined) return `cluster: "${String(request.cluster)}" is not in this fleet`;
    if (cluster.state !== 'pending' && cluster.state !== 'waiting-window')
      return `cluster ${cluster.name} is ${cluster.state}: only a cluster that has not started can be skipped`;
    return undefined;
  }

  /** Runs `fn`, turning an accepted abort into the Aborted failure. */
  private async abortable<T>(fn: () => Promise<T>): Promise<T> {
    return CancellationScope.cancellable(async () => {
      this.stageScope = CancellationScope.current();
      try {
        return await fn();
      } finally {
        this.stageScope = null;
      }
    }).catch((error: unknown) => {
      if (isCancellation(error) && this.abortRequested) throw this.aborted();
      throw error;
    });
  }

  private aborted(): ApplicationFailure {
    const abort = this.abortRequested;
    return workflowFailure(
      'Aborted',
      `aborted by ${abort?.by ?? 'an operator'}${abort?.comment ? `: ${abort.comment}` : ''}`,
    );
  }

  private notStarted(...stages: FleetStage[]): void {
    const names = new Set(stages.flatMap((stage) => stage.clusters));
    for (const cluster of this.status.clusters)
      if (names.has(cluster.name) && (cluster.state === 'pending' || cluster.state === 'waiting-window')) {
        cluster.state = 'not-started';
        cluster.window = null;
      }
  }

  private finish(outcome: FleetOutcome, reason: string | null): FleetResult {
    this.status.outcome = outcome;
    this.status.reason = reason;
    this.publish();
    return { outcome, status: JSON.parse(JSON.stringify(this.status)) as FleetStatus };
  }

  private stage(name: string): FleetStageStatus {
    const stage = this.status.stages.find((s) => s.name === name);
    if (!stage) throw workflowFailure('Validation', `stage ${name} is not in this fleet`);
    return stage;
  }

  private cluster(name: string): FleetClusterStatus {
    const cluster = this.status.clusters.find((c) => c.name === name);
    if (!cluster) throw workflowFailure('Validation', `cluster ${name} is not in this fleet`);
    return cluster;
  }

  /**
   * The stage being worked on (or the outcome, once there is one) as a search attribute, so the
   * Web UI lists "fleets in prod"; upserted only when it changes, to keep history small.
   */
  private publish(): void {
    const current = this.status.stages.find((s) => s.state !== 'done' && s.state !== 'pending') ?? null;
    const value = this.status.outcome ?? current?.name ?? 'pending';
    if (value === this.publishedStage) return;
    this.publishedStage = value;
    upsertSearchAttributes([{ key: fleetStageKey, value }]);
  }
}

function refuse(reason: string | undefined): void {
  if (reason !== undefined) throw new Error(reason);
}

/**
 * Why a cluster's upgrade did not complete: the failure status still shows, else the first step
 * of the upgrade that failed (a rollback's own failed and skipped step clears the status's).
 */
function reasonOf(result: UpgradeResult): string | null {
  if (result.outcome === 'completed') return null;
  const failure = result.status.failure ?? result.status.steps.find((step) => step.failure)?.failure ?? null;
  return failure ? `${failure.type}: ${failure.message}` : null;
}

function bakeFailed(cluster: FleetClusterStatus): boolean {
  return cluster.bake !== undefined && cluster.bake.phase !== 'Successful' && cluster.bake.phase !== 'Running';
}

function isCancelledChild(error: unknown): boolean {
  return error instanceof Error && error.cause instanceof Error && error.cause.name === 'CancelledFailure';
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
