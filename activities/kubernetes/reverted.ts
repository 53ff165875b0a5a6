/**
 * The mark a revert leaves on what it put back on the old revision: the `istio-upgrade.io/reverted`
 * annotation on the Namespace, or on the Deployment of a workload pinned by its pod label. A
 * later `start` reads it to plan what is left. A merge patch with the value the workflow chose
 * (its time included), skipped when already there, so a retry writes nothing.
 */
import type { RevertedAnnotation } from '../../core/labels.js';
import { REVERTED_ANNOTATION } from '../../core/labels.js';
import { call, read } from './call.js';
import { mergePatch, type KubeClients } from './clients.js';

export interface MarkRevertedInput {
  namespace: string;
  /** The Deployment of a pinned workload; absent: the Namespace itself. */
  deployment?: string;
  value: RevertedAnnotation;
}

export interface MarkRevertedResult {
  /** False when the annotation already had this value. */
  changed: boolean;
}

export function createRevertedActivities(clients: KubeClients) {
  return {
    markReverted: async (input: MarkRevertedInput): Promise<MarkRevertedResult> => {
      const value = JSON.stringify(input.value);
      const body = { metadata: { annotations: { [REVERTED_ANNOTATION]: value } } };
      const { namespace, deployment } = input;
      if (deployment === undefined) {
        const what = `namespace ${namespace}`;
        const current = await read(`read ${what}`, () => clients.core.readNamespace({ name: namespace }));
        if (current.metadata?.annotations?.[REVERTED_ANNOTATION] === value) return { changed: false };
        await call(`annotate ${what} reverted`, () =>
          clients.core.patchNamespace({ name: namespace, body }, mergePatch),
        );
        return { changed: true };
      }
      const what = `deployment ${namespace}/${deployment}`;
      const current = await read(`read ${what}`, () =>
        clients.apps.readNamespacedDeployment({ namespace, name: deployment }),
      );
      if (current.metadata?.annotations?.[REVERTED_ANNOTATION] === value) return { changed: false };
      await call(`annotate ${what} reverted`, () =>
        clients.apps.patchNamespacedDeployment({ namespace, name: deployment, body }, mergePatch),
      );
      return { changed: true };
    },
  };
}
