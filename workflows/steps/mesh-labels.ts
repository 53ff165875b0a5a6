/**
 * How namespaces find their control plane: a namespace's `istio.io/rev` label, or a revision tag
 * that many namespaces follow. Moving either changes nothing for running pods; the restarts
 * that follow in the plan give them the new proxy.
 */
import type { MoveNamespaceStep, MoveTagStep } from '../../core/plan/steps.js';
import { cluster, waits } from '../activities.js';
import type { StepContext } from './context.js';

const REV = 'istio.io/rev';
const INJECTION = 'istio-injection';

export async function moveNamespace(step: MoveNamespaceStep): Promise<string> {
  const labels: { set: Record<string, string>; remove: string[] } =
    step.injectionLabel === 'restore'
      ? { set: { [INJECTION]: 'enabled' }, remove: [REV] }
      : { set: { [REV]: step.toRevision }, remove: step.injectionLabel === 'remove' ? [INJECTION] : [] };
  const change = await cluster(`move namespace ${step.namespace} to ${step.toRevision}`).setNamespaceLabels({ namespace: step.namespace, ...labels });
  return change.changed ? `labels now ${Object.entries(change.labels).map(([k, v]) => `${k}=${v}`).join(', ')}` : 'labels already in place';
}

export async function moveTag(step: MoveTagStep, context: StepContext): Promise<string> {
  if (step.method === 'sail') {
    // An upgrade points the tag at the Istio resource, so it follows the active revision from now on;
    // a rollback pins it back to the revision it came from.
    const targetRef = step.sailTargetRef ?? (context.plan.kind === 'upgrade' ? { kind: 'Istio' as const, name: context.spec.install.sailIstioName } : { kind: 'IstioRevision' as const, name: step.toRevision });
    const change = await cluster(`point IstioRevisionTag ${step.tag} at ${targetRef.kind} ${targetRef.name}`).setSailRevisionTag({ name: step.tag, targetRef });
    return change.changed ? `tag ${step.tag} → ${targetRef.kind} ${targetRef.name}` : `tag ${step.tag} already on ${targetRef.name}`;
  }
  // Helm installs tags with the istiod chart's revisionTags, but `istioctl tag set` is what Istio's
  // canary guide uses to move one, whatever installed it.
  const change = await waits(`istioctl tag set ${step.tag} --revision ${step.toRevision}`).istioctlTagSet({ version: context.plan.target, tag: step.tag, revision: step.toRevision });
  return change.changed ? `tag ${step.tag} → ${step.toRevision}` : `tag ${step.tag} already on ${step.toRevision}`;
}
