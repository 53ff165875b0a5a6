/**
 * What a fleet rehearsal reports: each cluster's rehearsal (as a single rehearsal reports it), the
 * fleet's stages and outcome, and how long the same fleet would take at real speed, started now:
 * each cluster's own estimate, laid out on the fleet's stages, lanes, bakes, maintenance windows
 * and freezes, which the rehearsal itself skipped.
 */
import { scheduleOf } from '../../core/fleet/spec.js';
import type { FleetSpec } from '../../core/fleet/spec.js';
import { nextStart } from '../../core/fleet/windows.js';
import type { FleetClusterState, FleetOutcome, FleetStatus } from '../../workflows/fleet/messages.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import { EXIT } from '../exit-codes.js';
import type { Bake } from './fleet-spec.js';
import type { Estimate, MeshState, RehearsalOutcome } from './outcome.js';
import type { Soak } from './spec.js';

export interface FleetClusterRehearsal {
  name: string;
  stage: string;
  /** Where its simulator's copy came from: a scenario file or a snapshot, and the faults switched on. */
  source: string;
  state: FleetClusterState;
  reason: string | null;
  workflowId: string;
  taskQueue: string;
  /** The rest is null for a cluster whose upgrade never started. */
  outcome: UpgradeStatus['outcome'] | null;
  steps: RehearsalOutcome['steps'] | null;
  rollback: RehearsalOutcome['rollback'];
  failure: UpgradeStatus['failure'];
  failureGates: string[];
  refusedBy: string[];
  restarts: number;
  gates: number;
  soaks: Soak[];
  estimate: Estimate | null;
  /** The mesh on its simulator at the end (also for a cluster that never started: unchanged). */
  finalState: MeshState;
  specChanges: string[];
  report: string | null;
}

export interface FleetEstimate {
  /** From a start now to the last cluster's end at real speed: work, soaks, bakes and window waits. */
  seconds: number;
  /** The same without maintenance windows and freezes. */
  unscheduledSeconds: number;
  /** What windows and freezes add: seconds − unscheduledSeconds. */
  windowWaitSeconds: number;
  /** Bakes between stages at their real length (the last stage's bake is never waited). */
  bakeSeconds: number;
  timeScale: number;
  /** Gates a human would answer (fleet and clusters); their time is not in the estimate. */
  gates: number;
  /** Clusters whose upgrade did not run (the fleet halted first): counted as taking no time. */
  unmeasured: string[];
  /** Clusters no window outside a freeze would ever let start. */
  neverStarts: string[];
}

export interface FleetRehearsalOutcome {
  fleetId: string;
  name: string;
  target: string;
  outcome: FleetOutcome | null;
  reason: string | null;
  exitCode: number;
  stages: { name: string; state: string; clusters: string[]; failures: number; allowedFailures: number; bake: Bake }[];
  clusters: FleetClusterRehearsal[];
  fleetGates: number;
  /** Differences of the fleet copy from the operator's fleet spec; each cluster lists its own. */
  specChanges: string[];
  estimate: FleetEstimate;
  report: string;
}

const FAILED: ReadonlySet<FleetClusterState> = new Set(['failed', 'rolled-back', 'partial']);

/** 0 every cluster completed, 3 only precheck refusals stopped it, 1 any other failure or halt. */
export function fleetExitCode(status: FleetStatus): number {
  if (status.outcome === 'completed' && status.clusters.every((c) => c.state === 'completed')) return EXIT.ok;
  const failed = status.clusters.some((c) => FAILED.has(c.state));
  if (!failed && (status.outcome === 'refused' || status.clusters.some((c) => c.state === 'refused')))
    return EXIT.precheckBlocks;
  return EXIT.failure;
}

/**
 * The fleet's schedule at real speed from `nowMs`, as the fleet workflow runs it: stage after
 * stage, each stage's clusters taken in order by `concurrency` lanes, each cluster starting when
 * its lane is free and a window is open outside every freeze, then taking its rehearsed estimate;
 * a bake after each stage but the last. Gates are taken as answered at once.
 */
function timeline(fleet: FleetSpec, seconds: Record<string, number>, nowMs: number, scheduled: boolean) {
  let at = nowMs;
  let bakeSeconds = 0;
  const neverStarts: string[] = [];
  for (const [index, stage] of fleet.stages.entries()) {
    const lanes = Array.from({ length: Math.min(stage.concurrency, stage.clusters.length) }, () => at);
    for (const name of stage.clusters) {
      const lane = lanes.indexOf(Math.min(...lanes));
      const free = lanes[lane] ?? at;
      const settings = fleet.clusters[name];
      const answer = scheduled && settings ? nextStart(scheduleOf(settings), free) : ({ kind: 'now' } as const);
      if (answer.kind === 'never') {
        neverStarts.push(name);
        continue;
      }
      const start = answer.kind === 'wait' ? answer.untilMs : free;
      lanes[lane] = start + (seconds[name] ?? 0) * 1000;
    }
    at = Math.max(at, ...lanes);
    if (stage.bake > 0 && index < fleet.stages.length - 1) {
      at += stage.bake * 1000;
      bakeSeconds += stage.bake;
    }
  }
  return { seconds: Math.round((at - nowMs) / 1000), bakeSeconds, neverStarts };
}

export function fleetEstimate(
  fleet: FleetSpec,
  clusters: readonly FleetClusterRehearsal[],
  options: { nowMs: number; timeScale: number; fleetGates: number },
): FleetEstimate {
  const seconds = Object.fromEntries(clusters.map((c) => [c.name, c.estimate?.seconds ?? 0]));
  const scheduled = timeline(fleet, seconds, options.nowMs, true);
  const unscheduled = timeline(fleet, seconds, options.nowMs, false);
  return {
    seconds: scheduled.seconds,
    unscheduledSeconds: unscheduled.seconds,
    windowWaitSeconds: scheduled.seconds - unscheduled.seconds,
    bakeSeconds: scheduled.bakeSeconds,
    timeScale: options.timeScale,
    gates: options.fleetGates + clusters.reduce((sum, c) => sum + c.gates, 0),
    unmeasured: clusters.filter((c) => c.estimate === null).map((c) => c.name),
    neverStarts: scheduled.neverStarts,
  };
}
