/**
 * Turns what was read from a cluster into a scenario file the simulator loads as it is
 * (sim/scenario/schema.ts; production code cannot import it, so a test validates the output
 * with the simulator's own schema). The scenario describes the cluster the way an installer
 * would have left it: the Istio installation (installer, mode, revisions, tags, gateways,
 * mesh config as far as the prechecks read it), namespaces with their labels and workloads,
 * waypoints, nodes. Objects an installer or a controller creates (istiod, gateways, CNI, ztunnel,
 * pods, ReplicaSets, Services) are left to the simulator, which creates them from that description.
 *
 * What the scenario format cannot say is reported in `notes`, never silently dropped.
 */
import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import type { Installer, Inventory, RevisionInfo } from '../../core/inventory.js';
import type { Observation } from './observe.js';

/** Namespaces the simulator creates by itself. */
const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
/** Labels the API server or the kubelet sets by itself. */
const AUTOMATIC_NAMESPACE_LABELS = new Set(['kubernetes.io/metadata.name']);

export interface SnapshotScenario {
  scenario: Record<string, unknown>;
  /** What the snapshot could not express in the scenario format, for the operator to read. */
  notes: string[];
}

type Labels = Record<string, string>;

const nonEmpty = (labels: Labels | undefined): Labels | undefined =>
  labels && Object.keys(labels).length > 0 ? labels : undefined;
const bare = (version: string) => version.replace(/^v/, '');
/** The simulator's own default; a deployment whose readiness probe says otherwise gets its own readySeconds. */
const DEFAULT_READY_SECONDS = 5;

