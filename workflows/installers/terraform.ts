/**
 * Terraform owns the Helm releases (install.owner: terraform). Each hop is one `terraform plan`
 * with the version variable at the hop's version, saved on the worker and shown at the hop's
 * control-plane gate with what it changes (releases and chart versions, never values or other
 * variables), then exactly that saved plan applied. The plan may change only the hop's Helm
 * releases (UnplannedChange otherwise); a state lock held by another run stops at a failure gate
 * naming it (StateLocked). The step executors then verify the releases and workloads as for Helm.
 */
import { isOwnable } from '../../core/plan/steps.js';
import type { OwnerChange, Plan } from '../../core/plan/steps.js';
import { waits } from '../activities.js';
import { workflowFailure } from '../failures.js';
import { approvalGate } from '../steps/approval.js';
import type { StepContext } from '../steps/context.js';
import { ownedInstaller, type OwnedStep } from './owned.js';

/** How long a plan or apply waits for a state lock another run holds, before it stops at a gate naming the lock. */
export const TERRAFORM_LOCK_TIMEOUT_SECONDS = 20;

/** The hop's Helm releases (`namespace/name`): what its steps verify, the only resources its plan may change. */
function hopReleases(plan: Plan, change: OwnerChange): string[] {
  const releases = plan.steps
    .filter((step) => isOwnable(step) && step.appliedBy?.change === change.change)
    .flatMap((step) => plan.verifications?.[step.id]?.releases ?? [])
    .map((release) => `${release.namespace}/${release.release}`);
  return [...new Set(releases)];
}

async function apply(step: OwnedStep, change: OwnerChange, context: StepContext): Promise<string> {
  const settings = context.spec.install.terraform;
  if (settings === undefined)
    throw workflowFailure('Validation', `${step.id}: install.terraform: required when install.owner is terraform`);
  const { workingDirectory, versionVariable } = settings;
  const version = step.version;
  const releases = hopReleases(context.plan, change);
  const stepKey = context.attempt > 1 ? `${step.id}#${context.attempt}` : step.id;
  const saved = await waits(`terraform plan ${versionVariable}=${version}`).terraformPlan({
    workingDirectory,
    versionVariable,
    version,
    upgradeKey: context.upgradeKey,
    stepKey,
    releases,
    lockTimeoutSeconds: TERRAFORM_LOCK_TIMEOUT_SECONDS,
  });
  if (saved.planFile === null || saved.sha256 === null)
    return `terraform plan with ${versionVariable}=${version} changes nothing: ${releases.join(', ')} already applied`;
  const shown = `terraform plan with ${versionVariable}=${version}, saved as ${saved.sha256.slice(0, 12)}: ${saved.summary.join('; ')}`;
  const approval =
    change.gate === null
      ? null
      : await approvalGate({ ...change.gate, subject: `${change.gate.subject}. ${shown}` }, context);
  const applied = await waits(`terraform apply (saved plan ${saved.sha256.slice(0, 12)})`).terraformApply({
    workingDirectory,
    versionVariable,
    version,
    planFile: saved.planFile,
    sha256: saved.sha256,
    lockTimeoutSeconds: TERRAFORM_LOCK_TIMEOUT_SECONDS,
  });
  return `${shown}${approval === null ? '' : `; ${approval}`}; ${applied.applied ? applied.outcome : `not applied again: ${applied.outcome}`}`;
}

export const terraform = ownedInstaller({ apply });
