/**
 * Helm's release storage, read and written over the API: each revision of a release is a
 * Secret `sh.helm.release.v1.<name>.v<N>` labelled owner=helm, in the sim's JSON encoding (see
 * sim/istio/helm-release.ts, which the scenario seed uses too).
 */
import type { V1Secret } from '@kubernetes/client-node';
import { releaseFromSecret, releaseSecret, type HelmRelease } from '../../istio/helm-release.js';
import type { Kube } from '../kube/connect.js';
import { applyObject, deleteObject } from '../kube/objects.js';

function decode(secret: V1Secret): HelmRelease | undefined {
  return releaseFromSecret({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secret.metadata?.name ?? '' },
    data: secret.data,
  });
}

/** Every stored revision, in one namespace or all of them. */
export async function allRevisions(kube: Kube, namespace: string | undefined, name?: string): Promise<HelmRelease[]> {
  const labelSelector = name === undefined ? 'owner=helm' : `owner=helm,name=${name}`;
  const list =
    namespace === undefined
      ? await kube.core.listSecretForAllNamespaces({ labelSelector })
      : await kube.core.listNamespacedSecret({ namespace, labelSelector });
  return list.items.flatMap((s) => decode(s) ?? []);
}

/** The newest revision of each release. */
export function latest(revisions: readonly HelmRelease[]): HelmRelease[] {
  const byName = new Map<string, HelmRelease>();
  for (const r of revisions) {
    const key = `${r.namespace}/${r.name}`;
    const seen = byName.get(key);
    if (!seen || seen.revision < r.revision) byName.set(key, r);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name) || a.namespace.localeCompare(b.namespace));
}

export async function findRelease(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<{ current?: HelmRelease; history: HelmRelease[] }> {
  const history = (await allRevisions(kube, namespace, name))
    .filter((r) => r.name === name)
    .sort((a, b) => a.revision - b.revision);
  return { current: history.at(-1), history };
}

export async function saveRelease(kube: Kube, release: HelmRelease): Promise<void> {
  await applyObject(kube, releaseSecret(release));
}

export async function deleteReleaseHistory(kube: Kube, history: readonly HelmRelease[]): Promise<void> {
  for (const r of history)
    await deleteObject(kube, 'v1', 'Secret', `sh.helm.release.v1.${r.name}.v${r.revision}`, r.namespace);
}

/** Helm's timestamp spelling in `list`: `2025-06-01 10:00:00.000000000 +0000 UTC`. */
export function helmTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000000 +0000 UTC`;
}

/** `Mon Jan  2 15:04:05 2006`, as `helm status` prints LAST DEPLOYED. */
export function ansicTime(iso: string): string {
  const d = new Date(iso);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()] ?? '';
  const month =
    ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()] ?? '';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

export function statusText(r: HelmRelease): string {
  return [
    `NAME: ${r.name}`,
    `LAST DEPLOYED: ${ansicTime(r.updated)}`,
    `NAMESPACE: ${r.namespace}`,
    `STATUS: ${r.status}`,
    `REVISION: ${r.revision}`,
    'TEST SUITE: None',
    '',
  ].join('\n');
}
