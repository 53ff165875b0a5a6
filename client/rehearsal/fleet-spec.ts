/**
 * The rehearsal's copy of a fleet spec. The operator's fleet spec is validated as written; the
 * copy differs only where a rehearsal must, and every difference is listed for the printout:
 *
 * - each cluster's upgrade spec differs as a single rehearsal's does (client/rehearsal/spec.ts):
 *   the rehearsal approver added, soaks on the simulator's clock, HTTP and command tests and Slack
 *   left out, the context the simulator's. The shared spec and each cluster's overrides are
 *   rewritten so that the fleet workflow, merging them as in production, hands each child exactly
 *   that cluster's rehearsal spec;
 * - the rehearsal approver is added to the fleet's approvers, so stage gates are answered too;
 * - bakes run as their real length ÷ time scale, at most BAKE_CAP_SECONDS: the fleet only waits
 *   during a bake (nothing in the simulator changes meanwhile), and a rehearsal must not sit for a
 *   real day; the printout and the estimate count them at their real length;
 * - maintenance windows and freezes are left out: a rehearsal runs now, whatever the calendar
 *   says. The estimate works out when a real run started now would have waited for them.
 */
import { clusterSpecInput, parseFleet } from '../../core/fleet/spec.js';
import type { FleetCluster, FleetSpec, FleetSpecInput } from '../../core/fleet/spec.js';
import { formatDuration } from '../../core/spec/duration.js';
import { formatProblems } from '../../core/spec/parse.js';
import type { Spec } from '../../core/spec/schema.js';
import { cliFailure } from '../errors.js';
import { REHEARSAL_APPROVER, rehearsalSpec } from './spec.js';
import type { RehearsalSpec } from './spec.js';

/** The longest a rehearsed bake waits, whatever its real length and the time scale. */
export const BAKE_CAP_SECONDS = 10;

export interface Bake {
  stage: string;
  realSeconds: number;
  rehearsedSeconds: number;
}

export interface IgnoredSchedule {
  cluster: string;
  windows: number;
  freezes: number;
}

export interface RehearsalFleetSpec {
  /** The fleet spec the workflow receives. */
  input: FleetSpecInput;
  /** Each cluster's rehearsal spec: what its child upgrade receives, its soaks and its changes. */
  clusters: Record<string, RehearsalSpec>;
  bakes: Bake[];
  /** Clusters whose windows or freezes the rehearsal ignores. */
  ignoredSchedules: IgnoredSchedule[];
  /** One sentence per difference from the operator's fleet spec, besides each cluster's own. */
  changes: string[];
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** Drops the keys the rehearsal rewrites per cluster. */
function without(value: unknown, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record(value)).filter(([key]) => !keys.includes(key)));
}

export function rehearsedBakeSeconds(realSeconds: number, timeScale: number): number {
  return realSeconds === 0 ? 0 : Math.min(BAKE_CAP_SECONDS, Math.max(1, Math.ceil(realSeconds / timeScale)));
}

export function rehearsalFleetSpec(
  raw: FleetSpecInput,
  fleet: FleetSpec,
  specs: Record<string, Spec>,
  options: { timeScale: number; contexts: Record<string, string> },
): RehearsalFleetSpec {
  const clusters: Record<string, RehearsalSpec> = {};
  for (const name of Object.keys(fleet.clusters)) {
    const spec = specs[name];
    const context = options.contexts[name];
    if (spec === undefined || context === undefined)
      throw cliFailure(`cluster ${name}: no spec or simulator (a bug in rehearse)`);
    clusters[name] = rehearsalSpec(record(clusterSpecInput(fleet, name)), spec, {
      timeScale: options.timeScale,
      context,
    });
  }
  // Approvals cannot be overridden per cluster, so every cluster's copy has the same approvers.
  const approvals = Object.values(clusters)[0]?.input.approvals;
  // Tests, timers and notifications differ per cluster in the copy: they move from the shared spec to each cluster's overrides.
  const perCluster = ['tests', 'timers', 'notifications'] as const;
  const rawClusters = record(raw.clusters);
  const input: FleetSpecInput = {
    ...raw,
    upgrade: { ...without(raw.upgrade, perCluster), ...(approvals !== undefined && { approvals }) },
    clusters: Object.fromEntries(
      Object.entries(clusters).map(([name, copy]) => {
        const written = record(rawClusters[name]);
        const { windows: _windows, freezes: _freezes, ...rest } = written;
        const overrides = {
          ...without(written.overrides, perCluster),
          ...(copy.input.tests !== undefined && { tests: copy.input.tests }),
          timers: copy.input.timers,
        };
        return [name, { ...rest, context: record(copy.input.cluster).context, overrides }];
      }),
    ) as FleetSpecInput['clusters'],
    stages: fleet.stages.map((stage, index) => ({
      ...record(raw.stages[index]),
      bake: `${rehearsedBakeSeconds(stage.bake, options.timeScale)}s`,
    })) as FleetSpecInput['stages'],
    approvals: {
      ...record(raw.approvals),
      approvers: fleet.approvals.approvers.includes(REHEARSAL_APPROVER)
        ? fleet.approvals.approvers
        : [...fleet.approvals.approvers, REHEARSAL_APPROVER],
    },
  };
  const checked = parseFleet(input);
  if (!checked.ok)
    throw cliFailure(
      `the rehearsal's copy of the fleet spec is invalid (a bug in rehearse):\n${formatProblems(checked.problems)}`,
    );

  const changes: string[] = [];
  if (!fleet.approvals.approvers.includes(REHEARSAL_APPROVER))
    changes.push(
      `approver "${REHEARSAL_APPROVER}" added to the fleet's approvers: stage gates are answered unattended`,
    );
  const bakes = fleet.stages.map((stage) => ({
    stage: stage.name,
    realSeconds: stage.bake,
    rehearsedSeconds: rehearsedBakeSeconds(stage.bake, options.timeScale),
  }));
  for (const bake of bakes)
    if (bake.realSeconds !== bake.rehearsedSeconds)
      changes.push(
        `stage ${bake.stage}: bake ${formatDuration(bake.realSeconds)} runs as ${formatDuration(bake.rehearsedSeconds)} (real length ÷ time scale ${options.timeScale}, at most ${BAKE_CAP_SECONDS}s: the fleet only waits during a bake); the estimate counts it at its real length`,
      );
  const ignoredSchedules = Object.entries(fleet.clusters)
    .filter(([, cluster]: [string, FleetCluster]) => cluster.windows.length > 0 || cluster.freezes.length > 0)
    .map(([name, cluster]) => ({ cluster: name, windows: cluster.windows.length, freezes: cluster.freezes.length }));
  for (const ignored of ignoredSchedules)
    changes.push(
      `cluster ${ignored.cluster}: ${ignored.windows} maintenance window(s) and ${ignored.freezes} freeze(s) ignored: a rehearsal runs now; the estimate includes the wait a real run started now would have`,
    );
  return { input, clusters, bakes, ignoredSchedules, changes };
}
