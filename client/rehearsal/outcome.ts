/**
 * What a rehearsal reports besides the workflow's own status: the mesh it left behind (read from
 * the simulated cluster as the planner reads any cluster) and how long the same upgrade would
 * take at real speed.
 */
import type { ToolCheck } from '../../core/prechecks/tool-versions.js';
import type { Inventory } from '../../core/inventory.js';
import type { StepState } from '../../core/vocabulary.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import type { Journal, Span } from '../render/history.js';
import type { Soak } from './spec.js';

/** What `rehearse` prints, and as it is with --json. */
export interface RehearsalOutcome {
  workflowId: string;
  scenario: string;
  outcome: UpgradeStatus['outcome'];
  exitCode: number;
  steps: { id: string; kind: string; state: StepState; description: string; note?: string }[];
  rollback: { id: string; kind: string; state: StepState; description: string }[] | null;
  failure: UpgradeStatus['failure'];
  /** The failure gates the rehearsal answered (with reject), by description. */
  failureGates: string[];
  refusedBy: string[];
  restarts: number;
  gates: number;
  soaks: Soak[];
  estimate: Estimate;
  finalState: MeshState;
  specChanges: string[];
  /**
   * A rehearsal of a real cluster: the operator's own istioctl and helm, checked against the plan
   * as `plan` does (the rehearsal itself ran stand-ins offering each hop's exact patch).
   */
  operatorTools?: ToolCheck;
  report: string;
}

export interface MeshState {
  /** `name@version` of each istiod revision. */
  revisions: string[];
  /** `tag→revision`. */
  tags: string[];
  /** Istio's labels on each namespace that has any. */
  namespaces: Record<string, Record<string, string>>;
  /** `namespace/deployment` → the distinct `version@revision` of its proxies. */
  proxies: Record<string, string[]>;
  /** Gateways and waypoints: `namespace/name` → `version@revision`. */
  gateways: Record<string, string>;
  /** `istio-cni` and `ztunnel` versions in ambient mode. */
  nodeAgents: Record<string, string | null>;
}

const ISTIO_NAMESPACE_LABELS = ['istio-injection', 'istio.io/rev', 'istio.io/dataplane-mode', 'istio.io/use-waypoint'];

export function meshStateOf(inventory: Inventory): MeshState {
  const namespaces: MeshState['namespaces'] = {};
  for (const ns of inventory.namespaces) {
    const labels = Object.fromEntries(
      Object.entries(ns.labels).filter(([key]) => ISTIO_NAMESPACE_LABELS.includes(key)),
    );
    if (Object.keys(labels).length > 0) namespaces[ns.name] = labels;
  }
  const proxies: MeshState['proxies'] = {};
  const gateways = new Set(inventory.gateways.map((g) => `${g.namespace}/${g.name}`));
  for (const d of inventory.deployments) {
    if (d.proxies.length === 0 || gateways.has(`${d.namespace}/${d.name}`)) continue;
    proxies[`${d.namespace}/${d.name}`] = [
      ...new Set(d.proxies.map((p) => `${p.version ?? '?'}@${p.revision ?? '?'}`)),
    ].sort();
  }
  const nodeAgents: MeshState['nodeAgents'] = {};
  if (inventory.cni) nodeAgents['istio-cni'] = inventory.cni.version;
  if (inventory.ztunnel) nodeAgents.ztunnel = inventory.ztunnel.version;
  return {
    revisions: inventory.controlPlane.revisions.map((r) => `${r.name}@${r.version ?? '?'}`).sort(),
    tags: inventory.controlPlane.tags.map((t) => `${t.name}→${t.revision}`).sort(),
    namespaces,
    proxies,
    gateways: Object.fromEntries(
      inventory.gateways.map((g) => [`${g.namespace}/${g.name}`, `${g.version ?? '?'}@${g.revision ?? '?'}`]),
    ),
    nodeAgents,
  };
}

export interface Estimate {
  /** Estimated seconds at real speed: simulatedWorkSeconds + soakSeconds. */
  seconds: number;
  /** Wall seconds during which at least one activity or child workflow ran, in the rehearsal. */
  workWallSeconds: number;
  /** workWallSeconds × time scale: the rollouts and waits at the cluster's real pace. */
  simulatedWorkSeconds: number;
  /** The spec's soaks and grace periods at their real length. */
  soakSeconds: number;
  timeScale: number;
  /** Gates a human would answer; their time is not in the estimate. */
  gates: number;
}

/** Total length of the union of [start, end) intervals, in ms. */
function unionMs(spans: readonly Span[], fallbackEnd: number): number {
  const intervals = spans.map((s) => [s.start, s.end ?? fallbackEnd] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [from, to] = [Number.NaN, Number.NaN];
  for (const [start, end] of intervals) {
    if (Number.isNaN(from) || start > to) {
      if (!Number.isNaN(from)) total += to - from;
      [from, to] = [start, end];
    } else {
      to = Math.max(to, end);
    }
  }
  return Number.isNaN(from) ? total : total + (to - from);
}

/**
 * The estimate at real speed = (wall time during which activities or restart batches ran) × time
 * scale + the real length of every soak and grace period the run went through. Everything that
 * waits on the cluster (rollouts, pods turning ready, Sail reconciling) runs `timeScale` times
 * faster in the simulator, so scaling the work back up gives its real pace; the soaks ran
 * compressed and count at their real length, once per soak step that ran (an in-place upgrade
 * soaks after every hop). Time spent at gates (humans) is left out. Because
 * the worker's and the tools' own overhead is scaled up too, it errs on the long side.
 */
export function estimate(
  journal: Journal,
  soaks: readonly Soak[],
  options: { timeScale: number; gates: number; soaksRun: readonly Soak['timer'][] },
): Estimate {
  const work = journal.spans.filter((s) => s.lane === 'activity' || s.lane === 'child');
  const workWallSeconds = unionMs(work, journal.endedAt ?? Date.now()) / 1000;
  const simulatedWorkSeconds = Math.round(workWallSeconds * options.timeScale);
  const soakSeconds = options.soaksRun.reduce(
    (sum, timer) => sum + (soaks.find((s) => s.timer === timer)?.realSeconds ?? 0),
    0,
  );
  return {
    seconds: simulatedWorkSeconds + soakSeconds,
    workWallSeconds,
    simulatedWorkSeconds,
    soakSeconds,
    timeScale: options.timeScale,
    gates: options.gates,
  };
}
