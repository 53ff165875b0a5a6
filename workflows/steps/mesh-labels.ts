/**
 * How namespaces find their control plane: a namespace's `istio.io/rev` label, or a revision tag
 * that many namespaces follow. Moving either changes nothing for running pods; the restarts
 * that follow in the plan give them the new proxy. A tag moves by whatever installs the mesh.
 */
import type { MoveNamespaceStep, MoveTagStep } from '../../core/plan/steps.js';
import { cluster } from '../activities.js';
import type { Installer } from '../installers/installer.js';
import type { StepContext } from './context.js';

const REV = 'istio.io/rev';
const INJECTION = 'istio-injection';

export async function moveNamespace(step: MoveNamespaceStep): Promise<string> {
  const labels: { set: Record<string, string>; remove: string[] } =
    step.injectionLabel === 'restore'
      ? { set: { [INJECTION]: 'enabled' }, remove: [REV] }
      : { set: { [REV]: step.toRevision }, remove: step.injectionLabel === 'remove' ? [INJECTION] : [] };
  const change = await cluster(`move namespace ${step.namespace} to ${step.toRevision}`).setNamespaceLabels({
    namespace: step.namespace,
    ...labels,
  });
  return change.changed
    ? `labels now ${Object.entries(change.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`
    : 'labels already in place';
}

export const moveTag = (step: MoveTagStep, context: StepContext, installer: Installer) =>
  installer.moveTag(step, context);
