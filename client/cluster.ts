/**
 * Reading the cluster for a plan (list calls only, never a write), with the failures an operator
 * can act on: a missing kubeconfig or context is a usage error (kubeconfig.ts), an unreachable API
 * server names the server and the flags that choose it.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { createKubeClients } from '../activities/kubernetes/clients.js';
import { createInventoryActivities } from '../activities/kubernetes/inventory.js';
import type { Inventory } from '../core/inventory.js';
import { cliFailure, messageOf } from './errors.js';
import { loadKubeConfig, type KubeconfigChoice } from './kubeconfig.js';

export interface InventorySource extends KubeconfigChoice {
  controlPlaneNamespace: string;
}

/** The kubernetes adapter's reader: list calls only, so planning never writes to the cluster. */
function listInventory(kubeConfig: KubeConfig, controlPlaneNamespace: string): Promise<Inventory> {
  return createInventoryActivities(createKubeClients(kubeConfig)).readInventory({ controlPlaneNamespace });
}

export async function readClusterInventory(source: InventorySource): Promise<Inventory> {
  return listInventory(await loadKubeConfig(source), source.controlPlaneNamespace);
}

/** As readClusterInventory, with a cluster that does not answer reported by its server's address. */
export async function readInventory(choice: KubeconfigChoice, controlPlaneNamespace: string): Promise<Inventory> {
  const kubeConfig = await loadKubeConfig(choice);
  try {
    return await listInventory(kubeConfig, controlPlaneNamespace);
  } catch (err) {
    const context = choice.context ? ` (context ${choice.context})` : '';
    throw cliFailure(
      `the cluster is not reachable at ${kubeConfig.getCurrentCluster()?.server ?? 'no server'}${context}: ${messageOf(err)}; check --kubeconfig and --context`,
      err,
    );
  }
}
