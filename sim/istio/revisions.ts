/**
 * What the cluster says about Istio revisions: which istiod serves a revision (and at what
 * version), and which revision a tag points to. Injection, Sail's InUse check and the istioctl
 * stand-in all read the cluster this way rather than keeping their own records.
 */
import type { KubeObject } from '../api/object.js';
import { T } from '../api/resources.js';
import type { Store } from '../api/store.js';
import type { Container } from '../controllers/shapes.js';
import { imageVersion } from './version.js';

export interface Revision {
  revision: string;
  version: string;
  istiod: KubeObject;
  compatibilityVersion?: string;
  nativeSidecarsEnv?: string;
}

export function revisions(store: Store): Revision[] {
  const out: Revision[] = [];
  // From the store's label index: the injector asks for every pod, among thousands of Deployments.
  for (const d of store.listLabelled(T.deployments, 'app', 'istiod')) {
    const rev = d.metadata.labels?.['istio.io/rev'] ?? 'default';
    const containers =
      (d.spec as { template?: { spec?: { containers?: Container[] } } } | undefined)?.template?.spec?.containers ?? [];
    const discovery = containers.find((c) => c.name === 'discovery') ?? containers[0];
    const version = imageVersion(discovery?.image);
    if (!version) continue;
    const env = (name: string): string | undefined => discovery?.env?.find((e) => e.name === name)?.value;
    out.push({
      revision: rev,
      version,
      istiod: d,
      compatibilityVersion: env('COMPATIBILITY_VERSION'),
      nativeSidecarsEnv: env('ENABLE_NATIVE_SIDECARS'),
    });
  }
  return out;
}

/** Tag name → revision, from the `istio-revision-tag-*` webhooks. */
export function tags(store: Store): Map<string, string> {
  const map = new Map<string, string>();
  for (const w of store.list(T.mutatingwebhooks)) {
    const tag = w.metadata.labels?.['istio.io/tag'];
    const rev = w.metadata.labels?.['istio.io/rev'];
    if (tag && rev) map.set(tag, rev);
  }
  return map;
}

/** Resolves a revision or tag name as the injection webhooks would. */
export function resolveRevision(store: Store, nameOrTag: string): Revision | undefined {
  const all = revisions(store);
  const direct = tags(store).get(nameOrTag) ?? nameOrTag;
  return all.find((r) => r.revision === direct);
}
