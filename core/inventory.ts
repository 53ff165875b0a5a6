/**
 * What was observed in the cluster: the only input besides the spec that the planner and the
 * prechecks read. Plain JSON data because it crosses Temporal activity boundaries (the
 * kubernetes adapter's `readInventory` returns it, workflows hand it back to the planner).
 *
 * Versions are the strings Istio reports (`1.27.3`); `null` means "could not be determined",
 * which the planner treats as unknown, never as a guess. Lists are sorted by the reader
 * (namespace, then name) so that two reads of the same cluster compare equal.
 */

import { REVERTED_ANNOTATION } from './labels.js';
import type { RevertedAnnotation } from './labels.js';

/** A JSON value, so that `raw` fields stay serializable without `any`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A Kubernetes label selector, as in `metav1.LabelSelector`. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** `namespace/name` of an object; the planner and prechecks name objects this way in evidence. */
export interface ObjectRef {
  namespace: string;
  name: string;
}

export type Installer = 'istioctl' | 'helm' | 'sail' | 'unknown';

export interface Inventory {
  /** When the read finished (ISO 8601), shown in the plan so an operator sees how fresh it is. */
  observedAt: string;
  /** The kubeconfig context that was read, when known. */
  context: string | null;
  controlPlane: ControlPlane;
  /** Every namespace with its labels (mesh membership is decided from labels by the planner). */
  namespaces: NamespaceInfo[];
  /** Every Deployment in the namespaces read, gateways included (they are also in `gateways`). */
  deployments: DeploymentInfo[];
  /** Deployments that run an Istio gateway or waypoint proxy. */
  gateways: GatewayInfo[];
  /** DaemonSet `istio-cni-node`; null when not installed. */
  cni: DaemonSetInfo | null;
  /** DaemonSet `ztunnel`; null when not installed (sidecar mode). */
  ztunnel: DaemonSetInfo | null;
  /** Sail operator resources; null when the `sailoperator.io` API is not served. */
  sail: SailInventory | null;
  /** Mutating and validating webhook configurations, Istio's and others'. */
  webhooks: WebhookInfo[];
  /** Every Service that exists, as `namespace/name`, so a webhook pointing nowhere is visible. */
  services: string[];
  /**
   * The cluster the worker that read this says it serves (ISTIO_UPGRADE_CLUSTER), when it says
   * one: an upgrade for another cluster is refused before anything is planned. Absent in reads by
   * the CLI and by workers that do not name their cluster.
   */
  servedCluster?: string;
}

export interface ControlPlane {
  /** The namespace istiod runs in, usually `istio-system`. */
  namespace: string;
  /**
   * The reader's best guess at how Istio was installed (Sail resources, Helm release secrets,
   * the `installed-state` IstioOperator). The spec's `install.method` wins; a mismatch is a finding.
   */
  installer: Installer;
  /** One entry per istiod revision; an unrevisioned install is the revision `default`. */
  revisions: RevisionInfo[];
  /** Revision tags (`istio-revision-tag-<name>` webhooks) and the revision each points to. */
  tags: TagInfo[];
}

export interface RevisionInfo {
  /** `default`, `1-27-3`, or for Sail `default-v1-27-3`. */
  name: string;
  /** Version of the istiod image, e.g. `1.27.3`. */
  version: string | null;
  /** `spec.replicas` of the istiod Deployment (after the HPA, if any, has acted). */
  istiodReplicas: number;
  /** Whether a PodDisruptionBudget selects this revision's istiod pods. */
  hasPodDisruptionBudget: boolean;
  /** Mesh config of this revision (ConfigMap `istio` or `istio-<rev>`, key `mesh`), summarised. */
  meshConfig: MeshConfig | null;
  /** Environment variables of the istiod container (feature flags such as `ENABLE_AUTO_SNI`). */
  istiodEnv: Record<string, string>;
  /** `compatibilityVersion` the revision was installed with (Helm values, Sail values), if any. */
  compatibilityVersion: string | null;
  /** Its istiod Deployment's pods; absent in inventories read before it was recorded. */
  health?: ComponentHealth;
}

/**
 * How far a component's pods are up: counts from the workload's status and, for each pod not
 * ready, where and why. Absent in inventories recorded before it existed (replayed histories).
 */
export interface ComponentHealth {
  /** Pods wanted: `spec.replicas`, or the nodes a DaemonSet should run on. */
  desired: number;
  ready: number;
  /** Pods of the current template (`updatedReplicas`, `updatedNumberScheduled`). */
  updated: number;
  /** Pods that exist and are not ready, by node then name. */
  unready: UnreadyPod[];
}

