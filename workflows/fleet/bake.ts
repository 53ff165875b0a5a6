/**
 * Analysis while a stage bakes: a finished cluster's metric analysis keeps running through the
 * bake, so the next stage starts only on clusters whose mesh stayed healthy on the new version,
 * not merely on clusters whose upgrade ended. It is a child workflow on the cluster's own task
 * queue: only that cluster's worker can reach its Prometheus, as for the upgrade itself.
 *
 * The checks, targets and baselines are the upgrade's own (read before its first write), so a
 * bake judges against the mesh as it was before the upgrade. Measurements run `interval` apart for
 * the bake's length (at least one), and stop early once the spec's limits are exceeded.
 */
import type { AnalysisRun, Baseline } from '../../core/analysis/measurement.js';
import type { AnalysisPlan } from '../../core/analysis/plan.js';
import { runAnalysis } from '../analysis.js';
import { StatusBoard } from '../status.js';

export interface BakeAnalysisInput {
  cluster: string;
  stage: string;
  /** The cluster's upgrade plan's analysis and the baselines its upgrade read. */
  analysis: AnalysisPlan;
  baselines: Baseline[];
  bakeSeconds: number;
}

export interface BakeAnalysisResult {
  run: AnalysisRun;
}

/** `<upgrade id>/bake-<stage>`: one per cluster and stage, beside the cluster's upgrade in the Web UI. */
export const bakeWorkflowId = (upgradeWorkflowId: string, stage: string) => `${upgradeWorkflowId}/bake-${stage}`;

/** How many measurements fit the bake: one per interval, the first at once, at least one. */
export function bakeMeasurements(bakeSeconds: number, intervalSeconds: number): number {
  return Math.max(1, Math.floor(bakeSeconds / Math.max(1, intervalSeconds)));
}

export async function bakeAnalysis(input: BakeAnalysisInput): Promise<BakeAnalysisResult> {
  const board = new StatusBoard('soak');
  board.analysisBaselines(input.baselines);
  // The upgrade's initial delay already passed long ago: the bake measures from its first moment.
  const plan: AnalysisPlan = {
    ...input.analysis,
    initialDelaySeconds: 0,
    count: bakeMeasurements(input.bakeSeconds, input.analysis.intervalSeconds),
  };
  const run = await runAnalysis(
    { stepId: `bake:${input.stage}`, point: 'soak' },
    plan.targets,
    { board, analysis: { plan, baselines: input.baselines, runs: new Map() } },
    { showTimer: true },
  );
  return { run };
}
