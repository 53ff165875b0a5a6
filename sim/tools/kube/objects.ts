/**
 * Create-or-update over the API, writing only what differs. The real installers are
 * convergent too (server-side apply), and the sim's write log is how tests prove that a second
 * identical install touched nothing, so an object that already holds every desired field is
 * left alone.
 */
import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/object.js';
import type { Kube } from './connect.js';
import { isNotFound, orUndefined } from './errors.js';

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

/**
 * Whether `have` holds every field of `want`. Lists must match element by element, since the
 * server adds defaults inside list items (containers, webhooks) that the manifest never names.
 */
export function contains(have: unknown, want: unknown): boolean {
  if (Array.isArray(want))
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => contains(have[i], w));
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null || Array.isArray(have)) return false;
    return Object.entries(want).every(([k, v]) => v === undefined || contains((have as Record<string, unknown>)[k], v));
  }
  return have === want;
}

/** The client's object type differs from the sim's manifest type only in metadata typing. */
function clientObject(o: KubeObject): KubernetesObject {
  const { metadata, ...rest } = o;
  return {
    ...rest,
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      labels: metadata.labels,
      annotations: metadata.annotations,
    },
  };
}

export async function readObject(
  kube: Kube,
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
): Promise<KubernetesObject | undefined> {
  return orUndefined(() =>
    kube.objects.read({ apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }) } }),
  );
}

export interface ApplyOptions {
  /**
   * Keep the replica count of an existing Deployment: Istio's charts leave it to the
   * autoscaler, so an upgrade never scales a gateway or istiod back to the manifest's count.
   */
  keepReplicas?: boolean;
}

export async function applyObject(kube: Kube, desired: KubeObject, options: ApplyOptions = {}): Promise<ApplyOutcome> {
  const { apiVersion, kind } = desired;
  const current = await readObject(kube, apiVersion, kind, desired.metadata.name, desired.metadata.namespace);
  if (!current) {
    await kube.objects.create(clientObject(desired));
    return 'created';
  }
  const want = clientObject(desired);
  if (options.keepReplicas && kind === 'Deployment') {
    const spec = (want as { spec?: Record<string, unknown> }).spec;
    if (spec) delete spec.replicas;
  }
  if (contains(current, want)) return 'unchanged';
  await kube.objects.patch(want, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
  return 'configured';
}

/** Deletes an object; one that is already gone is not an error (uninstall is convergent). */
export async function deleteObject(
  kube: Kube,
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
): Promise<boolean> {
  try {
    await kube.objects.delete({
      apiVersion,
      kind,
      metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
    });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
