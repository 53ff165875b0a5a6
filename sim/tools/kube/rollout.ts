/**
 * Waits until Deployments and DaemonSets have rolled out, by the same status fields
 * `kubectl rollout status` reads. Polling keeps it simple; the tools wait seconds, not hours.
 */
import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import { ToolError } from '../cli/tool-error.js';
import type { Kube } from './connect.js';

export interface Workload {
  kind: 'Deployment' | 'DaemonSet';
  namespace: string;
  name: string;
}

export function deploymentDone(d: V1Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status;
  return (
    (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    (s?.updatedReplicas ?? 0) === want &&
    (s?.replicas ?? 0) === want &&
    (s?.availableReplicas ?? 0) === want
  );
}

export function daemonSetDone(ds: V1DaemonSet): boolean {
  const s = ds.status;
  return (
    (s?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0) &&
    (s?.updatedNumberScheduled ?? 0) === s?.desiredNumberScheduled &&
    (s?.numberAvailable ?? 0) === s?.desiredNumberScheduled
  );
}

async function done(kube: Kube, w: Workload): Promise<boolean> {
  if (w.kind === 'Deployment')
    return deploymentDone(await kube.apps.readNamespacedDeployment({ namespace: w.namespace, name: w.name }));
  return daemonSetDone(await kube.apps.readNamespacedDaemonSet({ namespace: w.namespace, name: w.name }));
}

/** Resolves when every workload is rolled out; fails with the ones still pending at the deadline. */
export async function waitForRollout(
  kube: Kube,
  workloads: readonly Workload[],
  timeoutMs: number,
  timeoutMessage: (pending: Workload[]) => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...workloads];
  for (;;) {
    const states = await Promise.all(pending.map(async (w) => ((await done(kube, w)) ? undefined : w)));
    pending = states.filter((w): w is Workload => w !== undefined);
    if (pending.length === 0) return;
    if (Date.now() >= deadline) throw new ToolError(timeoutMessage(pending));
    await new Promise((r) => setTimeout(r, 100));
  }
}
