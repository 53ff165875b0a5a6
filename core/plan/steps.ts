/**
 * The closed set of steps a plan is made of, and the plan itself. The workflows execute steps
 * in order with an exhaustive switch over `kind`; the CLI prints `describe(step)`.
 *
 * Every step has an `id` derived only from the spec and the inventory (never from time or
 * position), so a replan of the same upgrade yields the same ids: workflows use them for
 * idempotency keys (e.g. the restart annotation value) and progress. Ids name the version the
 * step moves to because an in-place upgrade repeats the same kinds once per hop:
 * `restart:bookinfo/reviews-v2@1.28.0`.
 */
import type { Phase } from '../vocabulary.js';
import type { Finding } from '../prechecks/finding.js';
import type { DataPlaneMode, FailureAction, InstallMethod, Strategy, WorkloadTest } from '../spec/schema.js';
import { formatDuration } from '../spec/duration.js';
import type { Verification } from './verification.js';
import type { AnalysisPlan } from '../analysis/plan.js';

/** The gates a spec can turn on. A failed test also gates (see RestartWorkloadStep.onTestFailure). */
export const GATE_KINDS = [
  'before-control-plane',
  'before-gateways',
  'before-ztunnel',
  'namespace',
  'default-tag',
  'before-old-revision-removal',
  'test-failure',
] as const;
export type GateKind = (typeof GATE_KINDS)[number];

interface StepBase {
  id: string;
  /** The phase status shows while this step runs. */
  phase: Phase;
}

/** Re-read the inventory, re-run the precheck catalog and `istioctl x precheck` for the target. */
export interface PrecheckStep extends StepBase {
  kind: 'precheck';
  targetVersion: string;
}

/** Wait for a human decision. A timeout resolves as `onTimeout`, never as an approval. */
export interface GateStep extends StepBase {
  kind: 'gate';
  gate: GateKind;
  /** What is being approved, in words: "upgrade the control plane to 1.28.0". */
  subject: string;
  timeoutSeconds: number;
  onTimeout: 'reject' | 'fail';
  /** Who may answer; the spec requires at least one while gates are on. */
  approvers: string[];
  allowSelfApproval: boolean;
}

/** An owner that applies the Helm releases instead of the runbook (`install.owner`). */
export type ReleaseOwner = 'terraform' | 'gitops';

/**
 * Set on a hop's control-plane steps when Terraform or GitOps owns the Helm releases. One change
 * per hop moves them all (one saved `terraform plan` then its apply; one commit merged and synced):
 * the hop's first step proposes it, shows it at `gate` (when the spec gates the control plane) and
 * applies it or waits for it to sync; the hop's later steps only verify what that change applied.
 */
export interface OwnerChange {
  owner: ReleaseOwner;
  /** Names the hop's change, the same on each of its steps: `owner@1.21.6`. */
  change: string;
  /** True on the step that proposes and applies the change; false on those that verify it. */
  applies: boolean;
  /**
   * The gate the applying step opens once the change is prepared, its subject completed with the
   * change itself (the saved plan's summary; the branch and diff); null when the spec has it off.
   */
  gate: GateStep | null;
}

/** The steps an owner's change applies: a hop's control-plane releases. */
export type OwnableStep = UpgradeBaseStep | UpgradeControlPlaneStep | UpgradeCniStep | UpgradeZtunnelStep;

export function isOwnable(step: Step): step is OwnableStep {
  return (
    step.kind === 'upgrade-base' ||
    step.kind === 'upgrade-control-plane' ||
    step.kind === 'upgrade-cni' ||
    step.kind === 'upgrade-ztunnel'
  );
}

/**
 * Install a new istiod revision beside the running one. For Sail this is setting
 * `Istio.spec.version` under RevisionBased, and Sail creates the IstioRevision `revision`.
 */
export interface InstallRevisionStep extends StepBase {
  kind: 'install-revision';
  method: InstallMethod;
  revision: string;
  version: string;
  namespace: string;
  /** Sail only: the `Istio` resource to update. */
  sailIstioName: string | null;
  /**
   * istioctl ambient: the install switches istio-cni and ztunnel off (`components.*.enabled:
   * false`), so they move only in their own steps, after their gate and watched by the stall
   * rule, not inside istioctl's readiness wait. Absent in plans made before it.
   */
  withoutNodeAgents?: boolean;
}

