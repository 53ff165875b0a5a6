/**
 * From the listed objects to the Inventory, with no client in reach: the reader's list calls
 * reduce each page with the `keep` functions here, then hand the lists to `inventoryOf`, which
 * joins them in memory. The result crosses into workflow history, so it is bounded and clean:
 * pod labels and annotations keep only the keys Istio acts on, istiod's env keeps literal values
 * whose names are not secret, and mesh config values under secret names are replaced.
 */
import type {
  CoreV1Event,
  V1ConfigMap,
  V1DaemonSet,
  V1Deployment,
  V1LabelSelector,
  V1MutatingWebhookConfiguration,
  V1Namespace,
  V1Pod,
  V1PodDisruptionBudget,
  V1Service,
  V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import type {
  ComponentHealth,
  DaemonSetInfo,
  DeploymentInfo,
  GatewayInfo,
  Installer,
  Inventory,
  JsonObject,
  LabelSelector,
  MeshConfig,
  NamespaceInfo,
  ProxyInfo,
  RevisionInfo,
  SailHealth,
  SailInventory,
  TagInfo,
  UnreadyPod,
  WebhookInfo,
} from '../../core/inventory.js';
import { revertedMarkOf } from '../../core/inventory.js';
import { REVERTED_ANNOTATION, REV_LABEL, selectorMatches as coreSelectorMatches } from '../../core/labels.js';
import { summarizeMeshConfig } from '../../core/mesh-config.js';
import { compareVersions, tryParseVersion } from '../../core/version.js';
import { isSecretKey, redact, REDACTED } from '../redact.js';
import { byNamespaceThenName, injectedRevision, istioProxy, versionFromImage } from './images.js';
import { condition, type SailObject } from '../sail/resources.js';

/** What the inventory keeps of a pod, taken from each page as it arrives. */
export interface PodFacts {
  namespace: string;
  labels: Record<string, string>;
  running: boolean;
  revision: string | null;
  proxy: ProxyInfo | null;
  name: string;
  /** `spec.nodeName`, else the node a DaemonSet's node affinity pins the pod to. */
  node: string | null;
  /** Neither deleted nor finished: a pod that counts for its workload. */
  live: boolean;
  ready: boolean;
  /** Why it is not ready, from its status (see UnreadyPod.reason); null when ready. */
  notReadyReason: string | null;
}

/** A Warning Event about a pod, as far as the inventory reads it. */
export interface PodEvent {
  namespace: string;
  pod: string;
  reason: string;
  message: string;
  /** `lastTimestamp`, else `eventTime` (ISO 8601), for picking the latest. */
  at: string;
}

/** A Gateway API `Gateway`, as far as its class and its revision label are read. */
export interface GatewayObject {
  metadata?: { namespace?: string; name?: string; labels?: Record<string, string> };
  spec?: { gatewayClassName?: string };
}

/** The `sailoperator.io` lists; each is empty when its kind is not served. */
export interface SailLists {
  istios: SailObject[];
  revisions: SailObject[];
  revisionTags: SailObject[];
  cnis: SailObject[];
  ztunnels: SailObject[];
}

/** Everything the reader lists, each page already reduced by the matching `keep` function. */
export interface InventoryLists {
  /** `keep.namespace` of every Namespace. */
  namespaces: NamespaceInfo[];
  /** `keep.deployment` of every Deployment. */
  deployments: V1Deployment[];
  /** `keep.pod` of every Pod. */
  pods: PodFacts[];
  daemonSets: V1DaemonSet[];
  /** ConfigMaps of the control-plane namespace. */
  configMaps: V1ConfigMap[];
  /** PodDisruptionBudgets of the control-plane namespace; empty when the API is not served. */
  podDisruptionBudgets: V1PodDisruptionBudget[];
  mutatingWebhooks: V1MutatingWebhookConfiguration[];
  validatingWebhooks: V1ValidatingWebhookConfiguration[];
  /** `keep.service` of every Service. */
  services: string[];
  /** The `name` label of each Helm release Secret in the control-plane namespace. */
  helmReleases: string[];
  /** Gateway API gateways; empty when the API is not served. */
  gateways: GatewayObject[];
  /** Null when the `Istio` kind is not served. */
  sail: SailLists | null;
  /** `keep.event` of the Warning Events about pods in the namespaces read for them; absent: none read. */
  events?: PodEvent[];
}

/** Where and when the lists were read. */
export interface ReadPoint {
  controlPlaneNamespace: string;
  /** The kubeconfig context, or null when it has none. */
  context: string | null;
  /** ISO 8601. */
  observedAt: string;
}

const TAG_WEBHOOK_PREFIX = 'istio-revision-tag-';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** The API's selector as the core's: an operator the core does not know makes the selector match nothing, as the API server refuses it. */
export function selectorMatches(
  selector: V1LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (selector === undefined) return false;
  if ((selector.matchExpressions ?? []).some((e) => !OPERATORS.has(e.operator))) return false;
  return coreSelectorMatches(selector as LabelSelector, labels ?? {});
}

/** Pod template labels and annotations the planner and prechecks read: Istio's own keys, and `app`/`version`. */
function istioKeys(map: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(map ?? {}).filter(([key]) => key.includes('istio') || key === 'app' || key === 'version'),
  );
}

