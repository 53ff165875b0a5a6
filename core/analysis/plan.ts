/**
 * Where analysis runs in a plan and what it judges there, derived like every other part of the
 * plan from spec and inventory alone (pure): during each soak after the control plane, after
 * each restart for the workload restarted, after ztunnel for the ambient workloads, and before
 * the old revision is removed. Each workload is judged by the checks of the layer it reports:
 * L7 from its sidecar or its waypoint, L4 from ztunnel for an ambient workload without a waypoint,
 * and `notes` says which checks have no data where, so nothing is skipped silently.
 */
import type { DeploymentInfo, NamespaceInfo } from '../inventory.js';
import { isAmbientNamespace } from '../labels.js';
import type { PlanContext } from '../plan/context.js';
import type { Step } from '../plan/steps.js';
import { resolveCheck } from './checks.js';
import type { AnalysisCheck } from './checks.js';
import type { AnalysisLayer, AnalysisPoint, AnalysisTarget, Baseline } from './measurement.js';

/** Binds an ambient namespace's (or a pod's) traffic to a waypoint, which then reports its L7 metrics. */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';

export interface AnalysisTargetPlan extends AnalysisTarget {
  /** `sidecar`, `waypoint` (ambient with a waypoint: L7) or `ztunnel` (ambient without one: L4 only). */
  telemetry: 'sidecar' | 'waypoint' | 'ztunnel';
  /** The checks that have data for it, by name. */
  checks: string[];
}

export interface AnalysisPointPlan {
  /** The step the run belongs to: a soak, a restart, ztunnel's upgrade, the removal. */
  stepId: string;
  point: AnalysisPoint;
  targets: AnalysisTarget[];
}

export interface AnalysisPlan {
  /** From the spec; null: the worker's PROMETHEUS_URL. */
  address: string | null;
  intervalSeconds: number;
  count: number;
  failureLimit: number;
  inconclusiveLimit: number;
  initialDelaySeconds: number;
  baselineWindowSeconds: number;
  checks: AnalysisCheck[];
  targets: AnalysisTargetPlan[];
  points: AnalysisPointPlan[];
  /** Checks that have no data for some workloads, and why. */
  notes: string[];
  /**
   * Filled by `plan` only, never by the workflow (which reads its own at the start): the baseline
   * of every check on every workload as Prometheus answered before anything was written.
   */
  baselines?: Baseline[];
}

function telemetryOf(namespace: NamespaceInfo, deployment: DeploymentInfo): AnalysisTargetPlan['telemetry'] {
  if (deployment.proxies.length > 0 || !isAmbientNamespace(namespace)) return 'sidecar';
  const waypoint = deployment.podLabels[USE_WAYPOINT_LABEL] ?? namespace.labels[USE_WAYPOINT_LABEL];
  return waypoint !== undefined && waypoint !== 'none' ? 'waypoint' : 'ztunnel';
}

const layerOf = (telemetry: AnalysisTargetPlan['telemetry']): AnalysisLayer => (telemetry === 'ztunnel' ? 'L4' : 'L7');

/** Every workload in scope: those restarted, and in ambient namespaces those ztunnel carries (gateways and excluded ones aside). */
function targetsOf(context: PlanContext, checks: readonly AnalysisCheck[]): AnalysisTargetPlan[] {
  const { inventory, spec } = context;
  const skip = new Set([
    ...spec.scope.exclude,
    ...inventory.gateways.map((gateway) => `${gateway.namespace}/${gateway.name}`),
  ]);
  return context.namespaces.flatMap((scoped) => {
    const namespace = inventory.namespaces.find((candidate) => candidate.name === scoped.name);
    if (namespace === undefined) return [];
    const restarted = new Set(scoped.workloads.map((workload) => workload.name));
    const deployments = inventory.deployments.filter(
      (deployment) =>
        deployment.namespace === namespace.name &&
        !skip.has(`${deployment.namespace}/${deployment.name}`) &&
        (restarted.has(deployment.name) || (spec.install.mode === 'ambient' && isAmbientNamespace(namespace))),
    );
    return deployments.map((deployment) => {
      const telemetry = telemetryOf(namespace, deployment);
      return {
        namespace: deployment.namespace,
        workload: deployment.name,
        telemetry,
        checks: checks.filter((check) => check.layer === layerOf(telemetry)).map((check) => check.name),
      };
    });
  });
}

