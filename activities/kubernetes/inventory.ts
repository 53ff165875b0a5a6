/**
 * Reads what the planner needs: one paged list per resource type, cluster-wide, each page
 * reduced at once to the fields the Inventory names, then joined in memory. The result crosses
 * into workflow history, so it is bounded and clean: pod labels and annotations keep only the
 * keys Istio acts on, Secrets are listed as metadata only (never their data), istiod's env keeps
 * literal values whose names are not secret, and mesh config values under secret names are
 * replaced.
 */
import type { V1Deployment, V1LabelSelector, V1Pod, V1DaemonSet, V1MutatingWebhookConfiguration, V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { parse as parseYaml } from 'yaml';
import type {
  DaemonSetInfo,
  DeploymentInfo,
  GatewayInfo,
  Installer,
  Inventory,
  JsonObject,
  LabelSelector,
  MeshConfig,
  ProxyInfo,
  RevisionInfo,
  SailInventory,
  TagInfo,
  WebhookInfo,
} from '../../core/inventory.js';
import { REV_LABEL, selectorMatches as coreSelectorMatches } from '../../core/labels.js';
import { summarizeMeshConfig } from '../../core/mesh-config.js';
import { compareVersions, tryParseVersion } from '../../core/version.js';
import { isSecretKey, redact, REDACTED } from '../redact.js';
import { optional, read } from './call.js';
import { listAll, metadataOnly } from './list-all.js';
import type { KubeClients } from './clients.js';
import { byNamespaceThenName, injectedRevision, istioProxy, versionFromImage } from './images.js';
import { condition, SAIL_GROUP, SAIL_VERSION, type SailObject } from '../sail/resources.js';

export interface ReadInventoryInput {
  /** Where istiod runs; `istio-system` unless the spec says otherwise. */
  controlPlaneNamespace?: string;
}

const TAG_WEBHOOK_PREFIX = 'istio-revision-tag-';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** The API's selector as the core's: an operator the core does not know makes the selector match nothing, as the API server refuses it. */
export function selectorMatches(selector: V1LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined) return false;
  if ((selector.matchExpressions ?? []).some((e) => !OPERATORS.has(e.operator))) return false;
  return coreSelectorMatches(selector as LabelSelector, labels ?? {});
}

/** Pod template labels and annotations the planner and prechecks read: Istio's own keys, and `app`/`version`. */
function istioKeys(map: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([key]) => key.includes('istio') || key === 'app' || key === 'version'));
}

function isRunning(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && pod.metadata?.deletionTimestamp === undefined;
}

/** What the inventory keeps of a pod, taken from each page as it arrives. */
interface PodFacts {
  namespace: string;
  labels: Record<string, string>;
  running: boolean;
  revision: string | null;
  proxy: ProxyInfo | null;
}

function podFacts(pod: V1Pod): PodFacts {
  return { namespace: pod.metadata?.namespace ?? '', labels: { ...pod.metadata?.labels }, running: isRunning(pod), revision: injectedRevision(pod.metadata), proxy: proxyOf(pod) };
}

