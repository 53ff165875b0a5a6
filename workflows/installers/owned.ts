/**
 * The installer for Helm releases owned by Terraform or GitOps. If the runbook ran helm on such
 * releases, the owner would put them back (GitOps) or its state would drift (Terraform), so the
 * runbook changes the owner instead, once per hop, on the hop's first control-plane step; the
 * hop's other steps find their release already applied, and the step executors verify it (releases
 * deployed at the hop's chart version, istiod ready, node agents rolled node by node) exactly as
 * they do for Helm. Only in-place hops: the spec refuses a revision canary through an owner.
 */
import type { OwnerChange, UpgradeBaseStep, UpgradeControlPlaneStep } from '../../core/plan/steps.js';
import { workflowFailure } from '../failures.js';
import type { StepContext } from '../steps/context.js';
import { installedDaemonSet } from './installer.js';
import type { Installer, NodeAgentStep } from './installer.js';

export type OwnedStep = UpgradeBaseStep | UpgradeControlPlaneStep | NodeAgentStep;

/** What an owner does for a hop: propose its change, show it at the change's gate, then apply it or wait for it to sync. */
export interface OwnerAdapter {
  /** Returns what happened, for the step's note. Idempotent: a retried or replayed step finds its change applied. */
  apply(step: OwnedStep, change: OwnerChange, context: StepContext): Promise<string>;
}

function ownedChange(step: OwnedStep): OwnerChange {
  if (step.appliedBy === undefined)
    throw workflowFailure('Validation', `${step.id}: the plan names no owner for a release the owner installs`);
  return step.appliedBy;
}

async function applyOrVerify(adapter: OwnerAdapter, step: OwnedStep, context: StepContext): Promise<string> {
  const change = ownedChange(step);
  if (change.applies) return adapter.apply(step, change, context);
  return `applied by ${change.owner} with the hop's change (${change.change})`;
}

function notThroughOwner(what: string): never {
  throw workflowFailure(
    'Validation',
    `${what} is not done through an owner: an upgrade through Terraform or GitOps is in place (install.strategy in-place)`,
  );
}

export function ownedInstaller(adapter: OwnerAdapter): Installer {
  return {
    recreatesRemovedRevision: false,
    analyze: () => Promise.resolve(null),
    upgradeBase: (step, context) => applyOrVerify(adapter, step, context),
    upgradeControlPlane: (step, context) => applyOrVerify(adapter, step, context),
    async upgradeNodeAgent(step, found, context) {
      await applyOrVerify(adapter, step, context);
      return found ?? installedDaemonSet(step, context);
    },
    installRevision: () => notThroughOwner('installing a revision beside the old one'),
    moveTag: () => notThroughOwner('moving a revision tag'),
    removeRevision: () => notThroughOwner('removing an old revision'),
  };
}