/**
 * Helm only: upgrade the `istio-base` release (CRDs, cluster roles, the default validating
 * webhook) to `version` before any istiod of that version runs, in place and for a canary alike.
 * https://istio.io/latest/docs/setup/upgrade/helm/ ("Upgrade the Istio base chart to ensure all
 * cluster-wide resources are up-to-date", before the istiod chart).
 */
export interface UpgradeBaseStep extends StepBase {
  kind: 'upgrade-base';
  method: 'helm';
  /** The Helm release, `istio-base` as the Helm guides name it. */
  release: string;
  namespace: string;
  fromVersion: string;
  version: string;
  /**
   * The chart's `defaultRevision` value to keep: the revision the default validating webhook
   * serves. It is not changed here: it moves only with the default tag (a MoveTagStep with tag
   * `default`). null: leave the value the release has.
   */
  defaultRevision: string | null;
  /** Terraform or GitOps applies this step's release (absent: the method's own tool does). */
  appliedBy?: OwnerChange;
}

/**
 * Upgrade the running istiod in place to `version` (one minor per hop).
 *
 * With istioctl the step is one `istioctl upgrade`, which applies the whole installation: it
 * also rolls the gateways it installed and, in ambient, istio-cni and ztunnel
 * (https://istio.io/latest/docs/setup/upgrade/in-place/). `alsoUpgrades` lists them: the step is
 * done when istiod and each of them run `version`; the plan then has no separate step for them.
 */
export interface UpgradeControlPlaneStep extends StepBase {
  kind: 'upgrade-control-plane';
  method: InstallMethod;
  /** The revision upgraded, `default` for an unrevisioned install. */
  revision: string;
  fromVersion: string;
  version: string;
  namespace: string;
  sailIstioName: string | null;
  /** What the same command also rolls to `version` (istioctl only; empty and false otherwise). */
  alsoUpgrades: { gateways: GatewayTarget[]; cni: boolean; ztunnel: boolean };
  /** Terraform or GitOps applies this step's release (absent: the method's own tool does). */
  appliedBy?: OwnerChange;
}

/** Roll the istio-cni DaemonSet (or Sail IstioCNI `default`) to `version`, node by node. */
export interface UpgradeCniStep extends StepBase {
  kind: 'upgrade-cni';
  method: InstallMethod;
  fromVersion: string | null;
  version: string;
  /** Terraform or GitOps applies this step's release (absent: the method's own tool does). */
  appliedBy?: OwnerChange;
}

/**
 * Roll the ztunnel DaemonSet (or Sail ZTunnel `default`) to `version`, node by node. ztunnel has
 * no revisions: one DaemonSet serves every revision, so even a canary upgrades it in place.
 */
export interface UpgradeZtunnelStep extends StepBase {
  kind: 'upgrade-ztunnel';
  method: InstallMethod;
  fromVersion: string | null;
  version: string;
  /**
   * The istiod revision ztunnel takes its configuration from after the step (Helm ztunnel chart
   * `revision` value, i.e. its xDS address `istiod-<revision>`; istioctl `--revision`). Set only
   * by a revision-based plan, after the new istiod is ready; null: leave it as it is.
   * https://istio.io/latest/docs/ambient/upgrade/helm/
   */
  revision: string | null;
  /** Terraform or GitOps applies this step's release (absent: the method's own tool does). */
  appliedBy?: OwnerChange;
}

export interface GatewayTarget {
  namespace: string;
  name: string;
  kind: 'ingress' | 'egress' | 'waypoint';
  /**
   * The `istio.io/rev` label its pod template (for a waypoint: its Gateway) carries after the
   * step: its tag when it was installed on one (unchanged: the tag moved, so the next upgrade
   * moves it too), the new revision only when it was pinned to the old revision name, null when
   * it carries none and follows the default revision. Set it when it differs, then restart.
   * https://istio.io/latest/docs/setup/upgrade/helm/ (gateways on revision tags)
   */
  revLabel: string | null;
}

/**
 * Move gateways (and waypoints) to the new control plane: set each one's `revLabel` where it
 * differs and restart; in place, only restart so they take the new proxy.
 */
export interface SwitchGatewaysStep extends StepBase {
  kind: 'switch-gateways';
  gateways: GatewayTarget[];
  version: string;
  /** The revision their new proxies must come from (for the check after the restart); null in place. */
  revision: string | null;
}