/** Only what the prechecks read of mesh config: provider names and kinds, and proxy metadata flags. */
function meshConfigFields(revision: RevisionInfo | undefined): Record<string, unknown> | undefined {
  const mesh = revision?.meshConfig;
  if (!mesh) return undefined;
  const out: Record<string, unknown> = {};
  if (mesh.extensionProviders.length > 0)
    out.extensionProviders = mesh.extensionProviders.map((p) => ({ name: p.name, [p.kind]: {} }));
  if (Object.keys(mesh.proxyMetadata).length > 0) out.defaultConfig = { proxyMetadata: mesh.proxyMetadata };
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * When a pod of this template turns ready, as far as its spec says: the readiness probe's first
 * success (initial delay, plus a period per further success required). Null without a probe:
 * how long an application takes to start is not written anywhere a list call can read.
 */
function probeReadySeconds(d: V1Deployment): number | null {
  const containers = (d.spec?.template.spec?.containers ?? []).filter((c) => c.name !== 'istio-proxy');
  const delays = containers.flatMap((c) => {
    const probe = c.readinessProbe;
    if (probe === undefined) return [];
    return [(probe.initialDelaySeconds ?? 0) + ((probe.successThreshold ?? 1) - 1) * (probe.periodSeconds ?? 10)];
  });
  return delays.length === 0 ? null : Math.max(...delays);
}

function istioSection(
  observed: Observation,
  managed: Set<string>,
  notes: string[],
): Record<string, unknown> | undefined {
  const inventory: Inventory = observed.inventory;
  const cp = inventory.controlPlane;
  const sail = inventory.sail;
  let installer: Installer = cp.installer;
  if (installer === 'unknown') {
    if (cp.revisions.length === 0) return undefined;
    notes.push(
      'the installer could not be told from the cluster (no Sail resource, Helm release or istioctl installed-state): written as istioctl',
    );
    installer = 'istioctl';
  }
  const ambient = inventory.ztunnel !== null || (sail?.ztunnel ?? null) !== null;
  const out: Record<string, unknown> = { installer, mode: ambient ? 'ambient' : 'sidecar', namespace: cp.namespace };
  for (const d of observed.deployments) {
    const labels = { ...d.metadata?.labels, ...d.spec?.template.metadata?.labels };
    if (d.metadata?.namespace === cp.namespace && labels.app === 'istiod')
      managed.add(`${cp.namespace}/${d.metadata?.name ?? ''}`);
  }
  for (const ds of [inventory.cni, inventory.ztunnel]) if (ds) managed.add(`${ds.namespace}/${ds.name}`);

  const gatewayRevision = (revision: string | null, defaultRevision: string) =>
    revision !== null && revision !== defaultRevision ? { revision } : {};
  const gateways = (defaultRevision: string) =>
    inventory.gateways
      .filter((g) => g.kind !== 'waypoint')
      .map((g) => {
        managed.add(`${g.namespace}/${g.name}`);
        const replicas =
          inventory.deployments.find((d) => d.namespace === g.namespace && d.name === g.name)?.replicas ?? 1;
        if (g.kind === 'egress')
          notes.push(
            `gateway ${g.namespace}/${g.name} is an egress gateway: the simulator installs it as an ingress-style gateway`,
          );
        return {
          name: g.name,
          namespace: g.namespace,
          replicas: Math.max(1, replicas),
          ...gatewayRevision(g.revision, defaultRevision),
        };
      });
  for (const g of inventory.gateways) if (g.kind === 'waypoint') managed.add(`${g.namespace}/${g.name}`);

  if (installer === 'sail') {
    const istio = sail?.istio;
    if (!istio) return undefined;
    out.version = bare(istio.version);
    if (!/^\d+\.\d+\.\d+$/.test(String(out.version)))
      notes.push(
        `Istio spec.version ${istio.version} is an alias: the scenario needs a version; ${String(out.version)} is written as read`,
      );
    const active = cp.revisions.find((r) => r.name === istio.activeRevisionName) ?? cp.revisions[0];
    const compatibility = active?.compatibilityVersion;
    if (compatibility) out.compatibilityVersion = compatibility;
    const mesh = meshConfigFields(active) ?? {};
    if (observed.sailDiscoverySelectors) mesh.discoverySelectors = observed.sailDiscoverySelectors;
    if (Object.keys(mesh).length > 0) out.meshConfig = mesh;
    out.sail = {
      updateStrategy: istio.updateStrategy,
      ...(istio.inactiveRevisionDeletionGracePeriodSeconds !== null && {
        inactiveRevisionDeletionGracePeriodSeconds: istio.inactiveRevisionDeletionGracePeriodSeconds,
      }),
      ...(observed.sailNodeAgentNamespaces.cni && { cniNamespace: observed.sailNodeAgentNamespaces.cni }),
      ...(observed.sailNodeAgentNamespaces.ztunnel && { ztunnelNamespace: observed.sailNodeAgentNamespaces.ztunnel }),
    };
    const tags = observed.sailTags.map((t) => ({
      name: t.name,
      revision: t.targetKind === 'Istio' ? 'default' : t.targetName,
    }));
    if (tags.length > 0) out.tags = tags;
    const list = gateways(active?.name ?? 'default');
    if (list.length > 0) out.gateways = list;
    if (sail && sail.revisions.length > 1)
      notes.push(
        `Sail shows ${sail.revisions.length} IstioRevisions (${sail.revisions.map((r) => r.name).join(', ')}): the simulator starts from the Istio resource and creates only its active revision`,
      );
    return out;
  }

  // istioctl and Helm: the default control plane is the revision-less istiod when there is one,
  // else the revision the `default` tag points to, else the oldest.
  const byName = new Map(cp.revisions.map((r) => [r.name, r]));
  const defaultName = byName.has('default')
    ? 'default'
    : (cp.tags.find((t) => t.name === 'default')?.revision ?? cp.revisions[0]?.name ?? 'default');
  const defaultRevision = byName.get(defaultName);
  if (!defaultRevision?.version) {
    notes.push('no istiod version could be read from its image: no Istio written');
    return undefined;
  }
  out.version = defaultRevision.version;
  if (defaultName !== 'default') out.defaultRevision = defaultName;
  const others = cp.revisions
    .filter((r) => r.name !== defaultName && r.version !== null)
    .map((r) => ({ name: r.name, version: r.version }));
  if (others.length > 0) out.revisions = others;
  if (cp.tags.length > 0) out.tags = cp.tags.map((t) => ({ name: t.name, revision: t.revision }));
  const list = gateways(defaultName);
  if (list.length > 0) out.gateways = list;
  if (defaultRevision.compatibilityVersion) out.compatibilityVersion = defaultRevision.compatibilityVersion;
  const mesh = meshConfigFields(defaultRevision);
  if (mesh) out.meshConfig = mesh;
  const differing = cp.revisions.filter(
    (r) => r.name !== defaultName && JSON.stringify(meshConfigFields(r)) !== JSON.stringify(mesh),
  );
  if (differing.length > 0)
    notes.push(
      `revision(s) ${differing.map((r) => r.name).join(', ')} have their own mesh config: the simulator gives every revision the default revision's`,
    );
  return out;
}

function deploymentEntry(d: V1Deployment, notes: string[]): Record<string, unknown> {
  const name = d.metadata?.name ?? '';
  const namespace = d.metadata?.namespace ?? '';
  const template = d.spec?.template;
  const podLabels = { ...template?.metadata?.labels };
  const selector = d.spec?.selector?.matchLabels;
  // The simulator selects pods by `app` and `version` (from the name's -vN suffix, else v1).
  const simApp = d.metadata?.labels?.app ?? name.replace(/-v\d+$/, '');
  const simVersion = /-(v\d+)$/.exec(name)?.[1] ?? 'v1';
  const expected = { app: simApp, version: simVersion };
  if (d.spec?.selector?.matchExpressions?.length || JSON.stringify(selector ?? {}) !== JSON.stringify(expected)) {
    notes.push(
      `deployment ${namespace}/${name}: selector ${JSON.stringify(d.spec?.selector ?? {})} is written as the simulator's ${JSON.stringify(expected)}`,
    );
  }
  const containers = template?.spec?.containers ?? [];
  const app = containers.find((c) => c.name !== 'istio-proxy');
  if (containers.filter((c) => c.name !== 'istio-proxy').length > 1)
    notes.push(`deployment ${namespace}/${name}: ${containers.length} containers, written as one (${app?.name ?? ''})`);
  const rolling = d.spec?.strategy?.rollingUpdate;
  const ready = probeReadySeconds(d);
  return {
    name,
    replicas: d.spec?.replicas ?? 1,
    ...(ready !== null && { readySeconds: ready }),
    ...(nonEmpty(d.metadata?.labels) && { labels: d.metadata?.labels }),
    ...(nonEmpty(podLabels) && { podLabels }),
    ...(nonEmpty(template?.metadata?.annotations) && { podAnnotations: template?.metadata?.annotations }),
    ...(app?.image && { image: app.image }),
    ...(rolling?.maxSurge !== undefined && { maxSurge: rolling.maxSurge }),
    ...(rolling?.maxUnavailable !== undefined && { maxUnavailable: rolling.maxUnavailable }),
    ...(d.spec?.progressDeadlineSeconds !== undefined && { progressDeadlineSeconds: d.spec.progressDeadlineSeconds }),
  };
}

/** A DaemonSet of the user's own, as a manifest the simulator creates as it is. */
function daemonSetManifest(ds: V1DaemonSet): Record<string, unknown> {
  const { metadata, spec } = ds;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: metadata?.name ?? '',
      namespace: metadata?.namespace ?? '',
      ...(nonEmpty(metadata?.labels) && { labels: metadata?.labels }),
      ...(nonEmpty(metadata?.annotations) && { annotations: metadata?.annotations }),
    },
    spec: JSON.parse(JSON.stringify(spec ?? {})) as unknown,
  };
}

