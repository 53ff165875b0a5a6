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
import type { DataPlaneMode, InstallMethod, Strategy, WorkloadTest } from '../spec/schema.js';
import { formatDuration } from '../spec/duration.js';

/** The gates a spec can turn on. A failed test also gates (see RestartWorkloadStep.onTestFailure). */
export const GATE_KINDS = ['before-control-plane', 'before-gateways', 'namespace', 'before-old-revision-removal', 'test-failure'] as const;
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
}

/** Upgrade the running istiod in place to `version` (one minor per hop). */
export interface UpgradeControlPlaneStep extends StepBase {
  kind: 'upgrade-control-plane';
  method: InstallMethod;
  /** The revision upgraded, `default` for an unrevisioned install. */
  revision: string;
  fromVersion: string;
  version: string;
  namespace: string;
  sailIstioName: string | null;
}

/** Roll the istio-cni DaemonSet (or Sail IstioCNI `default`) to `version`, node by node. */
export interface UpgradeCniStep extends StepBase {
  kind: 'upgrade-cni';
  method: InstallMethod;
  fromVersion: string | null;
  version: string;
}

/** Roll the ztunnel DaemonSet (or Sail ZTunnel `default`) to `version`, node by node. */
export interface UpgradeZtunnelStep extends StepBase {
  kind: 'upgrade-ztunnel';
  method: InstallMethod;
  fromVersion: string | null;
  version: string;
}

export interface GatewayTarget {
  namespace: string;
  name: string;
  kind: 'ingress' | 'egress' | 'waypoint';
}

/**
 * Move gateways (and waypoints) to the new control plane: with revisions, relabel
 * `istio.io/rev` to `revision` and restart; in place, restart so they take the new proxy.
 */
export interface SwitchGatewaysStep extends StepBase {
  kind: 'switch-gateways';
  gateways: GatewayTarget[];
  version: string;
  /** The revision to label them with; null for an in-place upgrade (only a restart). */
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

/** Repoint a revision tag: every namespace labelled with the tag moves at once. */
export interface MoveTagStep extends StepBase {
  kind: 'move-tag';
  method: InstallMethod;
  tag: string;
  fromRevision: string;
  toRevision: string;
  /** Namespaces that follow the tag, for the reader and for per-namespace progress. */
  namespaces: string[];
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
  /** `gate`: a failed test waits for a human; `rollback`: it rolls back at once. */
  onTestFailure: 'gate' | 'rollback';
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
  | InstallRevisionStep
  | UpgradeControlPlaneStep
  | UpgradeCniStep
  | UpgradeZtunnelStep
  | SwitchGatewaysStep
  | MoveNamespaceStep
  | MoveTagStep
  | RestartWorkloadStep
  | VerifyProxiesStep
  | SoakStep
  | RemoveOldRevisionStep;
export type StepKind = Step['kind'];

export interface Plan {
  kind: 'upgrade' | 'rollback';
  /** The cluster name from the spec, else the kubeconfig context, else null. */
  cluster: string | null;
  method: InstallMethod;
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
  /** When the inventory the plan rests on was read. */
  observedAt: string;
}

function names(items: readonly string[]): string {
  return items.length === 0 ? 'none' : items.join(', ');
}

/** One human sentence per step, as the CLI, status and Slack show it. */
export function describe(step: Step): string {
  switch (step.kind) {
    case 'precheck':
      return `Re-read the cluster and run the precheck catalog and \`istioctl x precheck\` for ${step.targetVersion}.`;
    case 'gate': {
      const who = step.approvers.join(' or ');
      const self = step.allowSelfApproval ? '' : ' (not the initiator)';
      return `Gate: wait for ${who}${self} to approve: ${step.subject} (times out after ${formatDuration(step.timeoutSeconds)} as ${step.onTimeout === 'reject' ? 'a rejection' : 'a failure'}).`;
    }
    case 'install-revision':
      return step.method === 'sail'
        ? `Set Istio ${step.sailIstioName ?? 'default'} to ${step.version} so Sail installs revision ${step.revision} beside the old one.`
        : `Install istiod revision ${step.revision} (${step.version}) with ${step.method} in ${step.namespace}, beside the old one.`;
    case 'upgrade-control-plane':
      return step.method === 'sail'
        ? `Set Istio ${step.sailIstioName ?? 'default'} to ${step.version} and wait for istiod to roll (from ${step.fromVersion}).`
        : `Upgrade istiod (revision ${step.revision}) in place from ${step.fromVersion} to ${step.version} with ${step.method}.`;
    case 'upgrade-cni':
      return `Upgrade istio-cni to ${step.version} node by node${step.fromVersion ? ` (from ${step.fromVersion})` : ''}.`;
    case 'upgrade-ztunnel':
      return `Upgrade ztunnel to ${step.version} node by node${step.fromVersion ? ` (from ${step.fromVersion})` : ''}.`;
    case 'switch-gateways': {
      const list = names(step.gateways.map((gateway) => `${gateway.namespace}/${gateway.name}`));
      return step.revision
        ? `Move gateways ${list} to revision ${step.revision} and restart them.`
        : `Restart gateways ${list} so they run ${step.version}.`;
    }
    case 'move-namespace': {
      const labels =
        step.injectionLabel === 'restore'
          ? 'label istio-injection=enabled, remove istio.io/rev'
          : `label istio.io/rev=${step.toRevision}${step.injectionLabel === 'remove' ? ', remove istio-injection' : ''}`;
      return `Move namespace ${step.namespace} from ${step.from} to revision ${step.toRevision} (${labels}).`;
    }
    case 'move-tag':
      return `Move revision tag ${step.tag} from ${step.fromRevision} to ${step.toRevision} (namespaces: ${names(step.namespaces)}).`;
    case 'restart-workload': {
      const test = step.test ? `, then run its ${step.test.http ? 'HTTP' : step.test.command ? 'command' : 'Job'} test` : '';
      return `Restart ${step.namespace}/${step.name} and check its proxies run ${step.expectedVersion}${step.expectedRevision ? ` from ${step.expectedRevision}` : ''}${test}.`;
    }
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