/** Point a namespace at the new revision by its `istio.io/rev` label. */
export interface MoveNamespaceStep extends StepBase {
  kind: 'move-namespace';
  namespace: string;
  /** What the namespace pointed at before (a revision, a tag, or `default` via istio-injection). */
  from: string;
  toRevision: string;
  /**
   * `remove`: drop `istio-injection`, which would win over `istio.io/rev`. `restore`: a rollback
   * puts back `istio-injection=enabled` (and drops `istio.io/rev`) where the upgrade removed it.
   */
  injectionLabel: 'remove' | 'restore' | 'unchanged';
}

/**
 * Repoint a revision tag: every namespace labelled with the tag moves at once.
 *
 * Tag `default` is the default revision: it serves `istio-injection=enabled` namespaces, pods
 * without a revision label and the default validating webhook. With istioctl: `istioctl tag set
 * default --revision <toRevision> --overwrite`; with Helm: the `revision-tags` of the istiod chart
 * and the `istio-base` release's `defaultRevision`; with Sail: the `IstioRevisionTag` named
 * `default`. `fromRevision` is `default` when the old control plane is the revision-less istiod
 * and no tag exists yet (the tag is created); in the rollback of that move, `toRevision` is
 * `default`: remove the tag, so the revision-less istiod is the default again.
 * https://istio.io/latest/docs/setup/upgrade/canary/#default-tag
 */
export interface MoveTagStep extends StepBase {
  kind: 'move-tag';
  method: InstallMethod;
  tag: string;
  fromRevision: string;
  toRevision: string;
  /** Namespaces that follow the tag, for the reader and for per-namespace progress. */
  namespaces: string[];
  /**
   * Sail only: the `spec.targetRef` to give the `IstioRevisionTag`. Kind `Istio` (the `Istio`
   * resource) makes the tag follow the active revision by itself from then on; kind
   * `IstioRevision` pins a revision name (used only by a rollback to the old revision).
   * https://github.com/istio-ecosystem/sail-operator/blob/main/docs/README.md#istiorevisiontag-resource
   */
  sailTargetRef: { kind: 'Istio' | 'IstioRevision'; name: string } | null;
}

/** Restart one Deployment, wait for its rollout, check its proxies, then run its test. */
export interface RestartWorkloadStep extends StepBase {
  kind: 'restart-workload';
  namespace: string;
  name: string;
  expectedVersion: string;
  /** The revision its new pods must be injected by; null in place (any revision at expectedVersion). */
  expectedRevision: string | null;
  test: WorkloadTest | null;
  /** `gate`: a failed test waits for a human; `rollback`: it rolls back at once. Kept for recorded plans: read `onFailure`. */
  onTestFailure: 'gate' | 'rollback';
  /**
   * What a failed test (or analysis) does here, from the spec's `onFailure` for its namespace:
   * `gate` waits for a human, `revert` puts its RevertUnit back on the old revision and goes on,
   * `rollback` undoes the upgrade at once. Absent in plans recorded before it existed: read
   * `step.onFailure ?? (step.onTestFailure === 'rollback' ? 'rollback' : 'gate')`.
   */
  onFailure?: FailureAction;
  /**
   * A workload pinned by its pod template's `istio.io/rev` (its namespace has no injection
   * label): the restart sets that label to this value, which is what moves it (the namespace's
   * label would decide otherwise: istio/istio#48316). Absent: the restart changes no label.
   */
  podRevLabel?: string;
}

/**
 * Run a workload's test without restarting it. In ambient mode a pod has no proxy of its own:
 * its traffic goes through ztunnel (and its waypoint), so it is verified after ztunnel has rolled
 * and the waypoints are programmed, namespace by namespace, before the old revision goes.
 * https://docs.redhat.com/en/documentation/red_hat_openshift_service_mesh/latest/html/updating/ossm-updating-openshift-service-mesh-in-ambient-mode
 */
export interface TestWorkloadStep extends StepBase {
  kind: 'test-workload';
  namespace: string;
  name: string;
  test: WorkloadTest;
  /** `gate`: a failed test waits for a human; `rollback`: it rolls back at once (as RestartWorkloadStep). */
  onTestFailure: 'gate' | 'rollback';
  /** As RestartWorkloadStep.onFailure; a revert here relabels the namespace's waypoints (ztunnel serves every namespace). */
  onFailure?: FailureAction;
}