function isRunning(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && pod.metadata?.deletionTimestamp === undefined;
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The node a pod runs on, or the one the DaemonSet controller's node affinity names while it is unscheduled. */
function nodeOf(pod: V1Pod): string | null {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const term of terms ?? [])
    for (const field of term.matchFields ?? [])
      if (field.key === 'metadata.name' && field.operator === 'In' && field.values?.length === 1)
        return field.values[0] ?? null;
  return null;
}

/** What `kubectl get pods` would show as the reason a pod is not ready, in the order the kubelet decides it. */
export function notReadyReason(pod: V1Pod): string {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') return scheduled.reason ?? 'Unschedulable';
  for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const why = status.state?.waiting?.reason ?? status.state?.terminated?.reason;
    if (why !== undefined && why !== '' && why !== 'Completed') return why;
  }
  return pod.status?.phase === 'Pending' || pod.status?.phase === undefined ? 'Pending' : 'NotReady';
}

export function proxyOf(pod: V1Pod): ProxyInfo | null {
  const proxy = istioProxy(pod.spec);
  if (proxy === null) return null;
  return {
    pod: pod.metadata?.name ?? '',
    version: versionFromImage(proxy.container.image),
    revision: injectedRevision(pod.metadata),
    nativeSidecar: proxy.native,
  };
}

