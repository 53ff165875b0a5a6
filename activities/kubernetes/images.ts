/** Reading Istio versions and proxies off pod specs, the way `istioctl version` does: from image tags. */
import type { V1Container, V1ObjectMeta, V1Pod, V1PodSpec } from '@kubernetes/client-node';

/** `docker.io/istio/proxyv2:1.26.4-distroless` → `1.26.4`; a digest or `latest` → null. */
export function versionFromImage(image: string | undefined): string | null {
  if (image === undefined) return null;
  const withoutDigest = image.split('@')[0] ?? '';
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon <= slash) return null;
  const match = /^v?(\d+\.\d+\.\d+(?:-(?:alpha|beta|rc)\.?\d*)?)/.exec(withoutDigest.slice(colon + 1));
  return match?.[1] ?? null;
}

export interface ProxyContainer {
  container: V1Container;
  /** istio-proxy as an init container with restartPolicy Always (Istio 1.27's default). */
  native: boolean;
}

export function istioProxy(spec: V1PodSpec | undefined): ProxyContainer | null {
  const init = spec?.initContainers?.find((c) => c.name === 'istio-proxy');
  if (init !== undefined) return { container: init, native: init.restartPolicy === 'Always' };
  const regular = spec?.containers.find((c) => c.name === 'istio-proxy');
  return regular === undefined ? null : { container: regular, native: false };
}

/**
 * Every container of a pod that runs an Istio proxy: named `istio-proxy` or running the `proxyv2`
 * image, init containers included. A pod is on a version only when all of them are: a gateway
 * pod that kept an old explicit proxy beside an injected new one is not upgraded, whichever of
 * the two `istioProxy` happens to find first.
 */
export function istioProxies(spec: V1PodSpec | undefined): V1Container[] {
  const isProxy = (c: V1Container) => c.name === 'istio-proxy' || /\/proxyv2(:|@|$)/.test(c.image ?? '');
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].filter(isProxy);
}

/**
 * What a pod's proxies run, for a check that wants `version`: null when every one does, else the
 * versions they run in container order (`1.27.3+1.28.0`), so the message shows the odd one out.
 */
export function proxyVersionsUnlike(spec: V1PodSpec | undefined, version: string): string | null {
  const versions = [...new Set(istioProxies(spec).map((c) => versionFromImage(c.image) ?? 'unknown version'))];
  return versions.every((v) => v === version) ? null : versions.join('+');
}

export function byNamespaceThenName<T extends { namespace: string; name: string }>(a: T, b: T): number {
  return a.namespace === b.namespace ? a.name.localeCompare(b.name) : a.namespace.localeCompare(b.namespace);
}

/**
 * The revision that injected a pod: the injector records it in `sidecar.istio.io/status`
 * (every release) and usually as the `istio.io/rev` label too; the annotation is the one
 * that is always there.
 */
export function injectedRevision(metadata: V1ObjectMeta | undefined): string | null {
  const status = metadata?.annotations?.['sidecar.istio.io/status'];
  if (status !== undefined) {
    try {
      const parsed = JSON.parse(status) as { revision?: unknown };
      if (typeof parsed.revision === 'string' && parsed.revision !== '') return parsed.revision;
    } catch {
      // A hand-edited annotation: fall back to the label.
    }
  }
  return metadata?.labels?.['istio.io/rev'] ?? null;
}

/** A pod that still runs: not being deleted, not finished. */
export function isLivePod(pod: V1Pod): boolean {
  return (
    pod.metadata?.deletionTimestamp === undefined && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed'
  );
}
