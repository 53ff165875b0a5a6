/**
 * Namespace and pod-template labels: how a namespace or a workload moves between revisions
 * (`istio.io/rev`, `istio-injection`). Merge patches with fixed values, so a retry writes the
 * same thing, and removing a label that is gone is a no-op rather than an error. A write that
 * would change nothing is skipped, so a retry does not even touch the object.
 *
 * A revert's `istio-upgrade.io/reverted` mark goes in the same patch that moves its object back
 * to the revision the mark says it left: the next plan must not find it reverted any more, and
 * one patch cannot leave it moved but still marked.
 */
import { revertedMarkOf } from '../../core/inventory.js';
import { REVERTED_ANNOTATION, REV_LABEL } from '../../core/labels.js';
import { call, read } from './call.js';
import { mergePatch, type KubeClients } from './clients.js';
import { RESTARTED_AT_ANNOTATION } from './restart.js';

export interface NamespaceLabelsInput {
  namespace: string;
  /** Labels to set to these values. */
  set?: Record<string, string>;
  /** Labels to remove; absent ones are fine. */
  remove?: string[];
}

export interface DeploymentLabelsInput {
  namespace: string;
  deployment: string;
  set?: Record<string, string>;
  remove?: string[];
  /**
   * Written with the labels, as the pod template's restart annotation: a retry that finds the
   * labels already set can then tell its own earlier write (whose rollout is under way) from
   * labels that were there before the step.
   */
  restartedAt?: string;
}

export interface LabelChange {
  /** False when the object already looked like this: nothing was written. */
  changed: boolean;
  labels: Record<string, string>;
  /** Nothing written, but the labels and `restartedAt` are in place: an earlier attempt made this change. */
  appliedBefore?: boolean;
}

/** The merge-patch fragment that turns `current` into the wanted labels, or undefined if none is needed. */
export function labelPatch(
  current: Readonly<Record<string, string>> | undefined,
  set: Readonly<Record<string, string>> = {},
  remove: readonly string[] = [],
): Record<string, string | null> | undefined {
  const patch: Record<string, string | null> = {};
  for (const key of remove) if (current?.[key] !== undefined && !(key in set)) patch[key] = null;
  for (const [key, value] of Object.entries(set)) if (current?.[key] !== value) patch[key] = value;
  return Object.keys(patch).length === 0 ? undefined : patch;
}

function applied(
  current: Readonly<Record<string, string>> | undefined,
  patch: Record<string, string | null>,
): Record<string, string> {
  const out: Record<string, string> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

/** Whether labels that end as `after` settle the revert mark in `annotations`: they move the object to the revision it left. */
export function settlesRevert(
  annotations: Readonly<Record<string, string>> | undefined,
  after: Readonly<Record<string, string>>,
): boolean {
  const mark = annotations?.[REVERTED_ANNOTATION];
  return mark !== undefined && after[REV_LABEL] !== undefined && revertedMarkOf(mark).from === after[REV_LABEL];
}

const clearMark = { annotations: { [REVERTED_ANNOTATION]: null } };

export function createLabelActivities(clients: KubeClients) {
  return {
    setNamespaceLabels: async (input: NamespaceLabelsInput): Promise<LabelChange> => {
      const what = `namespace ${input.namespace}`;
      const ns = await read(`read ${what}`, () => clients.core.readNamespace({ name: input.namespace }));
      const current = ns.metadata?.labels;
      const patch = labelPatch(current, input.set, input.remove);
      const settles = settlesRevert(ns.metadata?.annotations, applied(current, patch ?? {}));
      if (patch === undefined && !settles) return { changed: false, labels: { ...current } };
      const body = { metadata: { ...(patch && { labels: patch }), ...(settles && clearMark) } };
      const updated = await call(`patch ${what}`, () =>
        clients.core.patchNamespace({ name: input.namespace, body }, mergePatch),
      );
      return { changed: true, labels: { ...(updated.metadata?.labels ?? applied(current, patch ?? {})) } };
    },

    /**
     * Labels on the pod template, not the Deployment: changing them starts a rollout, which is
     * the point when a workload moves to another revision by its own `istio.io/rev`.
     */
    setPodTemplateLabels: async (input: DeploymentLabelsInput): Promise<LabelChange> => {
      const what = `deployment ${input.namespace}/${input.deployment}`;
      const deployment = await read(`read ${what}`, () =>
        clients.apps.readNamespacedDeployment({ namespace: input.namespace, name: input.deployment }),
      );
      const current = deployment.spec?.template.metadata?.labels;
      const patch = labelPatch(current, input.set, input.remove);
      const settles = settlesRevert(deployment.metadata?.annotations, applied(current, patch ?? {}));
      if (patch === undefined && settles) {
        // Moved back already (by hand, or by the write before a crash): only the mark is left to clear.
        await call(`clear the revert mark of ${what}`, () =>
          clients.apps.patchNamespacedDeployment(
            { namespace: input.namespace, name: input.deployment, body: { metadata: clearMark } },
            mergePatch,
          ),
        );
        return { changed: true, labels: { ...current } };
      }
      if (patch === undefined) {
        const appliedBefore =
          input.restartedAt !== undefined &&
          deployment.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] === input.restartedAt;
        return { changed: false, labels: { ...current }, ...(appliedBefore && { appliedBefore }) };
      }
      const annotations =
        input.restartedAt === undefined ? {} : { annotations: { [RESTARTED_AT_ANNOTATION]: input.restartedAt } };
      const body = {
        ...(settles && { metadata: clearMark }),
        spec: { template: { metadata: { labels: patch, ...annotations } } },
      };
      const updated = await call(`patch ${what}`, () =>
        clients.apps.patchNamespacedDeployment(
          { namespace: input.namespace, name: input.deployment, body },
          mergePatch,
        ),
      );
      return { changed: true, labels: { ...(updated.spec?.template.metadata?.labels ?? applied(current, patch)) } };
    },
  };
}
