/**
 * The control plane: install a revision beside the old one, or upgrade one in place, by whatever
 * installs this mesh. Each returns once istiod runs the new version (the installer knows what to
 * wait for); Helm's base chart goes first on every hop, where the installer has one.
 */
import type { InstallRevisionStep, UpgradeBaseStep, UpgradeControlPlaneStep } from '../../core/plan/steps.js';
import { workflowFailure } from '../failures.js';
import type { Installer } from '../installers/installer.js';
import type { StepContext } from './context.js';

export async function upgradeBase(step: UpgradeBaseStep, context: StepContext, installer: Installer): Promise<string> {
  if (installer.upgradeBase === undefined)
    throw workflowFailure('Validation', `${step.id}: this install method has no base chart`);
  return installer.upgradeBase(step, context);
}

export const installRevision = (step: InstallRevisionStep, context: StepContext, installer: Installer) =>
  installer.installRevision(step, context);

export const upgradeControlPlane = (step: UpgradeControlPlaneStep, context: StepContext, installer: Installer) =>
  installer.upgradeControlPlane(step, context);
