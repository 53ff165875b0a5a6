/**
 * Reading the cluster for a plan (list calls only, never a write), with the failures an operator
 * can act on: a missing kubeconfig or context is a usage error, an unreachable API server names
 * the server and the flags that choose it.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Inventory } from '../core/inventory.js';
import { InvalidInput, readClusterInventory } from './commands/plan.js';
import { failure, messageOf, usage } from './errors.js';

export interface ClusterChoice {
  kubeconfig?: string;
  context?: string;
}

function serverOf(choice: ClusterChoice): string {
  try {
    const config = new KubeConfig();
    if (choice.kubeconfig) config.loadFromFile(choice.kubeconfig);
    else config.loadFromDefault();
    if (choice.context) config.setCurrentContext(choice.context);
    return config.getCurrentCluster()?.server ?? 'no server';
  } catch {
    return choice.kubeconfig ?? 'the default kubeconfig';
  }
}

export async function readInventory(choice: ClusterChoice, controlPlaneNamespace: string): Promise<Inventory> {
  if (choice.kubeconfig !== undefined) {
    const { access } = await import('node:fs/promises');
    await access(choice.kubeconfig).catch((err: unknown) => {
      throw usage(`--kubeconfig: cannot read ${choice.kubeconfig}: ${messageOf(err)}`, err);
    });
  }
  try {
    return await readClusterInventory({ ...choice, controlPlaneNamespace });
  } catch (err) {
    if (err instanceof InvalidInput) throw usage(err.message, err);
    const context = choice.context ? ` (context ${choice.context})` : '';
    throw failure(`the cluster is not reachable at ${serverOf(choice)}${context}: ${messageOf(err)}; check --kubeconfig and --context`, err);
  }
}
