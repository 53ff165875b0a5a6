/** Waits for a Deployment or DaemonSet rollout to finish, by `kubectl rollout status` rules. */
import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import { read } from './call.js';
import type { KubeClients } from './clients.js';
import type { RestartedObject } from './restart.js';
import { describeStuck, type StuckRollout } from './rollout-stuck.js';
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

export interface ReadRolloutInput {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** The generation the write that started the rollout returned; an older object is not done. */
  minGeneration?: number;
}

/** One look at a rollout, for a wait the workflow times itself (the stall rule and the deadline). */
export interface RolloutReading {
  state: 'done' | 'progressing' | 'failed';
  message: string;
  progress: RolloutProgress;
  /**
   * Changes whenever the rollout moves: generations, updated/ready/available counts, conditions.
   * Equal fingerprints over the stall time mean nothing moved.
   */
  fingerprint: string;
}

export interface DescribeStuckInput {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** How the message names it: "ztunnel", "gateway istio-ingress/istio-ingressgateway". */
  label: string;
  /** The version the rollout goes to, for "2/3 nodes on 1.27.3"; null: "2/3 nodes updated". */
  version: string | null;
}

type Workload = { kind: 'Deployment'; object: V1Deployment } | { kind: 'DaemonSet'; object: V1DaemonSet };

function fingerprintOf(workload: Workload): string {
  const { metadata, status } = workload.object;
  const counts =
    workload.kind === 'Deployment'
      ? [
          workload.object.status?.updatedReplicas,
          workload.object.status?.readyReplicas,
          workload.object.status?.availableReplicas,
          workload.object.status?.replicas,
        ]
      : [
          workload.object.status?.updatedNumberScheduled,
          workload.object.status?.numberReady,
          workload.object.status?.numberAvailable,
          workload.object.status?.currentNumberScheduled,
          workload.object.status?.desiredNumberScheduled,
        ];
  const conditions = (status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason ?? ''}`);
  return JSON.stringify([metadata?.generation ?? 0, status?.observedGeneration ?? 0, ...counts, ...conditions]);
}

export function createRolloutActivities(clients: KubeClients) {
  const readWorkload = async (kind: WorkloadKind, namespace: string, name: string): Promise<Workload> => {
    const ref = { namespace, name };
    return kind === 'Deployment'
      ? {
          kind,
          object: await read(`read deployment ${namespace}/${name}`, () => clients.apps.readNamespacedDeployment(ref)),
        }
      : {
          kind,
          object: await read(`read daemon set ${namespace}/${name}`, () => clients.apps.readNamespacedDaemonSet(ref)),
        };
  };
  const statusOf = (workload: Workload) =>
    workload.kind === 'Deployment' ? deploymentRolloutStatus(workload.object) : daemonSetRolloutStatus(workload.object);

  return {
    readRolloutProgress: async (input: ReadRolloutInput): Promise<RolloutReading> => {
      const workload = await readWorkload(input.kind, input.namespace, input.name);
      const status = statusOf(workload);
      const fingerprint = fingerprintOf(workload);
      if ((workload.object.metadata?.generation ?? 0) < (input.minGeneration ?? 0))
        return {
          state: 'progressing',
          message: `waiting for generation ${input.minGeneration}`,
          progress: status.progress,
          fingerprint,
        };
      return { state: status.state, message: status.message, progress: status.progress, fingerprint };
    },

    /** Reads the workload, its pods and their Events (that namespace's Pod Events only) and says what is stuck. */
    describeStuckRollout: async (input: DescribeStuckInput): Promise<StuckRollout> => {
      const workload = await readWorkload(input.kind, input.namespace, input.name);
      const labels = workload.object.spec?.selector.matchLabels ?? {};
      const labelSelector = Object.entries(labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(',');
      const pods = await read(`list pods of ${input.namespace}/${input.name}`, () =>
        clients.core.listNamespacedPod({ namespace: input.namespace, labelSelector }),
      );
      const events = await read(`list pod events in ${input.namespace}`, () =>
        clients.core.listNamespacedEvent({ namespace: input.namespace, fieldSelector: 'involvedObject.kind=Pod' }),
      );
      return describeStuck({
        label: input.label,
        version: input.version,
        workload,
        progress: statusOf(workload).progress,
        pods: pods.items,
        events: events.items,
        now: Date.now(),
      });
    },

    waitForRollout: async (input: WaitForRolloutInput): Promise<RolloutResult> => {
      // A separate activity has no object in hand (only the generation crossed the workflow): it reads first.
      const { message, progress, watches } = await waitForRolloutOf(clients, input);
      return { message, progress, watches };
    },
  };
}
