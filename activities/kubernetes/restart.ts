/**
 * `kubectl rollout restart`, made safe to retry: the restartedAt value comes from the workflow
 * (one value per planned restart), so a second attempt patches the same pod template, the API
 * server sees no change, and no second rollout starts. A retry reads first and skips even that
 * write; a first attempt has no earlier attempt to find, so it sends the PATCH alone, and the
 * object the PATCH returns (its resourceVersion, its generation) is where the wait starts.
 */
import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import { REVERTED_ANNOTATION } from '../../core/labels.js';
import { currentContext } from '../context.js';
import { call, read } from './call.js';
import { mergePatch, type KubeClients } from './clients.js';

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export interface RestartInput {
  namespace: string;
  /** A Deployment, or a DaemonSet such as a gateway or ztunnel. */
  kind?: 'Deployment' | 'DaemonSet';
  name: string;
  /** Chosen by the workflow, identical on every attempt: e.g. the workflow's start time plus the step id. */
  restartedAt: string;
  /**
   * Pod-template labels written in the same patch: how a workload pinned by its own
   * `istio.io/rev` moves (the restart is the label change). Such a move also clears a revert's
   * `istio-upgrade.io/reverted` mark on the Deployment: it is no longer where the revert left it.
   */
  podLabels?: Record<string, string>;
}

export interface RestartResult {
  /** False when this restart had already been applied by an earlier attempt. */
  changed: boolean;
  /** The generation the rollout must reach; hand it to waitForRollout. */
  generation: number;
}

export type RestartedObject =
  | { kind: 'Deployment'; object: V1Deployment; changed: boolean }
  | { kind: 'DaemonSet'; object: V1DaemonSet; changed: boolean };

/**
 * Outside an activity (CLI dry runs, scripts) the attempt is unknown, so it is treated like a
 * retry: one read more, never a doubtful write.
 */
function mayHaveRunBefore(): boolean {
  return currentContext()?.info.attempt !== 1;
}

/** Restarts the workload and returns it as the API server last answered (the PATCH's response, or the read). */
export async function restartObject(clients: KubeClients, input: RestartInput): Promise<RestartedObject> {
  const what = `${(input.kind ?? 'Deployment').toLowerCase()} ${input.namespace}/${input.name}`;
  const ref = { namespace: input.namespace, name: input.name };
  const labels = input.podLabels === undefined ? {} : { labels: input.podLabels };
  const body = {
    ...(input.podLabels !== undefined && { metadata: { annotations: { [REVERTED_ANNOTATION]: null } } }),
    spec: { template: { metadata: { ...labels, annotations: { [RESTARTED_AT_ANNOTATION]: input.restartedAt } } } },
  };
  const applied = (o: V1Deployment | V1DaemonSet): boolean =>
    o.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] === input.restartedAt;
  if (input.kind === 'DaemonSet') {
    if (mayHaveRunBefore()) {
      const current = await read(`read ${what}`, () => clients.apps.readNamespacedDaemonSet(ref));
      if (applied(current)) return { kind: 'DaemonSet', object: current, changed: false };
    }
    const object = await call(`restart ${what}`, () =>
      clients.apps.patchNamespacedDaemonSet({ ...ref, body }, mergePatch),
    );
    return { kind: 'DaemonSet', object, changed: true };
  }
  if (mayHaveRunBefore()) {
    const current = await read(`read ${what}`, () => clients.apps.readNamespacedDeployment(ref));
    if (applied(current)) return { kind: 'Deployment', object: current, changed: false };
  }
  const object = await call(`restart ${what}`, () =>
    clients.apps.patchNamespacedDeployment({ ...ref, body }, mergePatch),
  );
  return { kind: 'Deployment', object, changed: true };
}

export function createRestartActivities(clients: KubeClients) {
  return {
    restartWorkload: async (input: RestartInput): Promise<RestartResult> => {
      const restarted = await restartObject(clients, input);
      return { changed: restarted.changed, generation: restarted.object.metadata?.generation ?? 0 };
    },
  };
}