export interface UnreadyPod {
  pod: string;
  /** The node it runs on, or the one a DaemonSet pinned it to while it is unscheduled; null when neither. */
  node: string | null;
  /**
   * Why, from the pod's status: a container's waiting reason (`ContainerCreating`,
   * `ImagePullBackOff`, `CrashLoopBackOff`), `Unschedulable`, `Pending`, or `NotReady` (running,
   * failing its readiness, or on a node that stopped reporting).
   */
  reason: string;
  /** The latest Warning Event about the pod, `Reason: message` (`FailedCreatePodSandBox: …`); null when none. */
  event: string | null;
}

export interface TagInfo {
  /** Tag name, e.g. `prod-stable` or `default`. */
  name: string;
  /** The revision the tag points to. */
  revision: string;
}

/** The parts of mesh config the prechecks read; build it with `summarizeMeshConfig` in core/mesh-config.ts. */
export interface MeshConfig {
  /** `extensionProviders[]`: name and the provider kind, i.e. the key set besides `name` (`lightstep`, `opencensus`, `zipkin`, …). */
  extensionProviders: { name: string; kind: string }[];
  /** `defaultConfig.proxyMetadata`: environment flags given to every proxy. */
  proxyMetadata: Record<string, string>;
  /** The parsed mesh config as read, for checks that need more than the summary. */
  raw: JsonObject;
}

export interface NamespaceInfo {
  name: string;
  labels: Record<string, string>;
  /** Put back on the old revision by a revert (its `istio-upgrade.io/reverted` annotation); absent when not. */
  reverted?: RevertedMark;
}

/**
 * What a revert left on the Namespace (or, for a workload pinned by its pod label, its Deployment):
 * the `istio-upgrade.io/reverted` annotation (REVERTED_ANNOTATION in labels.ts), read. A later
 * upgrade of the same cluster plans only what is left from it (a continuation).
 */
export type RevertedMark = RevertedAnnotation;

/** The longest reason kept: the inventory goes into workflow history, and an operator's comment is unbounded. */
const REASON_LIMIT = 500;

function jsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/**
 * The mark an annotation value describes. A value that is not the JSON a revert writes still
 * marks the object as reverted (someone meant it), with what could be read and the reason saying
 * it was unreadable, so the planner names it instead of silently planning past it.
 */
export function revertedMarkOf(value: string): RevertedMark {
  const parsed = jsonOrNull(value);
  const fields = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
  const field = (key: string) => {
    const found = (fields as Record<string, unknown>)[key];
    return typeof found === 'string' ? found : '';
  };
  const reason = field('reason');
  return {
    upgrade: field('upgrade'),
    from: field('from'),
    to: field('to'),
    reason:
      fields === parsed
        ? reason.length > REASON_LIMIT
          ? `${reason.slice(0, REASON_LIMIT)}…`
          : reason
        : `unreadable ${REVERTED_ANNOTATION} annotation (expected JSON with upgrade, from, to, reason, at)`,
    at: field('at'),
  };
}

export interface DeploymentInfo {
  namespace: string;
  name: string;
  /** `spec.replicas`. */
  replicas: number;
  readyReplicas: number;
  /** Labels of the pod template (a pod-level `istio.io/rev` or `sidecar.istio.io/inject` lives here). */
  podLabels: Record<string, string>;
  /** Annotations of the pod template (`sidecar.istio.io/nativeSidecar`, `proxy.istio.io/config`, …). */
  podAnnotations: Record<string, string>;
  /** One entry per running pod that has an Istio proxy; empty when none of its pods is in the mesh. */
  proxies: ProxyInfo[];
  /** Put back on the old revision by a revert of this workload alone (pinned by its pod label); absent when not. */
  reverted?: RevertedMark;
}

export interface ProxyInfo {
  pod: string;
  /** Proxy version from the image tag or the `istio.io/proxy-version`-style status, e.g. `1.26.4`. */
  version: string | null;
  /** The `istio.io/rev` label injected on the pod, i.e. the revision that injected it. */
  revision: string | null;
  /** Whether istio-proxy runs as a native sidecar (an init container with restartPolicy Always). */
  nativeSidecar: boolean;
}