/** A Deployment without what the inventory never reads; containers and annotations only for the control plane's. */
function slimDeployment(d: V1Deployment, cpNamespace: string): V1Deployment {
  const controlPlane = d.metadata?.namespace === cpNamespace;
  return {
    metadata: { namespace: d.metadata?.namespace ?? '', name: d.metadata?.name ?? '', labels: { ...d.metadata?.labels }, ...(controlPlane ? { annotations: { ...d.metadata?.annotations } } : {}) },
    spec: {
      ...(d.spec?.replicas === undefined ? {} : { replicas: d.spec.replicas }),
      selector: d.spec?.selector ?? {},
      template: {
        metadata: { labels: { ...d.spec?.template.metadata?.labels }, annotations: { ...d.spec?.template.metadata?.annotations } },
        spec: { containers: controlPlane ? (d.spec?.template.spec?.containers ?? []) : [] },
      },
    },
    status: { ...(d.status?.readyReplicas === undefined ? {} : { readyReplicas: d.status.readyReplicas }) },
  };
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

/** Gateway API gateways by `namespace/name`, with their class: it tells a waypoint from an ingress. */
type GatewayClasses = Map<string, string>;

function gatewayKind(deployment: V1Deployment, classes: GatewayClasses): GatewayInfo['kind'] | null {
  const labels = { ...deployment.metadata?.labels, ...deployment.spec?.template.metadata?.labels };
  const gatewayName = labels['gateway.networking.k8s.io/gateway-name'];
  const gatewayClass = gatewayName === undefined ? undefined : classes.get(`${deployment.metadata?.namespace ?? ''}/${gatewayName}`);
  if (gatewayClass === 'istio-waypoint' || labels['gateway.istio.io/managed'] === 'istio.io-mesh-controller') return 'waypoint';
  if (gatewayClass === 'istio') return 'ingress';
  const istio = labels.istio ?? '';
  if (istio.includes('egress')) return 'egress';
  if (istio.includes('ingress') || labels['gateway.istio.io/managed'] === 'istio.io-gateway-controller') return 'ingress';
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

function daemonSetInfo(ds: V1DaemonSet | undefined): DaemonSetInfo | null {
  if (ds === undefined) return null;
  return {
    namespace: ds.metadata?.namespace ?? '',
    name: ds.metadata?.name ?? '',
    version: versionFromImage(ds.spec?.template.spec?.containers[0]?.image),
    desired: ds.status?.desiredNumberScheduled ?? 0,
    ready: ds.status?.numberReady ?? 0,
  };
}

function literalEnv(deployment: V1Deployment): Record<string, string> {
  const container = deployment.spec?.template.spec?.containers.find((c) => c.name === 'discovery') ?? deployment.spec?.template.spec?.containers[0];
  const env: Record<string, string> = {};
  // Feature flags are what the prechecks read; anything named like a credential stays out of history.
  for (const e of container?.env ?? []) if (e.value !== undefined && !isSecretKey(e.name)) env[e.name] = redact(e.value);
  return env;
}

/**
 * Mesh config can hold credentials (a Lightstep `accessToken`, for one), and the inventory goes
 * into workflow history: their values are replaced before anything else sees them.
 */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretKey(k) && typeof v !== 'object' ? REDACTED : withoutSecrets(v)]));
}

function meshConfigOf(data: Record<string, string> | undefined): MeshConfig | null {
  const text = data?.mesh;
  if (text === undefined) return null;
  try {
    const parsed = withoutSecrets(parseYaml(text));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? summarizeMeshConfig(parsed as JsonObject) : null;
  } catch {
    return null;
  }
}

function webhookInfo(kind: WebhookInfo['kind'], config: V1MutatingWebhookConfiguration | V1ValidatingWebhookConfiguration): WebhookInfo {
  const name = config.metadata?.name ?? '';
  const labels = config.metadata?.labels ?? {};
  const hooks = config.webhooks ?? [];
  return {
    kind,
    name,
    istio: labels.app === 'sidecar-injector' || labels.app === 'istiod' || REV_LABEL in labels || name.startsWith('istio'),
    targetsPods: hooks.some((h) =>
      (h.rules ?? []).some(
        (r) => (r.resources ?? []).some((res) => res === 'pods' || res === '*') && (r.operations ?? []).some((op) => op === 'CREATE' || op === 'UPDATE' || op === '*'),
      ),
    ),
    services: hooks.flatMap((h) => (h.clientConfig.service === undefined ? [] : [{ namespace: h.clientConfig.service.namespace, name: h.clientConfig.service.name }])),
  };
}

interface CustomList {
  items?: SailObject[];
}