/** Page reducers: a large cluster never sits whole in the worker's memory, only what the inventory reads of it. */
export const keep = {
  namespace: (n: V1Namespace): NamespaceInfo => {
    const mark = n.metadata?.annotations?.[REVERTED_ANNOTATION];
    return {
      name: n.metadata?.name ?? '',
      labels: { ...n.metadata?.labels },
      ...(mark !== undefined && { reverted: revertedMarkOf(mark) }),
    };
  },

  pod: (pod: V1Pod): PodFacts => {
    const ready = isReady(pod);
    return {
      namespace: pod.metadata?.namespace ?? '',
      labels: { ...pod.metadata?.labels },
      running: isRunning(pod),
      revision: injectedRevision(pod.metadata),
      proxy: proxyOf(pod),
      name: pod.metadata?.name ?? '',
      node: nodeOf(pod),
      live:
        pod.metadata?.deletionTimestamp === undefined &&
        pod.status?.phase !== 'Succeeded' &&
        pod.status?.phase !== 'Failed',
      ready,
      notReadyReason: ready ? null : notReadyReason(pod),
    };
  },

  /** A Warning Event about a pod; anything else is dropped (null). */
  event: (e: CoreV1Event): PodEvent | null => {
    if (e.type !== 'Warning' || e.involvedObject.kind !== 'Pod') return null;
    const at = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
    return {
      namespace: e.involvedObject.namespace ?? e.metadata.namespace ?? '',
      pod: e.involvedObject.name ?? '',
      reason: e.reason ?? '',
      message: e.message ?? '',
      at: at === undefined ? '' : new Date(at).toISOString(),
    };
  },

  /**
   * A Deployment without what the inventory never reads; containers and annotations only for the
   * control plane's, and elsewhere only a revert's mark.
   */
  deployment: (d: V1Deployment, cpNamespace: string): V1Deployment => {
    const controlPlane = d.metadata?.namespace === cpNamespace;
    const mark = d.metadata?.annotations?.[REVERTED_ANNOTATION];
    return {
      metadata: {
        namespace: d.metadata?.namespace ?? '',
        name: d.metadata?.name ?? '',
        labels: { ...d.metadata?.labels },
        ...(controlPlane
          ? { annotations: { ...d.metadata?.annotations } }
          : mark !== undefined
            ? { annotations: { [REVERTED_ANNOTATION]: mark } }
            : {}),
      },
      spec: {
        ...(d.spec?.replicas === undefined ? {} : { replicas: d.spec.replicas }),
        selector: d.spec?.selector ?? {},
        template: {
          metadata: {
            labels: { ...d.spec?.template.metadata?.labels },
            annotations: { ...d.spec?.template.metadata?.annotations },
          },
          spec: { containers: controlPlane ? (d.spec?.template.spec?.containers ?? []) : [] },
        },
      },
      status: {
        ...(d.status?.readyReplicas === undefined ? {} : { readyReplicas: d.status.readyReplicas }),
        ...(d.status?.updatedReplicas === undefined ? {} : { updatedReplicas: d.status.updatedReplicas }),
      },
    };
  },

  service: (svc: V1Service): string => `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`,
};

/** Gateway API gateways by `namespace/name`: the class tells a waypoint from an ingress, the labels bind a waypoint. */
type GatewaysByKey = Map<string, GatewayObject>;

/** The Gateway API gateway istiod rendered this Deployment from, if it is one. */
function gatewayOf(deployment: V1Deployment, gateways: GatewaysByKey): GatewayObject | undefined {
  const labels = { ...deployment.metadata?.labels, ...deployment.spec?.template.metadata?.labels };
  const gatewayName = labels['gateway.networking.k8s.io/gateway-name'];
  return gatewayName === undefined ? undefined : gateways.get(`${deployment.metadata?.namespace ?? ''}/${gatewayName}`);
}

function gatewayKind(deployment: V1Deployment, gateways: GatewaysByKey): GatewayInfo['kind'] | null {
  const labels = { ...deployment.metadata?.labels, ...deployment.spec?.template.metadata?.labels };
  const gatewayClass = gatewayOf(deployment, gateways)?.spec?.gatewayClassName;
  if (gatewayClass === 'istio-waypoint' || labels['gateway.istio.io/managed'] === 'istio.io-mesh-controller')
    return 'waypoint';
  if (gatewayClass === 'istio') return 'ingress';
  const istio = labels.istio ?? '';
  if (istio.includes('egress')) return 'egress';
  if (istio.includes('ingress') || labels['gateway.istio.io/managed'] === 'istio.io-gateway-controller')
    return 'ingress';
  return null;
}

function lowestVersion(versions: (string | null)[]): string | null {
  const known = versions.flatMap((v) => {
    const parsed = tryParseVersion(v);
    return parsed === null || v === null ? [] : [{ text: v, parsed }];
  });
  known.sort((a, b) => compareVersions(a.parsed, b.parsed));
  return known[0]?.text ?? null;
}

/**
 * The Event that says most about a pod: the latest Warning, passing over the kubelet's bare
 * `Error: ImagePullBackOff` restatements of the reason when a fuller one (`Failed to pull image …`) is there.
 */