/** Check that every proxy in `namespaces` (and the gateways) runs `version`. */
export interface VerifyProxiesStep extends StepBase {
  kind: 'verify-proxies';
  version: string;
  revision: string | null;
  namespaces: string[];
}

/** A durable timer: soak after the control plane, or grace before removing a revision. */
export interface SoakStep extends StepBase {
  kind: 'soak';
  seconds: number;
  pauseReason: 'soaking' | 'grace-period';
  /** What the wait is for, in words. */
  reason: string;
}

/**
 * Remove the old istiod revision once no proxy, gateway or tag uses it. With Sail the operator
 * deletes it itself after `inactiveRevisionDeletionGracePeriodSeconds`; the step waits for that.
 */
export interface RemoveOldRevisionStep extends StepBase {
  kind: 'remove-old-revision';
  method: InstallMethod;
  revision: string;
  version: string;
  namespace: string;
}

export type Step =
  | PrecheckStep
  | GateStep
  | UpgradeBaseStep
  | InstallRevisionStep
  | UpgradeControlPlaneStep
  | UpgradeCniStep
  | UpgradeZtunnelStep
  | SwitchGatewaysStep
  | MoveNamespaceStep
  | MoveTagStep
  | RestartWorkloadStep
  | TestWorkloadStep
  | VerifyProxiesStep
  | SoakStep
  | RemoveOldRevisionStep;
export type StepKind = Step['kind'];

/**
 * What a revert of one namespace, or of one workload pinned by its pod label, puts back: the
 * unit Istio's injection precedence allows (a namespace's `istio-injection` or `istio.io/rev`
 * decides; a pod's `istio.io/rev` counts only in a namespace with neither: istio/istio#48316).
 * One per namespace a revision-based plan moves (and per pinned workload it moves), in plan order.
 */
export interface RevertUnit {
  /** `namespace`: its label decides, every workload in it goes back; `workload`: one Deployment pinned by its pod label. */
  scope: 'namespace' | 'workload';
  namespace: string;
  /** The Deployment, for scope `workload`; null for a namespace. */
  workload: string | null;
  mode: DataPlaneMode;
  /** The revision it goes back to, and the proxy version that revision runs (the check after the restarts). */
  oldRevision: string;
  oldVersion: string;
  /** The revision the upgrade moves it to. */
  newRevision: string;
  /**
   * The labels that put it back, on the Namespace (scope `namespace`) or on the Deployment's pod
   * template (scope `workload`): what it carried before the upgrade, except that a tag the plan
   * moves is replaced by the old revision's name (the tag no longer points there).
   */
  restore: { set: Record<string, string>; remove: string[] };
  /** Deployments a revert restarts when the upgrade already restarted them, in the plan's order (sidecars only). */
  workloads: string[];
  /**
   * Ambient: the namespace's waypoints, each a Gateway relabelled `istio.io/rev=<revLabel>` so
   * its Deployment rolls back to the old revision. Empty for sidecars, and for an ambient
   * namespace without a waypoint, where a revert covers nothing (ztunnel serves every namespace).
   */
  waypoints: { namespace: string; name: string; revLabel: string }[];
  /** False where a revert can do nothing (an ambient namespace without a waypoint): `revert` is refused there. */
  revertible: boolean;
  /** What a revert covers here, in words, for `plan`, the failure gate and Slack. */
  covers: string;
  /** The spec's `onFailure` for this namespace. */
  onFailure: FailureAction;
}

/**
 * A plan that finishes a partial upgrade: the new revision is installed and running the target,
 * and what a revert put back (marked `istio-upgrade.io/reverted`) is all that is left to move.
 */
export interface Continuation {
  /** The workflow id of the upgrade that reverted them (the latest, when marks name several). */
  upgrade: string;
  /** What was reverted and why, as the marks say, in plan order. */
  reverted: { namespace: string; workload: string | null; reason: string; at: string }[];
}

