/**
 * What an istioctl reads from a cluster, over the API: control plane revisions (istiod
 * Deployments), revision tags (the tag webhooks), the proxies in pods, and the istiod pod
 * each revision's proxies talk to. The same conventions as sim/istio/revisions.ts, which the
 * injector uses, so the tools and the cluster agree on what a revision is.
 */
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { imageVersion } from '../../istio/version.js';
import type { Kube } from '../kube/connect.js';

export interface ControlPlane {
  revision: string;
  version: string;
  namespace: string;
  deployment: V1Deployment;
  env: Record<string, string>;
}

export async function controlPlanes(kube: Kube, namespace?: string): Promise<ControlPlane[]> {
  const list =
    namespace === undefined
      ? await kube.apps.listDeploymentForAllNamespaces({ labelSelector: 'app=istiod' })
      : await kube.apps.listNamespacedDeployment({ namespace, labelSelector: 'app=istiod' });
  return list.items.flatMap((d) => {
    const containers = d.spec?.template.spec?.containers ?? [];
    const discovery = containers.find((c) => c.name === 'discovery') ?? containers[0];
    const version = imageVersion(discovery?.image);
    if (!version) return [];
    const env = Object.fromEntries(
      (discovery?.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])),
    );
    return [
      {
        revision: d.metadata?.labels?.['istio.io/rev'] ?? 'default',
        version,
        namespace: d.metadata?.namespace ?? '',
        deployment: d,
        env,
      },
    ];
  });
}

/** Tag → revision, from the webhooks labelled `istio.io/tag`. */
export async function revisionTags(kube: Kube): Promise<Map<string, string>> {
  const list = await kube.admission.listMutatingWebhookConfiguration({ labelSelector: 'istio.io/tag' });
  const tags = new Map<string, string>();
  for (const w of list.items) {
    const tag = w.metadata?.labels?.['istio.io/tag'];
    const rev = w.metadata?.labels?.['istio.io/rev'];
    if (tag && rev) tags.set(tag, rev);
  }
  return tags;
}

/** The mesh config a revision runs with, without the discovery address the installer derives. */
export async function meshConfigOf(
  kube: Kube,
  namespace: string,
  configMapName: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const cm = await kube.core.readNamespacedConfigMap({ namespace, name: configMapName });
    const mesh: unknown = parse(cm.data?.mesh ?? '');
    if (typeof mesh !== 'object' || mesh === null) return undefined;
    const { defaultConfig, ...rest } = mesh as Record<string, unknown>;
    const { discoveryAddress: _derived, ...otherDefaults } = (defaultConfig ?? {}) as Record<string, unknown>;
    const kept = Object.keys(otherDefaults).length ? { ...rest, defaultConfig: otherDefaults } : rest;
    return Object.keys(kept).length ? kept : undefined;
  } catch {
    return undefined;
  }
}

export type ProxyKind = 'sidecar' | 'gateway' | 'waypoint' | 'ztunnel';

export interface Proxy {
  pod: V1Pod;
  name: string;
  namespace: string;
  kind: ProxyKind;
  /** The revision (never a tag) whose istiod serves this proxy. */
  revision: string;
  version: string;
}

function injectedRevision(pod: V1Pod): string | undefined {
  const status = pod.metadata?.annotations?.['sidecar.istio.io/status'];
  if (!status) return undefined;
  try {
    return (JSON.parse(status) as { revision?: string }).revision;
  } catch {
    return undefined;
  }
}

/**
 * Pods with a running proxy: injected sidecars (container or native init container), gateways,
 * waypoints and ztunnel. ztunnel reaches the istiod its `XDS_ADDRESS` names; without one, the
 * `istiod` Service, which the default revision (tag) owns.
 */
/** `istiod-1-28-0.istio-system.svc:15012` → `1-28-0`; `istiod.…` → `default`. */
function xdsRevision(env: ReadonlyArray<{ name: string; value?: string }> | undefined): string | undefined {
  const address = env?.find((e) => e.name === 'XDS_ADDRESS')?.value;
  const match = address === undefined ? null : /^istiod(?:-([a-z0-9-]+))?\./.exec(address);
  return match === null ? undefined : (match[1] ?? 'default');
}

export function proxiesIn(pods: readonly V1Pod[], tags: ReadonlyMap<string, string>): Proxy[] {
  const resolve = (rev: string): string => tags.get(rev) ?? rev;
  return pods.flatMap((pod): Proxy[] => {
    if (pod.status?.phase !== 'Running' || pod.metadata?.deletionTimestamp) return [];
    const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const labels = pod.metadata?.labels ?? {};
    const base = { pod, name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '' };
    const ztunnel = containers.find((c) => c.image?.includes('/ztunnel:'));
    if (ztunnel)
      return [
        {
          ...base,
          kind: 'ztunnel',
          revision: resolve(xdsRevision(ztunnel.env) ?? 'default'),
          version: imageVersion(ztunnel.image) ?? 'unknown',
        },
      ];
    const proxy = containers.find((c) => c.name === 'istio-proxy');
    const version = imageVersion(proxy?.image);
    if (!proxy || !version) return [];
    const kind: ProxyKind = labels['gateway.networking.k8s.io/gateway-name']
      ? 'waypoint'
      : proxy.args?.includes('router')
        ? 'gateway'
        : 'sidecar';
    return [
      { ...base, kind, revision: resolve(injectedRevision(pod) ?? labels['istio.io/rev'] ?? 'default'), version },
    ];
  });
}

export async function proxies(kube: Kube): Promise<Proxy[]> {
  const [pods, tags] = await Promise.all([kube.core.listPodForAllNamespaces(), revisionTags(kube)]);
  return proxiesIn(pods.items, tags);
}

/** Revision → the name of a running istiod pod of it (the one its proxies are connected to). */
export async function istiodPods(kube: Kube): Promise<Map<string, string>> {
  const pods = await kube.core.listPodForAllNamespaces({ labelSelector: 'app=istiod' });
  const byRevision = new Map<string, string>();
  const running = pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  running.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const p of running) {
    const rev = p.metadata?.labels?.['istio.io/rev'] ?? 'default';
    if (!byRevision.has(rev)) byRevision.set(rev, p.metadata?.name ?? '');
  }
  return byRevision;
}
