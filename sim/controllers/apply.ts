/**
 * Create-or-update for objects a controller (or the scenario seed) owns: the desired object
 * replaces spec-like fields and keeps what the server and other controllers own (status, uid).
 * A desired state equal to the stored one writes nothing, so reconciles stay quiet.
 */
import type { KubeObject } from '../api/object.js';
import { typeOfObject } from '../api/resources.js';
import { createAdmitted, type ControllerContext } from './context.js';

export function applyObject(ctx: ControllerContext, desired: KubeObject): KubeObject {
  const t = typeOfObject(desired.apiVersion, desired.kind);
  if (!t) throw new Error(`sim: cannot apply unknown kind ${desired.apiVersion} ${desired.kind}`);
  const current = ctx.store.get(t, desired.metadata.namespace, desired.metadata.name);
  if (!current) return createAdmitted(ctx, t, { ...desired });
  const next: KubeObject = {
    ...current,
    ...desired,
    metadata: {
      ...current.metadata,
      labels: { ...current.metadata.labels, ...desired.metadata.labels },
      annotations: { ...current.metadata.annotations, ...desired.metadata.annotations },
      ...(desired.metadata.ownerReferences ? { ownerReferences: desired.metadata.ownerReferences } : {}),
    },
  };
  if (current.status !== undefined) next.status = current.status;
  if (Object.keys(next.metadata.annotations ?? {}).length === 0) delete next.metadata.annotations;
  for (const admit of ctx.admissions) admit(t, next, 'update');
  return ctx.store.update(t, next);
}