export interface Plan {
  kind: 'upgrade' | 'rollback';
  /** The cluster name from the spec, else the kubeconfig context, else null. */
  cluster: string | null;
  method: InstallMethod;
  /** Who applies the Helm releases when not the runbook itself (`install.owner`); absent: the method's tool. */
  owner?: ReleaseOwner;
  mode: DataPlaneMode;
  strategy: Strategy;
  /** The version running before (for a rollback: the version being left). */
  source: string;
  target: string;
  /** Versions the control plane passes through, ending at target, and where each patch came from. */
  hops: { version: string; patchFrom: 'spec' | 'release-list' | 'target' }[];
  /** For revision-based plans: the revision being left and the one installed. */
  revisions: { from: string; to: string } | null;
  /** How many restart-workload steps in a row the workflow may run at once. */
  concurrency: number;
  steps: Step[];
  /** Things the operator should know that are not checks on the cluster (e.g. a jump past two minors). */
  warnings: string[];
  findings: Finding[];
  /**
   * What each install step must have produced before the next starts, by step id (see
   * verification.ts). Optional: plans recorded before it existed (a rollback's input) lack it.
   */
  verifications?: Record<string, Verification>;
  /** When the inventory the plan rests on was read. */
  observedAt: string;
  /** What a revert of each namespace (or pinned workload) puts back; absent in recorded plans and in rollbacks. */
  reverts?: RevertUnit[];
  /** Set when this plan finishes a partial upgrade (it installs nothing); absent otherwise. */
  continues?: Continuation;
  /** Metric analysis: where it runs, on which workloads, with which checks (core/analysis/plan.ts). Absent without `analysis:` in the spec. */
  analysis?: AnalysisPlan;
}

function names(items: readonly string[]): string {
  return items.length === 0 ? 'none' : items.join(', ');
}

/** One human sentence per step, as the CLI, status and Slack show it. */
export function describe(step: Step): string {
  const owned = isOwnable(step) ? step.appliedBy : undefined;
  return owned === undefined ? describeStep(step) : `${describeStep(step)} ${describeOwner(owned)}`;
}

/** Who applies an owned step's release, and how the runbook learns it happened. */
function describeOwner(owned: OwnerChange): string {
  const version = owned.change.replace(/^owner@/, '');
  const gate = owned.gate === null ? '' : `, shown at a gate for ${owned.gate.approvers.join(' or ')}`;
  if (!owned.applies)
    return owned.owner === 'terraform'
      ? `Applied by the hop's terraform apply; verified here.`
      : `Applied when the hop's commit syncs; verified here.`;
  return owned.owner === 'terraform'
    ? `Through Terraform: \`terraform plan\` with the version variable at ${version} is saved${gate}, and exactly that saved plan is applied; it moves every release of the hop.`
    : `Through GitOps: the chart version ${version} is committed to the change branch${gate} for the team to merge; the runbook waits for the cluster to sync it.`;
}