function latestWarning(events: PodEvent[]): string | null {
  const telling = events.filter((e) => !/^Error: \w+$/.test(e.message));
  const pick = [...(telling.length > 0 ? telling : events)].sort((a, b) => b.at.localeCompare(a.at))[0];
  return pick === undefined ? null : `${pick.reason}: ${pick.message}`;
}

/** Warning Events by `namespace/pod`. */
type EventsByPod = Map<string, PodEvent[]>;

function unreadyPods(pods: PodFacts[], events: EventsByPod): UnreadyPod[] {
  return pods
    .filter((p) => p.live && !p.ready)
    .map((p) => ({
      pod: p.name,
      node: p.node,
      reason: p.notReadyReason ?? 'NotReady',
      event: latestWarning(events.get(`${p.namespace}/${p.name}`) ?? []),
    }))
    .sort((a, b) => (a.node ?? '').localeCompare(b.node ?? '') || a.pod.localeCompare(b.pod));
}

function daemonSetInfo(
  ds: V1DaemonSet | undefined,
  podsOf: (namespace: string, selector: V1LabelSelector | undefined) => PodFacts[],
  events: EventsByPod,
): DaemonSetInfo | null {
  if (ds === undefined) return null;
  const desired = ds.status?.desiredNumberScheduled ?? 0;
  const ready = ds.status?.numberReady ?? 0;
  return {
    namespace: ds.metadata?.namespace ?? '',
    name: ds.metadata?.name ?? '',
    version: versionFromImage(ds.spec?.template.spec?.containers[0]?.image),
    desired,
    ready,
    health: {
      desired,
      ready,
      updated: ds.status?.updatedNumberScheduled ?? 0,
      unready: unreadyPods(podsOf(ds.metadata?.namespace ?? '', ds.spec?.selector), events),
    },
  };
}

/** A Sail resource's own account of itself: `status.state` and the first condition that is not True. */
function sailHealthOf(kind: SailHealth['kind'], o: SailObject): SailHealth {
  const conditions = o.status?.conditions ?? [];
  // InUse False only says nothing uses a revision: that is not a fault.
  const bad = conditions.find((c) => c.status !== 'True' && c.type !== 'InUse');
  return {
    kind,
    name: o.metadata?.name ?? '',
    state: o.status?.state ?? null,
    ready: condition(o, 'Ready')?.status === 'True',
    problem:
      bad === undefined ? null : `${bad.type} ${bad.reason ?? bad.status}${bad.message ? `: ${bad.message}` : ''}`,
  };
}

function literalEnv(deployment: V1Deployment): Record<string, string> {
  const container =
    deployment.spec?.template.spec?.containers.find((c) => c.name === 'discovery') ??
    deployment.spec?.template.spec?.containers[0];
  const env: Record<string, string> = {};
  // Feature flags are what the prechecks read; anything named like a credential stays out of history.
  for (const e of container?.env ?? [])
    if (e.value !== undefined && !isSecretKey(e.name)) env[e.name] = redact(e.value);
  return env;
}

/**
 * Mesh config can hold credentials (a Lightstep `accessToken`, for one), and the inventory goes
 * into workflow history: their values are replaced before anything else sees them.
 */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, isSecretKey(k) && typeof v !== 'object' ? REDACTED : withoutSecrets(v)]),
  );
}

function meshConfigOf(data: Record<string, string> | undefined): MeshConfig | null {
  const text = data?.mesh;
  if (text === undefined) return null;
  try {
    const parsed = withoutSecrets(parseYaml(text));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? summarizeMeshConfig(parsed as JsonObject)
      : null;
  } catch {
    return null;
  }
}

