/**
 * Metric analysis in the runbook, Argo Rollouts' way: after `initialDelay`, up to `count`
 * measurements `interval` apart on durable timers, each one activity call asking Prometheus for
 * every check on every workload of the run, judged against threshold and baseline (read once at
 * the start, before the first write), recorded on the status board as it goes, and stopped early
 * once a limit is exceeded. Where it runs comes from the plan (core/analysis/plan.ts):
 *
 *   soak            beside the timer; a failed check ends the soak at once  (steps/timers.ts)
 *   restarts        after each batch, for the workloads just restarted: a failed workload is a
 *                   failed-workload outcome, so its gate, revert and onFailure apply (runner.ts)
 *   ztunnel         after ztunnel rolled, ambient workloads                 (steps/node-agents.ts)
 *   before-removal  every workload, right before the old revision goes      (steps/cleanup.ts)
 *
 * A run that ends Failed, Inconclusive or Error fails its step with AnalysisFailed,
 * AnalysisInconclusive or AnalysisError: the runner's failure gate (approve goes on, retry
 * measures again, reject rolls back), or at once a rollback where `onFailure` says so (Failed only:
 * an Inconclusive or Error run never decides alone).
 */
import { isCancellation, sleep } from '@temporalio/workflow';
import type { ApplicationFailure } from '@temporalio/workflow';
import { renderQuery } from '../core/analysis/checks.js';
import { judge } from '../core/analysis/judge.js';
import type {
  AnalysisPhase,
  AnalysisRun,
  AnalysisTarget,
  Baseline,
  Measurement,
} from '../core/analysis/measurement.js';
import { checksFor } from '../core/analysis/plan.js';
import type { AnalysisPlan, AnalysisPointPlan } from '../core/analysis/plan.js';
import { failingTargets, runPhase, summarize } from '../core/analysis/phase.js';
import type { RunLimits } from '../core/analysis/phase.js';
import type { FailureType } from '../core/vocabulary.js';
import { formatDuration } from '../core/spec/duration.js';
import type { AnalysisQuery } from '../activities/index.js';
import { metrics } from './activities.js';
import { describeFailure, workflowFailure } from './failures.js';
import type { RestartOutcome } from './restarts.js';
import type { RestartWorkloadStep } from '../core/plan/steps.js';
import type { StatusBoard } from './status.js';
import type { StepContext } from './steps/context.js';

/** Histories from before metric analysis replay without it; specs without `analysis:` never reach it. */
export const METRIC_ANALYSIS_PATCH = 'metric-analysis';

/** What an upgrade with analysis carries from its start to every step. */
export interface AnalysisSession {
  plan: AnalysisPlan;
  baselines: Baseline[];
  /** Runs so far per step, so a retried step's run gets its own id. */
  runs: Map<string, number>;
}

type AnalysisContext = Pick<StepContext, 'board' | 'analysis' | 'plan' | 'spec'>;

const PHASE_FAILURES: Record<Exclude<AnalysisPhase, 'Successful'>, FailureType> = {
  Failed: 'AnalysisFailed',
  Inconclusive: 'AnalysisInconclusive',
  Error: 'AnalysisError',
};

const limitsOf = (plan: AnalysisPlan): RunLimits => ({
  count: plan.count,
  failureLimit: plan.failureLimit,
  inconclusiveLimit: plan.inconclusiveLimit,
  errorLimit: 0,
});

function queriesFor(plan: AnalysisPlan, targets: readonly AnalysisTarget[], windowSeconds: number): AnalysisQuery[] {
  return targets.flatMap((target) =>
    checksFor(plan, target).map((check) => ({
      check: check.name,
      namespace: target.namespace,
      workload: target.workload,
      query: renderQuery(check, target, windowSeconds),
    })),
  );
}

/**
 * Reads every check's baseline on every workload over the window ending now, and records them.
 * Called before the first write; a failure (no address, a query Prometheus refuses, Prometheus
 * away) is thrown for the caller to refuse the upgrade.
 */
export async function startAnalysis(plan: AnalysisPlan, board: StatusBoard): Promise<AnalysisSession> {
  const items = queriesFor(plan, plan.targets, plan.baselineWindowSeconds);
  const baselines =
    items.length === 0
      ? []
      : await metrics(
          `read the analysis baselines over ${formatDuration(plan.baselineWindowSeconds)}`,
        ).readAnalysisBaselines({ address: plan.address, items, windowSeconds: plan.baselineWindowSeconds });
  board.analysisBaselines(baselines);
  return { plan, baselines, runs: new Map() };
}

