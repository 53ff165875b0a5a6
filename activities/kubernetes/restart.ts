/**
 * `kubectl rollout restart`, made safe to retry: the restartedAt value comes from the workflow
 * (one value per planned restart), so a second attempt patches the same pod template, the API
 * server sees no change, and no second rollout starts. The pre-read skips even that write.
 */
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
}

export interface RestartResult {
  /** False when this restart had already been applied by an earlier attempt. */
  changed: boolean;
  /** The generation the rollout must reach; hand it to waitForRollout. */
  generation: number;
}

export function createRestartActivities(clients: KubeClients) {
  return {
    restartWorkload: async (input: RestartInput): Promise<RestartResult> => {
      const kind = input.kind ?? 'Deployment';
      const what = `${kind.toLowerCase()} ${input.namespace}/${input.name}`;
      const ref = { namespace: input.namespace, name: input.name };
      const current =
        kind === 'Deployment'
          ? await read(`read ${what}`, () => clients.apps.readNamespacedDeployment(ref))
          : await read(`read ${what}`, () => clients.apps.readNamespacedDaemonSet(ref));
      if (current.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] === input.restartedAt) {
        return { changed: false, generation: current.metadata?.generation ?? 0 };
      }
      const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: input.restartedAt } } } } };
      const updated =
        kind === 'Deployment'
          ? await call(`restart ${what}`, () => clients.apps.patchNamespacedDeployment({ ...ref, body }, mergePatch))
          : await call(`restart ${what}`, () => clients.apps.patchNamespacedDaemonSet({ ...ref, body }, mergePatch));
      return { changed: true, generation: updated.metadata?.generation ?? 0 };
    },
  };
}