function webhookInfo(
  kind: WebhookInfo['kind'],
  config: V1MutatingWebhookConfiguration | V1ValidatingWebhookConfiguration,
): WebhookInfo {
  const name = config.metadata?.name ?? '';
  const labels = config.metadata?.labels ?? {};
  const hooks = config.webhooks ?? [];
  return {
    kind,
    name,
    istio:
      labels.app === 'sidecar-injector' || labels.app === 'istiod' || REV_LABEL in labels || name.startsWith('istio'),
    targetsPods: hooks.some((h) =>
      (h.rules ?? []).some(
        (r) =>
          (r.resources ?? []).some((res) => res === 'pods' || res === '*') &&
          (r.operations ?? []).some((op) => op === 'CREATE' || op === 'UPDATE' || op === '*'),
      ),
    ),
    services: hooks.flatMap((h) =>
      h.clientConfig.service === undefined
        ? []
        : [{ namespace: h.clientConfig.service.namespace, name: h.clientConfig.service.name }],
    ),
  };
}

function sailOf(lists: SailLists): { inventory: SailInventory; compatibilityVersion: string | null } {
  const istio = lists.istios.find((i) => i.metadata?.name === 'default') ?? lists.istios[0];
  const spec = (istio?.spec ?? {}) as SailObject['spec'] & {
    values?: { compatibilityVersion?: string; meshConfig?: { discoverySelectors?: unknown } };
  };
  const named = (items: SailObject[]) => {
    const found = items.find((i) => i.metadata?.name === 'default');
    return found === undefined ? null : { name: 'default', version: found.spec?.version ?? '' };
  };
  const selectors = spec?.values?.meshConfig?.discoverySelectors;
  return {
    compatibilityVersion: spec?.values?.compatibilityVersion ?? null,
    inventory: {
      istio:
        istio === undefined
          ? null
          : {
              name: istio.metadata?.name ?? 'default',
              namespace: spec?.namespace ?? 'istio-system',
              version: spec?.version ?? '',
              activeRevisionName:
                (istio as SailObject & { status?: { activeRevisionName?: string } }).status?.activeRevisionName ?? null,
              updateStrategy: spec?.updateStrategy?.type ?? 'InPlace',
              inactiveRevisionDeletionGracePeriodSeconds:
                spec?.updateStrategy?.inactiveRevisionDeletionGracePeriodSeconds ?? null,
              discoverySelectors: Array.isArray(selectors)
                ? (selectors as NonNullable<SailInventory['istio']>['discoverySelectors'])
                : null,
            },
      revisions: lists.revisions
        .map((r) => ({
          name: r.metadata?.name ?? '',
          version: r.spec?.version ?? '',
          inUse: condition(r, 'InUse')?.status === 'True',
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      revisionTags: lists.revisionTags
        .map((t): SailInventory['revisionTags'][number] => {
          const status = (t as SailObject & { status?: { istioRevision?: string } }).status;
          const ref = (t.spec as { targetRef?: { kind?: string; name?: string } } | undefined)?.targetRef;
          // Which kind the tag follows decides whether a revision-based update moves it (Istio) or not (IstioRevision).
          const kind: 'Istio' | 'IstioRevision' | undefined =
            ref?.kind === 'Istio' ? 'Istio' : ref?.kind === 'IstioRevision' ? 'IstioRevision' : undefined;
          const targetRef: { kind: 'Istio' | 'IstioRevision'; name: string } | undefined =
            kind && ref?.name ? { kind, name: ref.name } : undefined;
          return {
            name: t.metadata?.name ?? '',
            revision: status?.istioRevision ?? ref?.name ?? '',
            ...(targetRef && { targetRef }),
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
      cni: named(lists.cnis),
      ztunnel: named(lists.ztunnels),
      health: [
        ...lists.istios.map((o) => sailHealthOf('Istio', o)),
        ...lists.revisions.map((o) => sailHealthOf('IstioRevision', o)),
        ...lists.cnis.map((o) => sailHealthOf('IstioCNI', o)),
        ...lists.ztunnels.map((o) => sailHealthOf('ZTunnel', o)),
      ],
    },
  };
}

/**
 * Where the Warning Events worth reading are: the control plane's namespace, and every namespace
 * where a component (istiod, a gateway, istio-cni, ztunnel) has a pod that is not ready. Events
 * are the only place a pod stuck in ContainerCreating says why (`FailedCreatePodSandBox`).
 */
export function eventNamespaces(inventory: Inventory): string[] {
  const namespaces = new Set([inventory.controlPlane.namespace]);
  for (const g of inventory.gateways) if ((g.health?.unready.length ?? 0) > 0) namespaces.add(g.namespace);
  for (const ds of [inventory.cni, inventory.ztunnel])
    if (ds !== null && (ds.health?.unready.length ?? 0) > 0) namespaces.add(ds.namespace);
  return [...namespaces].sort();
}

/** The Inventory the lists describe. Pure: the same lists give the same inventory. */
export function inventoryOf(lists: InventoryLists, at: ReadPoint): Inventory {
  const cpNamespace = at.controlPlaneNamespace;
  const { deployments } = lists;
  const sail = lists.sail === null ? null : sailOf(lists.sail);
  const gatewaysByKey: GatewaysByKey = new Map(
    lists.gateways.map((g) => [`${g.metadata?.namespace ?? ''}/${g.metadata?.name ?? ''}`, g]),
  );

  const podsByNamespace = new Map<string, PodFacts[]>();
  for (const pod of lists.pods) {
    const inNamespace = podsByNamespace.get(pod.namespace);
    if (inNamespace === undefined) podsByNamespace.set(pod.namespace, [pod]);
    else inNamespace.push(pod);
  }
  const podsOf = (d: V1Deployment) =>
    (podsByNamespace.get(d.metadata?.namespace ?? '') ?? []).filter(
      (p) => p.running && selectorMatches(d.spec?.selector, p.labels),
    );
  const selected = (namespace: string, selector: V1LabelSelector | undefined) =>
    (podsByNamespace.get(namespace) ?? []).filter((p) => selectorMatches(selector, p.labels));
  const eventsByPod: EventsByPod = new Map();
  for (const e of lists.events ?? []) {
    const key = `${e.namespace}/${e.pod}`;
    eventsByPod.set(key, [...(eventsByPod.get(key) ?? []), e]);
  }
  const deploymentHealth = (d: V1Deployment): ComponentHealth => ({
    desired: d.spec?.replicas ?? 1,
    ready: d.status?.readyReplicas ?? 0,
    updated: d.status?.updatedReplicas ?? 0,
    unready: unreadyPods(selected(d.metadata?.namespace ?? '', d.spec?.selector), eventsByPod),
  });

  const deploymentInfos: DeploymentInfo[] = deployments
    .map((d) => ({
      namespace: d.metadata?.namespace ?? '',
      name: d.metadata?.name ?? '',
      replicas: d.spec?.replicas ?? 1,
      readyReplicas: d.status?.readyReplicas ?? 0,
      podLabels: istioKeys(d.spec?.template.metadata?.labels),
      podAnnotations: istioKeys(d.spec?.template.metadata?.annotations),
      proxies: podsOf(d)
        .map((p) => p.proxy)
        .filter((p): p is ProxyInfo => p !== null)
        .sort((a, b) => a.pod.localeCompare(b.pod)),
      ...(d.metadata?.annotations?.[REVERTED_ANNOTATION] !== undefined && {
        reverted: revertedMarkOf(d.metadata.annotations[REVERTED_ANNOTATION]),
      }),
    }))
    .sort(byNamespaceThenName);

  const gateways: GatewayInfo[] = deployments
    .flatMap((d) => {
      const kind = gatewayKind(d, gatewaysByKey);
      if (kind === null) return [];
      const proxies = podsOf(d).map((p) => ({ revision: p.revision, version: p.proxy?.version ?? null }));
      const gateway = kind === 'waypoint' ? gatewayOf(d, gatewaysByKey) : undefined;
      return [
        {
          namespace: d.metadata?.namespace ?? '',
          name: d.metadata?.name ?? '',
          kind,
          revision: proxies[0]?.revision ?? d.spec?.template.metadata?.labels?.[REV_LABEL] ?? null,
          version: lowestVersion(proxies.map((p) => p.version)),
          health: deploymentHealth(d),
          // A waypoint's pods show the revision that rendered them, which for an unlabelled Gateway
          // is whatever the default tag resolves to: only the Gateway says what it follows.
          ...(gateway !== undefined && { gatewayRevLabel: gateway.metadata?.labels?.[REV_LABEL] ?? null }),
        },
      ];
    })
    .sort(byNamespaceThenName);

  const configMapData = new Map(lists.configMaps.map((c) => [c.metadata?.name ?? '', c.data]));
  const pdbSelectors = lists.podDisruptionBudgets.map((p) => p.spec?.selector);
  const istiods = deployments.filter(
    (d) =>
      d.metadata?.namespace === cpNamespace &&
      (d.spec?.template.metadata?.labels?.app ?? d.metadata?.labels?.app) === 'istiod',
  );
  const revisions: RevisionInfo[] = istiods
    .map((d) => {
      const name = d.spec?.template.metadata?.labels?.[REV_LABEL] ?? d.metadata?.labels?.[REV_LABEL] ?? 'default';
      const env = literalEnv(d);
      const image =
        d.spec?.template.spec?.containers.find((c) => c.name === 'discovery')?.image ??
        d.spec?.template.spec?.containers[0]?.image;
      return {
        name,
        version: versionFromImage(image),
        istiodReplicas: d.spec?.replicas ?? 1,
        hasPodDisruptionBudget: pdbSelectors.some((s) => selectorMatches(s, d.spec?.template.metadata?.labels)),
        meshConfig: meshConfigOf(
          configMapData.get(name === 'default' ? 'istio' : `istio-${name}`) ?? configMapData.get('istio'),
        ),
        istiodEnv: env,
        health: deploymentHealth(d),
        compatibilityVersion:
          d.metadata?.annotations?.['istio.io/compatibility-version'] ??
          env.COMPATIBILITY_VERSION ??
          sail?.compatibilityVersion ??
          null,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));

  const tags: TagInfo[] = lists.mutatingWebhooks
    .filter((w) => (w.metadata?.name ?? '').startsWith(TAG_WEBHOOK_PREFIX))
    .map((w) => ({
      name: w.metadata?.labels?.['istio.io/tag'] ?? (w.metadata?.name ?? '').slice(TAG_WEBHOOK_PREFIX.length),
      revision: w.metadata?.labels?.[REV_LABEL] ?? '',
    }))
    .sort((a, b) => a.name.localeCompare(b.name));

  const installer: Installer =
    sail !== null && sail.inventory.istio !== null
      ? 'sail'
      : lists.helmReleases.some((r) => r === 'istiod' || r.startsWith('istiod'))
        ? 'helm'
        : configMapData.has('istio-installed-state') ||
            istiods.some((d) => d.metadata?.labels?.['install.operator.istio.io/owning-resource'] !== undefined)
          ? 'istioctl'
          : 'unknown';

  const findDaemonSet = (name: string) => lists.daemonSets.find((d) => d.metadata?.name === name);
  return {
    observedAt: at.observedAt,
    context: at.context,
    controlPlane: { namespace: cpNamespace, installer, revisions, tags },
    namespaces: [...lists.namespaces].sort((a, b) => a.name.localeCompare(b.name)),
    deployments: deploymentInfos,
    gateways,
    cni: daemonSetInfo(findDaemonSet('istio-cni-node'), selected, eventsByPod),
    ztunnel: daemonSetInfo(findDaemonSet('ztunnel'), selected, eventsByPod),
    sail: sail?.inventory ?? null,
    webhooks: [
      ...lists.mutatingWebhooks.map((w) => webhookInfo('mutating', w)),
      ...lists.validatingWebhooks.map((w) => webhookInfo('validating', w)),
    ].sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind.localeCompare(b.kind))),
    services: [...lists.services].sort(),
  };
}
