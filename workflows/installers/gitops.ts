/** GitOps owns the Helm releases (install.owner: gitops). Scaffold: the adapter is being built. */
import { workflowFailure } from '../failures.js';
import { ownedInstaller } from './owned.js';

export const gitops = ownedInstaller({
  apply: (step) => Promise.reject(workflowFailure('Validation', `${step.id}: install.owner gitops is not built yet`)),
});
