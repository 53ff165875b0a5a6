/**
 * What one analysis records: the shared contract between the analysis loop (workflows/analysis.ts),
 * the status board and everything that shows it (`status`, the Web UI's current details, the HTML
 * report and its charts). Argo Rollouts' vocabulary: a run takes `count` measurements `interval`
 * apart after `initialDelay`, each measurement of each check gets a verdict, and the run ends in a
 * phase once `failureLimit` or `inconclusiveLimit` is exceeded or every measurement is taken.
 */

/** A measurement's verdict and a run's phase, in Argo Rollouts' words. */
export const ANALYSIS_PHASES = ['Successful', 'Failed', 'Inconclusive', 'Error'] as const;
export type AnalysisPhase = (typeof ANALYSIS_PHASES)[number];

/** Where in the runbook an analysis runs. */
export const ANALYSIS_POINTS = ['soak', 'restarts', 'ztunnel', 'before-removal'] as const;
export type AnalysisPoint = (typeof ANALYSIS_POINTS)[number];

/** The mesh layer a check reads: L7 from sidecars or waypoints, L4 from ztunnel (ambient without a waypoint). */
export type AnalysisLayer = 'L7' | 'L4';

/** One workload a check is evaluated for. */
export interface AnalysisTarget {
  namespace: string;
  workload: string;
}

/** The value a check read before the upgrade touched the workload, recorded once in history at the start. */
export interface Baseline {
  check: string;
  namespace: string;
  workload: string;
  /** Null when the window held no data: a baseline rule then cannot judge, which is Inconclusive. */
  value: number | null;
  /** The rendered query and the window it covered, so the record stands on its own. */
  query: string;
  windowSeconds: number;
  /** ISO time the baseline window ended. */
  at: string;
}

/** One check, one workload, one moment: everything needed to audit the verdict afterwards. */
export interface Measurement {
  check: string;
  namespace: string;
  workload: string;
  /** The rendered PromQL that was sent. */
  query: string;
  /** Null when Prometheus answered with no data; see `noData` for what that meant. */
  value: number | null;
  baseline: number | null;
  /** The threshold and baseline rule in words, e.g. "min 0.99; at most 0.5 points below baseline 0.999". */
  rule: string;
  /**
   * The check's fixed threshold as numbers, so a chart can draw it (the rule above says it in
   * words). Absent when the check has only a baseline rule, and in measurements recorded before it.
   */
  threshold?: { min?: number; max?: number };
  verdict: AnalysisPhase;
  /** Why, in one line: "0.91 < min 0.99", "no data (noData: inconclusive)", "query failed: …". */
  reason: string;
  /** Recorded but not acted on (`dryRun: true`). */
  dryRun: boolean;
  /** ISO time of the measurement. */
  at: string;
}

/** One analysis run at one point of the runbook (a soak, a restart batch, after ztunnel, before removal). */
export interface AnalysisRun {
  /** Unique per run, e.g. `analysis:soak-control-plane#1`. */
  id: string;
  /** The plan step it belongs to (a soak, the last restart of a batch, ztunnel, the removal). */
  stepId: string;
  point: AnalysisPoint;
  targets: AnalysisTarget[];
  phase: AnalysisPhase | 'Running';
  /** ISO times. */
  startedAt: string;
  endedAt: string | null;
  measurements: Measurement[];
  /** Why the run ended in its phase, for the gate and status: names check, value and baseline. */
  summary: string | null;
}