function describeStep(step: Step): string {
  switch (step.kind) {
    case 'precheck':
      return `Re-read the cluster and run the precheck catalog and \`istioctl x precheck\` for ${step.targetVersion}.`;
    case 'gate': {
      const who = step.approvers.join(' or ');
      const self = step.allowSelfApproval ? '' : ' (not the initiator)';
      return `Gate: wait for ${who}${self} to approve: ${step.subject} (times out after ${formatDuration(step.timeoutSeconds)} as ${step.onTimeout === 'reject' ? 'a rejection' : 'a failure'}).`;
    }
    case 'upgrade-base':
      return `Upgrade Helm release ${step.release} (CRDs, validating webhook) in ${step.namespace} from ${step.fromVersion} to ${step.version}${step.defaultRevision ? `, keeping defaultRevision ${step.defaultRevision}` : ''}.`;
    case 'install-revision':
      return step.method === 'sail'
        ? `Set Istio ${step.sailIstioName ?? 'default'} to ${step.version} so Sail installs revision ${step.revision} beside the old one.`
        : `Install istiod revision ${step.revision} (${step.version}) with ${step.method} in ${step.namespace}, beside the old one${step.withoutNodeAgents === true ? ', leaving istio-cni and ztunnel to their own steps' : ''}.`;
    case 'upgrade-control-plane': {
      const also = [
        ...(step.alsoUpgrades.gateways.length > 0
          ? [`gateways ${names(step.alsoUpgrades.gateways.map((gateway) => `${gateway.namespace}/${gateway.name}`))}`]
          : []),
        ...(step.alsoUpgrades.cni ? ['istio-cni'] : []),
        ...(step.alsoUpgrades.ztunnel ? ['ztunnel'] : []),
      ];
      const rolls =
        also.length > 0 ? `; the same command rolls ${also.join(', ')}: wait until each runs ${step.version}` : '';
      return step.method === 'sail'
        ? `Set Istio ${step.sailIstioName ?? 'default'} to ${step.version} and wait for istiod to roll (from ${step.fromVersion}).`
        : `Upgrade istiod (revision ${step.revision}) in place from ${step.fromVersion} to ${step.version} with ${step.method}${rolls}.`;
    }
    case 'upgrade-cni':
      return `Upgrade istio-cni to ${step.version} node by node${step.fromVersion ? ` (from ${step.fromVersion})` : ''}.`;
    case 'upgrade-ztunnel':
      return `Upgrade ztunnel to ${step.version} node by node${step.fromVersion ? ` (from ${step.fromVersion})` : ''}${step.revision ? `, pointing it at istiod revision ${step.revision}` : ''}.`;
    case 'switch-gateways': {
      if (!step.revision)
        return `Restart gateways ${names(step.gateways.map((gateway) => `${gateway.namespace}/${gateway.name}`))} so they run ${step.version}.`;
      const label = (gateway: GatewayTarget) =>
        `${gateway.namespace}/${gateway.name} (${gateway.revLabel === null ? 'no istio.io/rev: default revision' : `istio.io/rev=${gateway.revLabel}`})`;
      const gateways = step.gateways.filter((gateway) => gateway.kind !== 'waypoint');
      const waypoints = step.gateways.filter((gateway) => gateway.kind === 'waypoint');
      // istiod re-renders a waypoint's Deployment from its Gateway: it is relabelled or follows its tag, never restarted.
      return [
        ...(gateways.length > 0
          ? [`Move gateways ${names(gateways.map(label))} to revision ${step.revision} and restart them.`]
          : []),
        ...(waypoints.length > 0
          ? [
              `Move waypoints ${names(waypoints.map(label))} to revision ${step.revision} (a Gateway label naming the old revision is relabelled; one on a tag follows it) and wait for them to roll.`,
            ]
          : []),
      ].join(' ');
    }
    case 'move-namespace': {
      const labels =
        step.injectionLabel === 'restore'
          ? 'label istio-injection=enabled, remove istio.io/rev'
          : `label istio.io/rev=${step.toRevision}${step.injectionLabel === 'remove' ? ', remove istio-injection' : ''}`;
      return `Move namespace ${step.namespace} from ${step.from} to revision ${step.toRevision} (${labels}).`;
    }
    case 'move-tag': {
      const how = step.sailTargetRef
        ? ` (IstioRevisionTag targetRef ${step.sailTargetRef.kind} ${step.sailTargetRef.name})`
        : '';
      if (step.tag === 'default' && step.toRevision === 'default')
        return `Remove tag default so the revision-less istiod is the default revision again (from ${step.fromRevision}).`;
      const what =
        step.tag === 'default'
          ? 'the default revision (tag default: istio-injection=enabled namespaces, unlabelled pods, the validating webhook)'
          : `revision tag ${step.tag}`;
      return `Move ${what} from ${step.fromRevision} to ${step.toRevision}${how} (namespaces: ${names(step.namespaces)}).`;
    }
    case 'restart-workload': {
      const test = step.test
        ? `, then run its ${step.test.http ? 'HTTP' : step.test.command ? 'command' : 'Job'} test`
        : '';
      const relabel = step.podRevLabel
        ? `Set istio.io/rev=${step.podRevLabel} on the pod template of ${step.namespace}/${step.name} (pinned by its pod label), restart it`
        : `Restart ${step.namespace}/${step.name}`;
      return `${relabel} and check its proxies run ${step.expectedVersion}${step.expectedRevision ? ` from ${step.expectedRevision}` : ''}${test}.`;
    }
    case 'test-workload':
      return `Test ${step.namespace}/${step.name} through ztunnel with its ${step.test.http ? 'HTTP' : step.test.command ? 'command' : 'Job'} test (no restart).`;
    case 'verify-proxies':
      return `Verify every proxy ${step.namespaces.length > 0 ? `in ${names(step.namespaces)} and ` : 'of '}the gateways runs ${step.version}${step.revision ? ` from revision ${step.revision}` : ''}.`;
    case 'soak':
      return `Wait ${formatDuration(step.seconds)}: ${step.reason}.`;
    case 'remove-old-revision':
      return step.method === 'sail'
        ? `Wait for Sail to delete the unused revision ${step.revision} (${step.version}).`
        : `Remove revision ${step.revision} (${step.version}) with ${step.method} once no proxy or tag uses it.`;
  }
}
