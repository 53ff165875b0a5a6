/** Terraform owns the Helm releases (install.owner: terraform). Scaffold: the adapter is being built. */
import { workflowFailure } from '../failures.js';
import { ownedInstaller } from './owned.js';

export const terraform = ownedInstaller({
  apply: (step) =>
    Promise.reject(workflowFailure('Validation', `${step.id}: install.owner terraform is not built yet`)),
});