async function readSail(clients: KubeClients): Promise<{ inventory: SailInventory; compatibilityVersion: string | null } | null> {
  const list = (plural: string) =>
    optional(`list ${plural}.${SAIL_GROUP}`, async () => (await clients.custom.listClusterCustomObject({ group: SAIL_GROUP, version: SAIL_VERSION, plural })) as CustomList);
  const istios = await list('istios');
  if (istios === null) return null;
  const [revisions, tags, cnis, ztunnels] = await Promise.all([list('istiorevisions'), list('istiorevisiontags'), list('istiocnis'), list('ztunnels')]);
  const istio = istios.items?.find((i) => i.metadata?.name === 'default') ?? istios.items?.[0];
  const spec = (istio?.spec ?? {}) as SailObject['spec'] & { values?: { compatibilityVersion?: string; meshConfig?: { discoverySelectors?: unknown } } };
  const named = (items: SailObject[] | undefined) => {
    const found = items?.find((i) => i.metadata?.name === 'default');
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
              activeRevisionName: (istio as SailObject & { status?: { activeRevisionName?: string } }).status?.activeRevisionName ?? null,
              updateStrategy: spec?.updateStrategy?.type ?? 'InPlace',
              inactiveRevisionDeletionGracePeriodSeconds: spec?.updateStrategy?.inactiveRevisionDeletionGracePeriodSeconds ?? null,
              discoverySelectors: Array.isArray(selectors) ? (selectors as NonNullable<SailInventory['istio']>['discoverySelectors']) : null,
            },
      revisions: (revisions?.items ?? [])
        .map((r) => ({ name: r.metadata?.name ?? '', version: r.spec?.version ?? '', inUse: condition(r, 'InUse')?.status === 'True' }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      revisionTags: (tags?.items ?? [])
        .map((t): SailInventory['revisionTags'][number] => {
          const status = (t as SailObject & { status?: { istioRevision?: string } }).status;
          const ref = (t.spec as { targetRef?: { kind?: string; name?: string } } | undefined)?.targetRef;
          // Which kind the tag follows decides whether a revision-based update moves it (Istio) or not (IstioRevision).
          const kind: 'Istio' | 'IstioRevision' | undefined = ref?.kind === 'Istio' ? 'Istio' : ref?.kind === 'IstioRevision' ? 'IstioRevision' : undefined;
          const targetRef: { kind: 'Istio' | 'IstioRevision'; name: string } | undefined = kind && ref?.name ? { kind, name: ref.name } : undefined;
          return { name: t.metadata?.name ?? '', revision: status?.istioRevision ?? ref?.name ?? '', ...(targetRef && { targetRef }) };
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
      cni: named(cnis?.items),
      ztunnel: named(ztunnels?.items),
    },
  };
}

export function createInventoryActivities(clients: KubeClients) {
  return {
    readInventory: async (input: ReadInventoryInput = {}): Promise<Inventory> => {
      const cpNamespace = input.controlPlaneNamespace ?? 'istio-system';
      const [namespaces, deployments, pods, daemonSets, configMaps, pdbs, mutating, validating, services, helmReleases, sail, gatewayApi] = await Promise.all([
        listAll('list namespaces', (page) => clients.core.listNamespace(page), (n) => ({ name: n.metadata?.name ?? '', labels: { ...n.metadata?.labels } })),
        listAll('list deployments', (page) => clients.apps.listDeploymentForAllNamespaces(page), (d) => slimDeployment(d, cpNamespace)),
        listAll('list pods', (page) => clients.core.listPodForAllNamespaces(page), podFacts),
        listAll('list daemon sets', (page) => clients.apps.listDaemonSetForAllNamespaces(page), (d) => d),
        read(`list config maps in ${cpNamespace}`, () => clients.core.listNamespacedConfigMap({ namespace: cpNamespace })),
        optional(`list pod disruption budgets in ${cpNamespace}`, () => clients.policy.listNamespacedPodDisruptionBudget({ namespace: cpNamespace })),
        read('list mutating webhooks', () => clients.admission.listMutatingWebhookConfiguration()),
        read('list validating webhooks', () => clients.admission.listValidatingWebhookConfiguration()),
        listAll('list services', (page) => clients.core.listServiceForAllNamespaces(page), (svc) => `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`),
        helmReleaseNames(clients, cpNamespace),
        readSail(clients),
        optional(
          'list gateways.gateway.networking.k8s.io',
          async () =>
            (await clients.custom.listCustomObjectForAllNamespaces({ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' })) as {
              items?: { metadata?: { namespace?: string; name?: string }; spec?: { gatewayClassName?: string } }[];
            },
        ),
      ]);
      const gatewayClasses: GatewayClasses = new Map(
        (gatewayApi?.items ?? []).map((g) => [`${g.metadata?.namespace ?? ''}/${g.metadata?.name ?? ''}`, g.spec?.gatewayClassName ?? '']),
      );

      const podsByNamespace = new Map<string, PodFacts[]>();
      for (const pod of pods) {
        const inNamespace = podsByNamespace.get(pod.namespace);
        if (inNamespace === undefined) podsByNamespace.set(pod.namespace, [pod]);
        else inNamespace.push(pod);
      }
      const podsOf = (d: V1Deployment) => (podsByNamespace.get(d.metadata?.namespace ?? '') ?? []).filter((p) => p.running && selectorMatches(d.spec?.selector, p.labels));

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
        }))
        .sort(byNamespaceThenName);

      const gateways: GatewayInfo[] = deployments
        .flatMap((d) => {
          const kind = gatewayKind(d, gatewayClasses);
          if (kind === null) return [];
          const proxies = podsOf(d).map((p) => ({ revision: p.revision, version: p.proxy?.version ?? null }));
          return [
            {
              namespace: d.metadata?.namespace ?? '',
              name: d.metadata?.name ?? '',
              kind,
              revision: proxies[0]?.revision ?? d.spec?.template.metadata?.labels?.[REV_LABEL] ?? null,
              version: lowestVersion(proxies.map((p) => p.version)),
            },
          ];
        })
        .sort(byNamespaceThenName);

      const configMapData = new Map(configMaps.items.map((c) => [c.metadata?.name ?? '', c.data]));
      const pdbSelectors = (pdbs?.items ?? []).map((p) => p.spec?.selector);
      const istiods = deployments.filter((d) => d.metadata?.namespace === cpNamespace && (d.spec?.template.metadata?.labels?.app ?? d.metadata?.labels?.app) === 'istiod');
      const revisions: RevisionInfo[] = istiods
        .map((d) => {
          const name = d.spec?.template.metadata?.labels?.[REV_LABEL] ?? d.metadata?.labels?.[REV_LABEL] ?? 'default';
          const env = literalEnv(d);
          const image = d.spec?.template.spec?.containers.find((c) => c.name === 'discovery')?.image ?? d.spec?.template.spec?.containers[0]?.image;
          return {
            name,
            version: versionFromImage(image),
            istiodReplicas: d.spec?.replicas ?? 1,
            hasPodDisruptionBudget: pdbSelectors.some((s) => selectorMatches(s, d.spec?.template.metadata?.labels)),
            meshConfig: meshConfigOf(configMapData.get(name === 'default' ? 'istio' : `istio-${name}`) ?? configMapData.get('istio')),
            istiodEnv: env,
            compatibilityVersion: d.metadata?.annotations?.['istio.io/compatibility-version'] ?? env.COMPATIBILITY_VERSION ?? sail?.compatibilityVersion ?? null,
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name));

      const tags: TagInfo[] = mutating.items
        .filter((w) => (w.metadata?.name ?? '').startsWith(TAG_WEBHOOK_PREFIX))
        .map((w) => ({ name: w.metadata?.labels?.['istio.io/tag'] ?? (w.metadata?.name ?? '').slice(TAG_WEBHOOK_PREFIX.length), revision: w.metadata?.labels?.[REV_LABEL] ?? '' }))
        .sort((a, b) => a.name.localeCompare(b.name));

      const installer: Installer =
        sail !== null && sail.inventory.istio !== null
          ? 'sail'
          : helmReleases.some((r) => r === 'istiod' || r.startsWith('istiod'))
            ? 'helm'
            : configMapData.has('istio-installed-state') || istiods.some((d) => d.metadata?.labels?.['install.operator.istio.io/owning-resource'] !== undefined)
              ? 'istioctl'
              : 'unknown';

      const findDaemonSet = (name: string) => daemonSets.find((d) => d.metadata?.name === name);
      return {
        observedAt: new Date().toISOString(),
        context: clients.kubeConfig.getCurrentContext() || null,
        controlPlane: { namespace: cpNamespace, installer, revisions, tags },
        namespaces: namespaces.sort((a, b) => a.name.localeCompare(b.name)),
        deployments: deploymentInfos,
        gateways,
        cni: daemonSetInfo(findDaemonSet('istio-cni-node')),
        ztunnel: daemonSetInfo(findDaemonSet('ztunnel')),
        sail: sail?.inventory ?? null,
        webhooks: [
          ...mutating.items.map((w) => webhookInfo('mutating', w)),
          ...validating.items.map((w) => webhookInfo('validating', w)),
        ].sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind.localeCompare(b.kind))),
        services: services.sort(),
      };
    },
  };
}

/**
 * Helm keeps a release in Secrets labelled `owner=helm`; only their `name` label is needed, so
 * they are listed as metadata only: the release data (values, manifests) never reaches the
 * worker, and only release names leave this function. RBAC may forbid Secrets: then the installer guess
 * just has one clue less.
 */
async function helmReleaseNames(clients: KubeClients, namespace: string): Promise<string[]> {
  try {
    const names = await listAll(
      `list helm releases in ${namespace}`,
      (page) => clients.core.listNamespacedSecret({ namespace, labelSelector: 'owner=helm', ...page }, metadataOnly),
      (secret) => secret.metadata?.labels?.name ?? '',
    );
    return [...new Set(names)].filter((n) => n !== '');
  } catch (err) {
    if (err instanceof ApplicationFailure && (err.type === 'Forbidden' || err.type === 'NotFound')) return [];
    throw err;
  }
}