function notesOf(targets: readonly AnalysisTargetPlan[], checks: readonly AnalysisCheck[]): string[] {
  const notes: string[] = [];
  const l7 = checks.filter((check) => check.layer === 'L7').map((check) => check.name);
  const l4 = checks.filter((check) => check.layer === 'L4').map((check) => check.name);
  const byNamespace = (telemetry: AnalysisTargetPlan['telemetry']) => [
    ...new Set(targets.filter((target) => target.telemetry === telemetry).map((target) => target.namespace)),
  ];
  for (const namespace of byNamespace('ztunnel')) {
    if (l7.length > 0)
      notes.push(
        `${l7.join(', ')} ${l7.length === 1 ? 'has' : 'have'} no data in ${namespace}: its workloads are ambient without a waypoint, and ztunnel reports L4 metrics only (istio_tcp_*); ${l4.length > 0 ? `${l4.join(', ')} judge${l4.length === 1 ? 's' : ''} them there` : 'add an L4 check (tcp-connection-rate) or a waypoint to judge them'}`,
      );
  }
  const l7Namespaces = [...byNamespace('sidecar'), ...byNamespace('waypoint')];
  if (l4.length > 0 && l7Namespaces.length > 0)
    notes.push(
      `${l4.join(', ')} read${l4.length === 1 ? 's' : ''} ztunnel's L4 metrics: not run for the sidecar and waypoint workloads of ${[...new Set(l7Namespaces)].join(', ')}, which L7 checks judge`,
    );
  for (const target of targets)
    if (target.checks.length === 0)
      notes.push(
        `no check has data for ${target.namespace}/${target.workload} (${target.telemetry}): it is not analysed`,
      );
  return notes;
}

function pointOf(step: Step): AnalysisPoint | null {
  switch (step.kind) {
    case 'soak':
      return step.pauseReason === 'soaking' ? 'soak' : null;
    case 'restart-workload':
      return 'restarts';
    case 'upgrade-ztunnel':
      return 'ztunnel';
    case 'remove-old-revision':
      return 'before-removal';
    case 'precheck':
    case 'gate':
    case 'upgrade-base':
    case 'install-revision':
    case 'upgrade-control-plane':
    case 'upgrade-cni':
    case 'switch-gateways':
    case 'move-namespace':
    case 'move-tag':
    case 'test-workload':
    case 'verify-proxies':
      return null;
  }
}

/** The plan's analysis; undefined when the spec has none. */
export function planAnalysis(context: PlanContext, steps: readonly Step[]): AnalysisPlan | undefined {
  const spec = context.spec.analysis;
  if (spec === undefined) return undefined;
  const checks = spec.checks.map(resolveCheck);
  const targets = targetsOf(context, checks);
  const analysed = targets.filter((target) => target.checks.length > 0);
  const points = steps.flatMap((step): AnalysisPointPlan[] => {
    const point = pointOf(step);
    if (point === null) return [];
    const chosen =
      step.kind === 'restart-workload'
        ? analysed.filter((target) => target.namespace === step.namespace && target.workload === step.name)
        : point === 'ztunnel'
          ? analysed.filter((target) => target.telemetry !== 'sidecar')
          : analysed;
    return chosen.length === 0
      ? []
      : [{ stepId: step.id, point, targets: chosen.map(({ namespace, workload }) => ({ namespace, workload })) }];
  });
  return {
    address: spec.prometheus.address ?? null,
    intervalSeconds: spec.interval,
    count: spec.count,
    failureLimit: spec.failureLimit,
    inconclusiveLimit: spec.inconclusiveLimit,
    initialDelaySeconds: spec.initialDelay,
    baselineWindowSeconds: spec.baseline.window,
    checks,
    targets,
    points,
    notes: notesOf(targets, checks),
  };
}

/** The checks that judge `target` in `analysis`, in spec order. */
export function checksFor(analysis: AnalysisPlan, target: AnalysisTarget): AnalysisCheck[] {
  const names = analysis.targets.find(
    (known) => known.namespace === target.namespace && known.workload === target.workload,
  )?.checks;
  return analysis.checks.filter((check) => names?.includes(check.name));
}