export function scenarioFromCluster(observed: Observation, name: string, description: string): SnapshotScenario {
  const notes: string[] = [];
  /** `namespace/name` of workloads the Istio installation owns: the simulator recreates them from `istio`. */
  const managed = new Set<string>();
  const istio = istioSection(observed, managed, notes);
  const infraNamespaces = new Set<string>([...SYSTEM_NAMESPACES, observed.inventory.controlPlane.namespace]);
  if (istio?.installer === 'sail') infraNamespaces.add('sail-operator');
  for (const ns of [observed.sailNodeAgentNamespaces.cni, observed.sailNodeAgentNamespaces.ztunnel])
    if (ns) infraNamespaces.add(ns);
  for (const g of observed.inventory.gateways) if (g.kind !== 'waypoint') infraNamespaces.add(g.namespace);

  const namespaces = observed.namespaces
    .map((ns) => {
      const labels = Object.fromEntries(
        Object.entries(ns.labels).filter(([key]) => !AUTOMATIC_NAMESPACE_LABELS.has(key)),
      );
      const deployments = observed.deployments
        .filter((d) => d.metadata?.namespace === ns.name && !managed.has(`${ns.name}/${d.metadata?.name ?? ''}`))
        .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
        .map((d) => deploymentEntry(d, notes));
      const waypoints = observed.gateways
        .filter((g) => g.namespace === ns.name && g.className === 'istio-waypoint')
        .map((g) => ({ name: g.name, ...(g.labels['istio.io/rev'] && { revision: g.labels['istio.io/rev'] }) }));
      return { name: ns.name, labels, deployments, waypoints };
    })
    // Namespaces the simulator creates itself are written only when they carry something of the cluster's own.
    .filter(
      (ns) =>
        !infraNamespaces.has(ns.name) ||
        ns.deployments.length > 0 ||
        ns.waypoints.length > 0 ||
        Object.keys(ns.labels).length > 0,
    )
    .map((ns) => ({
      name: ns.name,
      ...(nonEmpty(ns.labels) && { labels: ns.labels }),
      ...(ns.waypoints.length > 0 && { waypoints: ns.waypoints }),
      ...(ns.deployments.length > 0 && { deployments: ns.deployments }),
    }));

  const objects = observed.daemonSets
    .filter((ds) => !managed.has(`${ds.metadata?.namespace ?? ''}/${ds.metadata?.name ?? ''}`))
    .map(daemonSetManifest);

  const nodes = observed.nodes.map((n) => {
    // The simulator labels every node with its hostname and OS itself.
    const labels = Object.fromEntries(
      Object.entries(n.labels).filter(
        ([key, value]) =>
          !(key === 'kubernetes.io/hostname' && value === n.name) && !(key === 'kubernetes.io/os' && value === 'linux'),
      ),
    );
    return { name: n.name, ...(nonEmpty(labels) && { labels }) };
  });

  return {
    notes,
    scenario: {
      name,
      description,
      timing: { podReadySeconds: DEFAULT_READY_SECONDS, jobRunSeconds: 3 },
      nodes: nodes.length > 0 ? nodes : 1,
      ...(istio && { istio }),
      namespaces,
      ...(objects.length > 0 && { objects }),
    },
  };
}