export interface GatewayInfo {
  namespace: string;
  name: string;
  /** `ingress`, `egress` or `waypoint` (a Gateway API gateway of class `istio-waypoint`). */
  kind: 'ingress' | 'egress' | 'waypoint';
  /** Revision the gateway proxies are connected to (pod label `istio.io/rev`). */
  revision: string | null;
  /** Proxy version of its pods (the lowest, when pods disagree). */
  version: string | null;
  /** Its Deployment's pods; absent in inventories read before it was recorded. */
  health?: ComponentHealth;
  /**
   * Waypoints only: the `istio.io/rev` label of their Gateway, which is what binds them (istiod
   * renders the waypoint's Deployment, pods and all, from the Gateway): a revision or tag name,
   * or null when the Gateway has none and follows the default tag. Absent for other gateways and
   * in inventories read before it existed, where the planner reads the pod template as it did.
   */
  gatewayRevLabel?: string | null;
}

export interface DaemonSetInfo {
  namespace: string;
  name: string;
  /** Image tag version of the DaemonSet template. */
  version: string | null;
  desired: number;
  ready: number;
  /** Its pods node by node; absent in inventories read before it was recorded. */
  health?: ComponentHealth;
}

export interface SailInventory {
  /** The `Istio` resource (Sail manages exactly one per control plane, usually named `default`). */
  istio: SailIstio | null;
  /** `IstioRevision` resources with their `InUse` condition. */
  revisions: { name: string; version: string; inUse: boolean }[];
  /**
   * `IstioRevisionTag` resources and the revision each resolves to; `targetRef` is the tag's
   * `spec.targetRef` (kind `Istio` follows the active revision, kind `IstioRevision` pins one),
   * absent when the reader did not report it.
   */
  revisionTags: { name: string; revision: string; targetRef?: { kind: 'Istio' | 'IstioRevision'; name: string } }[];
  /**
   * The versions the installed operator offers: the enum of `spec.version` in the `Istio` CRD
   * (`v1.27.3`, `v1.27-latest`, …). Absent or null when the reader could not tell.
   */
  supportedVersions?: string[] | null;
  /** The `IstioCNI` named `default`. */
  cni: { name: string; version: string } | null;
  /** The `ZTunnel` named `default`. */
  ztunnel: { name: string; version: string } | null;
  /** `Istio`, `IstioRevision`, `IstioCNI` and `ZTunnel` resources as they report themselves; absent in older inventories. */
  health?: SailHealth[];
}

export interface SailHealth {
  kind: 'Istio' | 'IstioRevision' | 'IstioCNI' | 'ZTunnel';
  name: string;
  /** `status.state` (`Healthy`, `NotReady`, `ReconcileError`…); null when not reported yet. */
  state: string | null;
  /** The `Ready` condition is True. */
  ready: boolean;
  /** The first condition that is not True, `Type Reason: message`; null when all are. */
  problem: string | null;
}

export interface SailIstio {
  name: string;
  /** `spec.namespace`: where istiod runs. */
  namespace: string;
  /** `spec.version` as written: a version (`v1.27.3`) or an alias (`v1.27-latest`). */
  version: string;
  /** `status.activeRevisionName`: the revision an alias really runs; absent when not reported. */
  activeRevisionName?: string | null;
  updateStrategy: 'InPlace' | 'RevisionBased';
  /** `spec.updateStrategy.inactiveRevisionDeletionGracePeriodSeconds`. */
  inactiveRevisionDeletionGracePeriodSeconds: number | null;
  /** `spec.values.meshConfig.discoverySelectors`; null when unset (istiod sees every namespace). */
  discoverySelectors: LabelSelector[] | null;
}

export interface WebhookInfo {
  kind: 'mutating' | 'validating';
  name: string;
  /** Whether Istio owns it (sidecar injector, revision tags, istiod's validator). */
  istio: boolean;
  /** Whether some rule matches CREATE or UPDATE of `pods` (a webhook that may edit containers). */
  targetsPods: boolean;
  /** `clientConfig.service` of each webhook entry; entries that use a URL are left out. */
  services: ObjectRef[];
}

/** An empty inventory, the base for fixtures and for readers that fill it incrementally. */
export function emptyInventory(observedAt: string): Inventory {
  return {
    observedAt,
    context: null,
    controlPlane: { namespace: 'istio-system', installer: 'unknown', revisions: [], tags: [] },
    namespaces: [],
    deployments: [],
    gateways: [],
    cni: null,
    ztunnel: null,
    sail: null,
    webhooks: [],
    services: [],
  };
}