/** The plan's analysis at `stepId`, or null when none runs there (or this is not the upgrade's own plan). */
export function analysisAt(context: AnalysisContext, stepId: string): AnalysisPointPlan | null {
  if (context.analysis === undefined || context.plan.kind !== 'upgrade') return null;
  return context.analysis.plan.points.find((point) => point.stepId === stepId) ?? null;
}

export interface RunOptions {
  /** Show the waits between measurements as the board's timer (not inside a soak, which shows its own). */
  showTimer: boolean;
}

/** Runs one analysis to its end and returns it; never throws for a verdict (see analysisFailure). */
export async function runAnalysis(
  point: Pick<AnalysisPointPlan, 'stepId' | 'point'>,
  targets: AnalysisTarget[],
  context: Pick<AnalysisContext, 'board' | 'analysis'>,
  options: RunOptions,
): Promise<AnalysisRun> {
  const session = context.analysis;
  if (session === undefined) throw workflowFailure('Validation', `analysis at ${point.stepId} without a session`);
  const { board } = context;
  const plan = session.plan;
  const limits = limitsOf(plan);
  const number = (session.runs.get(point.stepId) ?? 0) + 1;
  session.runs.set(point.stepId, number);
  const run: AnalysisRun = {
    id: `analysis:${point.stepId}#${number}`,
    stepId: point.stepId,
    point: point.point,
    targets,
    phase: 'Running',
    startedAt: new Date(Date.now()).toISOString(),
    endedAt: null,
    measurements: [],
    summary: null,
  };
  const publish = () => board.analysisRun({ ...run, measurements: [...run.measurements] });
  publish();
  const items = queriesFor(plan, targets, plan.intervalSeconds);
  const checks = new Map(plan.checks.map((check) => [check.name, check]));
  const baselineOf = (item: Omit<AnalysisQuery, 'query'>) =>
    session.baselines.find(
      (b) => b.check === item.check && b.namespace === item.namespace && b.workload === item.workload,
    )?.value ?? null;
  const wait = async (seconds: number, why: string) => {
    if (seconds <= 0) return;
    if (options.showTimer)
      board.setTimer({
        stepId: point.stepId,
        reason: why,
        startedAt: new Date(Date.now()).toISOString(),
        endsAt: new Date(Date.now() + seconds * 1000).toISOString(),
      });
    try {
      await sleep(seconds * 1000);
    } finally {
      if (options.showTimer) board.setTimer(null);
    }
  };

  await wait(plan.initialDelaySeconds, `analysis ${run.id}: initial delay before the first measurement`);
  let phase: AnalysisPhase | 'Running' = 'Running';
  for (let round = 1; round <= plan.count; round += 1) {
    if (round > 1) await wait(plan.intervalSeconds, `analysis ${run.id}: measurement ${round} of ${plan.count}`);
    let measured: Measurement[];
    try {
      const result = await metrics(
        `measure ${items.length} check${items.length === 1 ? '' : 's'} for ${run.id} (${round}/${plan.count})`,
      ).measureAnalysis({ address: plan.address, items });
      measured = result.values.map((value, index) => {
        const check = checks.get(value.check);
        const baseline = baselineOf(value);
        const judged =
          check === undefined
            ? { verdict: 'Error' as const, rule: '', reason: `unknown check ${value.check}` }
            : value.error !== null
              ? { verdict: 'Error' as const, rule: '', reason: `query failed: ${value.error}` }
              : judge(check, value.value, baseline);
        return {
          check: value.check,
          namespace: value.namespace,
          workload: value.workload,
          query: items[index]?.query ?? '',
          value: value.value,
          baseline,
          rule: judged.rule,
          ...(check !== undefined &&
            (check.min !== null || check.max !== null) && {
              threshold: {
                ...(check.min !== null && { min: check.min }),
                ...(check.max !== null && { max: check.max }),
              },
            }),
          verdict: judged.verdict,
          reason: judged.reason,
          dryRun: check?.dryRun ?? false,
          at: result.at,
        };
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      // Prometheus stayed away through the activity's retries: every series of this round errs.
      const failure = describeFailure(error);
      const at = new Date(Date.now()).toISOString();
      measured = items.map((item) => ({
        ...item,
        value: null,
        baseline: baselineOf(item),
        rule: '',
        verdict: 'Error',
        reason: `${failure.type}: ${failure.message}`,
        dryRun: checks.get(item.check)?.dryRun ?? false,
        at,
      }));
    }
    run.measurements.push(...measured);
    phase = runPhase(run.measurements, limits, round);
    if (phase !== 'Running') break;
    publish();
  }
  const ended: AnalysisPhase = phase === 'Running' ? 'Successful' : phase;
  run.phase = ended;
  run.endedAt = new Date(Date.now()).toISOString();
  run.summary = summarize(run.measurements, limits, ended);
  publish();
  return run;
}

/** The failure a run that did not succeed fails its step with; a Failed run rolls back at once where onFailure says so. */
export function analysisFailure(run: AnalysisRun, context: Pick<StepContext, 'spec'>): ApplicationFailure {
  const phase = run.phase === 'Running' || run.phase === 'Successful' ? 'Failed' : run.phase;
  const message = `analysis ${run.id}: ${run.summary ?? phase}`;
  const action = context.spec.onFailure.default ?? (context.spec.gates.onTestFailure === false ? 'rollback' : 'gate');
  if (phase === 'Failed' && action === 'rollback')
    return workflowFailure('AutoRollback', `${message}: the spec rolls back at once on a failed analysis`, {
      runId: run.id,
    });
  return workflowFailure(PHASE_FAILURES[phase], message, { runId: run.id });
}

/** A step's analysis (ztunnel, before removal): a note when it passed, else the step's failure. */
export async function analyzeStep(stepId: string, context: AnalysisContext): Promise<string> {
  const point = analysisAt(context, stepId);
  if (point === null) return '';
  const run = await runAnalysis(point, point.targets, context, { showTimer: true });
  if (run.phase !== 'Successful') throw analysisFailure(run, context);
  return `; analysis ${run.summary ?? run.phase}`;
}

/**
 * After a restart batch: one run over the workloads it restarted that have analysis, and each
 * workload whose checks did not pass becomes a failed outcome of its own restart, so it takes the
 * failed-workload path (its namespace's onFailure, revert, the failure gate) like a failed test.
 */
export async function analyzeRestarts(
  outcomes: RestartOutcome[],
  batch: readonly RestartWorkloadStep[],
  context: AnalysisContext,
): Promise<RestartOutcome[]> {
  const analysed = outcomes.flatMap((outcome) => {
    if (outcome.state !== 'done') return [];
    const point = analysisAt(context, outcome.stepId);
    return point === null ? [] : [{ outcome, point }];
  });
  if (analysed.length === 0 || context.analysis === undefined) return outcomes;
  // The run belongs to the batch's last restart, as the status contract says (AnalysisRun.stepId).
  const stepId = analysed[analysed.length - 1]?.point.stepId ?? batch[batch.length - 1]?.id ?? 'restarts';
  const run = await runAnalysis(
    { stepId, point: 'restarts' },
    analysed.flatMap(({ point }) => point.targets),
    context,
    { showTimer: true },
  );
  if (run.phase === 'Successful') {
    return outcomes.map((outcome) =>
      analysed.some((a) => a.outcome === outcome)
        ? { ...outcome, note: `${outcome.note}; analysis ${run.summary}` }
        : outcome,
    );
  }
  const limits = limitsOf(context.analysis.plan);
  const failing = failingTargets(run.measurements, limits);
  return outcomes.map((outcome) => {
    const entry = analysed.find((a) => a.outcome === outcome);
    if (entry === undefined) return outcome;
    const phases = entry.point.targets.flatMap((t) => failing.get(`${t.namespace}/${t.workload}`) ?? []);
    const phase = (['Failed', 'Error', 'Inconclusive'] as const).find((p) => phases.includes(p));
    if (phase === undefined) return { ...outcome, note: `${outcome.note}; no check failed for it` };
    const own = run.measurements.filter((m) =>
      entry.point.targets.some((t) => t.namespace === m.namespace && t.workload === m.workload),
    );
    return {
      ...outcome,
      state: 'failed',
      failure: {
        type: PHASE_FAILURES[phase],
        message: `analysis ${run.id}: ${summarize(own, limits, phase)}`,
      },
    };
  });
}
