/** Waits for a Deployment or DaemonSet rollout to finish, by `kubectl rollout status` rules. */
import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import { read } from './call.js';
import type { KubeClients } from './clients.js';
import type { RestartedObject } from './restart.js';
import {
  daemonSetRolloutStatus,
  deploymentRolloutStatus,
  type RolloutProgress,
  type WorkloadKind,
} from './rollout-status.js';
import { watchUntil, type WatchOptions } from './watch-until.js';

export interface WaitForRolloutInput extends WatchOptions {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** The generation returned by the write that started the rollout; an older object is not done. */
  minGeneration?: number;
}

export interface RolloutResult {
  message: string;
  progress: RolloutProgress;
  watches: number;
}

export type RolledOutObject = { kind: 'Deployment'; object: V1Deployment } | { kind: 'DaemonSet'; object: V1DaemonSet };

/**
 * The wait itself. Given the object a restart just returned, it starts watching from that
 * object's resourceVersion instead of reading it again; the object that ended the wait comes back
 * with the result, so a caller that needs its selector need not read it either.
 */
export async function waitForRolloutOf(
  clients: KubeClients,
  input: WaitForRolloutInput,
  start?: RestartedObject,
): Promise<RolloutResult & RolledOutObject> {
  const ref = { namespace: input.namespace, name: input.name };
  const group = `/apis/apps/v1/namespaces/${encodeURIComponent(input.namespace)}`;
  const minGeneration = input.minGeneration ?? start?.object.metadata?.generation ?? 0;
  // A stale read (a cache behind the write that started the rollout) must not count as done.
  const notYet = {
    state: 'progressing',
    message: `waiting for generation ${minGeneration}`,
    progress: { desired: 0, updated: 0, available: 0 },
  } as const;
  if (input.kind === 'Deployment') {
    const outcome = await watchUntil<V1Deployment, RolloutProgress>(
      clients,
      {
        listPath: `${group}/deployments`,
        name: input.name,
        describe: `deployment ${input.namespace}/${input.name}`,
        read: () =>
          read(`read deployment ${input.namespace}/${input.name}`, () => clients.apps.readNamespacedDeployment(ref)),
        evaluate: (d) => ((d.metadata?.generation ?? 0) < minGeneration ? notYet : deploymentRolloutStatus(d)),
        ...(start?.kind === 'Deployment' && { start: start.object }),
      },
      input,
    );
    return {
      message: outcome.message,
      progress: outcome.progress,
      watches: outcome.watches,
      kind: 'Deployment',
      object: outcome.object,
    };
  }
  const outcome = await watchUntil<V1DaemonSet, RolloutProgress>(
    clients,
    {
      listPath: `${group}/daemonsets`,
      name: input.name,
      describe: `daemon set ${input.namespace}/${input.name}`,
      read: () =>
        read(`read daemon set ${input.namespace}/${input.name}`, () => clients.apps.readNamespacedDaemonSet(ref)),
      evaluate: (d) => ((d.metadata?.generation ?? 0) < minGeneration ? notYet : daemonSetRolloutStatus(d)),
      ...(start?.kind === 'DaemonSet' && { start: start.object }),
    },
    input,
  );
  return {
    message: outcome.message,
    progress: outcome.progress,
    watches: outcome.watches,
    kind: 'DaemonSet',
    object: outcome.object,
  };
}

export function createRolloutActivities(clients: KubeClients) {
  return {
    waitForRollout: async (input: WaitForRolloutInput): Promise<RolloutResult> => {
      // A separate activity has no object in hand (only the generation crossed the workflow): it reads first.
      const { message, progress, watches } = await waitForRolloutOf(clients, input);
      return { message, progress, watches };
    },
  };
}
