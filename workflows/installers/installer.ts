/**
 * One installer per install method (istioctl, Helm, Sail) behind one interface, so the step
 * executors read like the runbook and a new method is one file plus one case in `installerFor`.
 * Installers live on the workflow side: they only orchestrate the per-system activities and say
 * what each change waits for before the runbook goes on.
 */
import type {
  InstallRevisionStep,
  MoveTagStep,
  PrecheckStep,
  RemoveOldRevisionStep,
  UpgradeBaseStep,
  UpgradeCniStep,
  UpgradeControlPlaneStep,
  UpgradeZtunnelStep,
} from '../../core/plan/steps.js';
import type { StepContext } from '../steps/context.js';
import { nodeAgentDaemonSet } from '../../core/plan/verification.js';

/** How long a tool may wait for istiod, a gateway or a node agent to be ready. */
export const ROLLOUT_DEADLINE_SECONDS = 600;

export type NodeAgentStep = UpgradeCniStep | UpgradeZtunnelStep;

export interface DaemonSetRef {
  namespace: string;
  name: string;
}

export interface Installer {
  /** The installer's own analysis of the target version (istioctl's `x precheck`); null when it has none. */
  analyze(step: PrecheckStep, context: StepContext): Promise<string | null>;
  /** Helm's `base` chart (CRDs, the default validating webhook); only installers with one define it. */
  upgradeBase?(step: UpgradeBaseStep, context: StepContext): Promise<string>;
  /** Install a revision beside the old one; returns once its istiod runs the version. */
  installRevision(step: InstallRevisionStep, context: StepContext): Promise<string>;
  /** Upgrade a control plane in place; returns once istiod, and whatever else the same command rolls, runs the version. */
  upgradeControlPlane(step: UpgradeControlPlaneStep, context: StepContext): Promise<string>;
  /**
   * Roll istio-cni or ztunnel to the step's version. Returns the DaemonSet to watch roll node by
   * node (the one the inventory found, else the one the method creates), or null when none is known.
   */
  upgradeNodeAgent(step: NodeAgentStep, found: DaemonSetRef | null, context: StepContext): Promise<DaemonSetRef | null>;
  /** The method's own verdict once the node agent's DaemonSet rolled (Sail's Ready); none for the others. */
  nodeAgentReady?(step: NodeAgentStep, context: StepContext): Promise<void>;
  /** Repoint a revision tag (the default tag included). */
  moveTag(step: MoveTagStep, context: StepContext): Promise<string>;
  /**
   * Remove the old revision. `assertUnused` asks the cluster what still uses it and throws
   * RevisionInUse naming the users: the installer runs it before anything irreversible.
   */
  removeRevision(step: RemoveOldRevisionStep, context: StepContext, assertUnused: () => Promise<void>): Promise<string>;
  /** Whether a rollback can bring back a removed old revision (Sail re-creates it from `Istio.spec.version`). */
  readonly recreatesRemovedRevision: boolean;
}

export const nodeAgentName = (step: NodeAgentStep) => (step.kind === 'upgrade-cni' ? 'istio-cni' : 'ztunnel');

/** The DaemonSet a method that installs node agents itself (istioctl, Helm) names them by, in the control plane's namespace. */
export function installedDaemonSet(step: NodeAgentStep, context: StepContext): DaemonSetRef {
  return {
    namespace: context.spec.install.namespace,
    name: nodeAgentDaemonSet(nodeAgentName(step)),
  };
}
