/**
 * Who serves what right now: the synthetic traffic of every mesh workload, as flows through the
 * proxies that report it. A Deployment's requests per second are split over its ready pods; a
 * pod that is not ready (starting, stuck, terminating) serves nothing, so a rollout shows as a
 * shift from old pods to new ones. Which proxy reports a pod's traffic follows Istio:
 * - a sidecar pod: its sidecar (reporter "destination") and the ingress gateway in front of it
 *   (reporter "source"), HTTP only;
 * - an ambient pod: the ztunnel on its node, L4 only (`istio_tcp_*`), and HTTP only when it uses
 *   a waypoint (reporter "waypoint");
 * - anything else is outside the mesh and reports nothing.
 * A `signals` fault is resolved here per proxy, so it degrades only traffic through a proxy of
 * the version or revision it names.
 */
import type { KubeObject } from '../api/object.js';
import { T } from '../api/resources.js';
import type { Store } from '../api/store.js';
import { owningWorkload } from '../controllers/owners.js';
import { proxyVersionOf } from '../controllers/pod-lifecycle.js';
import { asPod, isPodReady, type Deployment, type Pod } from '../controllers/shapes.js';
import { isTerminating } from '../controllers/termination.js';
import type { FaultSet, SignalsEffect } from '../faults/fault-set.js';
import { injectedRevision } from '../istio/injection.js';
import { imageVersion } from '../istio/version.js';

/** A Deployment's requests per second (sim time), on the Deployment or its pod template; "0" means none. */
export const RPS_ANNOTATION = 'sim.istio-upgrade.io/rps';
export const DEFAULT_RPS = 10;

const DATAPLANE_MODE = 'istio.io/dataplane-mode';
const USE_WAYPOINT = 'istio.io/use-waypoint';
const USE_WAYPOINT_NAMESPACE = 'istio.io/use-waypoint-namespace';
const GATEWAY_NAME = 'gateway.networking.k8s.io/gateway-name';
const GATEWAY_CLASS = 'gateway.networking.k8s.io/gateway-class-name';

/** The labels Istio puts on every request and TCP series, in exposition order. */
export interface TrafficLabels {
  reporter: 'source' | 'destination' | 'waypoint';
  source_workload: string;
  source_workload_namespace: string;
  destination_workload: string;
  destination_workload_namespace: string;
  destination_service: string;
  connection_security_policy: string;
}

export interface Flow {
  /** HTTP requests (`istio_requests_total`, the duration histogram) or TCP connections (`istio_tcp_*`). */
  protocol: 'http' | 'tcp';
  labels: TrafficLabels;
  /** Requests (or connections) per sim-second through this proxy. */
  rate: number;
  effect: SignalsEffect;
}

interface Proxy {
  version?: string;
  revision?: string;
}

const ready = (p: Pod): boolean => isPodReady(p) && !isTerminating(p);

function rpsOf(d: Deployment): number {
  const raw = d.metadata.annotations?.[RPS_ANNOTATION] ?? d.spec.template.metadata?.annotations?.[RPS_ANNOTATION];
  const n = Number(raw);
  return raw !== undefined && Number.isFinite(n) && n >= 0 ? n : DEFAULT_RPS;
}

/** Gateways and waypoints are proxies in front of workloads, not workloads that receive traffic. */
function isProxyDeployment(d: Deployment): boolean {
  return (
    d.metadata.labels?.['gateway.istio.io/managed'] !== undefined ||
    d.spec.template.metadata?.annotations?.['inject.istio.io/templates'] === 'gateway'
  );
}

function revisionOf(p: Pod): string | undefined {
  return injectedRevision(p) ?? p.metadata.labels?.['istio.io/rev'];
}

function ztunnelVersion(p: Pod): string | undefined {
  return imageVersion(p.spec.containers[0]?.image);
}

export function currentFlows(store: Store, faults: FaultSet): Flow[] {
  const namespaces = new Map(store.list(T.namespaces).map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
  const services = new Map<string, KubeObject[]>();
  for (const svc of store.list(T.services)) {
    const ns = svc.metadata.namespace ?? '';
    const list = services.get(ns);
    if (list) list.push(svc);
    else services.set(ns, [svc]);
  }
  const pods = store.list(T.pods).map(asPod);

  const byDeployment = new Map<string, Pod[]>();
  const ztunnels = new Map<string, Pod[]>();
  const waypoints = new Map<string, Pod[]>();
  const add = (map: Map<string, Pod[]>, key: string, p: Pod): void => {
    const list = map.get(key);
    if (list) list.push(p);
    else map.set(key, [p]);
  };
  for (const p of pods) {
    if (!ready(p)) continue;
    const owner = owningWorkload(store, p);
    if (owner?.kind === 'Deployment') add(byDeployment, `${p.metadata.namespace ?? ''}/${owner.name}`, p);
    if (owner?.kind === 'DaemonSet' && owner.name === 'ztunnel' && p.spec.nodeName !== undefined)
      add(ztunnels, p.spec.nodeName, p);
    const gateway = p.metadata.labels?.[GATEWAY_NAME];
    if (gateway !== undefined && p.metadata.labels?.[GATEWAY_CLASS] === 'istio-waypoint')
      add(waypoints, `${p.metadata.namespace ?? ''}/${gateway}`, p);
  }

  const deployments = store.list(T.deployments) as Deployment[];
  // The client of every workload: the first ingress gateway with a ready pod, else a caller
  // outside the mesh, which Istio reports as "unknown" and which reports nothing itself.
  const gateway = deployments
    .filter((d) => isProxyDeployment(d) && d.metadata.labels?.['gateway.istio.io/managed'] === undefined)
    .map((d) => ({ name: d.metadata.name, namespace: d.metadata.namespace ?? '' }))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))
    .find((g) => (byDeployment.get(`${g.namespace}/${g.name}`)?.length ?? 0) > 0);
  const source = gateway ?? { name: 'unknown', namespace: 'unknown' };

  const serviceOf = (p: Pod): KubeObject | undefined =>
    services.get(p.metadata.namespace ?? '')?.find((s) => {
      const selector = (s.spec as { selector?: Record<string, string> } | undefined)?.selector;
      return (
        selector !== undefined &&
        Object.keys(selector).length > 0 &&
        Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v)
      );
    });

  const flows: Flow[] = [];
  for (const d of deployments) {
    if (isProxyDeployment(d)) continue;
    const namespace = d.metadata.namespace ?? '';
    const serving = byDeployment.get(`${namespace}/${d.metadata.name}`) ?? [];
    const rps = rpsOf(d);
    if (serving.length === 0 || rps === 0) continue;
    const perPod = rps / serving.length;
    const nsLabels = namespaces.get(namespace) ?? {};
    const effectThrough = (proxy: Proxy) =>
      faults.signals({
        namespace,
        workload: d.metadata.name,
        ...(proxy.version !== undefined && { proxyVersion: proxy.version }),
        ...(proxy.revision !== undefined && { revision: proxy.revision }),
      });

    for (const pod of serving) {
      const service = serviceOf(pod);
      const labels = (reporter: TrafficLabels['reporter'], security: string): TrafficLabels => ({
        reporter,
        source_workload: source.name,
        source_workload_namespace: source.namespace,
        destination_workload: d.metadata.name,
        destination_workload_namespace: namespace,
        destination_service: service
          ? `${service.metadata.name}.${namespace}.svc.cluster.local`
          : `${d.metadata.name}.${namespace}.svc.cluster.local`,
        connection_security_policy: security,
      });

      const sidecarVersion = proxyVersionOf(pod);
      if (sidecarVersion !== undefined) {
        const effect = effectThrough({ version: sidecarVersion, revision: revisionOf(pod) });
        flows.push({
          protocol: 'http',
          labels: labels('destination', gateway ? 'mutual_tls' : 'none'),
          rate: perPod,
          effect,
        });
        // The client's proxy sees the same answers; a source proxy does not know the policy.
        if (gateway) flows.push({ protocol: 'http', labels: labels('source', 'unknown'), rate: perPod, effect });
        continue;
      }

      const podMode = pod.metadata.labels?.[DATAPLANE_MODE];
      if (podMode === 'none' || (podMode !== 'ambient' && nsLabels[DATAPLANE_MODE] !== 'ambient')) continue;
      // Ambient: the ztunnel on the pod's node carries every connection; none ready, no traffic.
      const nodeZtunnels = ztunnels.get(pod.spec.nodeName ?? '') ?? [];
      if (nodeZtunnels.length === 0) continue;
      for (const z of nodeZtunnels)
        flows.push({
          protocol: 'tcp',
          labels: labels('destination', 'mutual_tls'),
          rate: perPod / nodeZtunnels.length,
          effect: effectThrough({ version: ztunnelVersion(z), revision: z.metadata.labels?.['istio.io/rev'] }),
        });

      // The pod's label wins over its Service's, which wins over its namespace's; "none" opts out.
      const holder = [pod.metadata.labels, service?.metadata.labels, nsLabels].find(
        (l) => l?.[USE_WAYPOINT] !== undefined,
      );
      const waypoint = holder?.[USE_WAYPOINT];
      if (waypoint === undefined || waypoint === 'none') continue;
      const through = waypoints.get(`${holder?.[USE_WAYPOINT_NAMESPACE] ?? namespace}/${waypoint}`) ?? [];
      for (const w of through)
        flows.push({
          protocol: 'http',
          labels: labels('waypoint', 'mutual_tls'),
          rate: perPod / through.length,
          effect: effectThrough({ version: proxyVersionOf(w), revision: revisionOf(w) }),
        });
    }
  }
  return merged(flows);
}

/** Pods of one workload behind the same kind of proxy report into the same series: one flow each. */
function merged(flows: Flow[]): Flow[] {
  const byKey = new Map<string, Flow>();
  for (const f of flows) {
    const key = JSON.stringify([f.protocol, f.labels, f.effect]);
    const seen = byKey.get(key);
    if (seen) seen.rate += f.rate;
    else byKey.set(key, { ...f });
  }
  return [...byKey.values()];
}

/** One `istio_build` row per running proxy: sidecars, gateways, waypoints and ztunnels. */
export function runningProxies(store: Store): Array<{ pod: string; namespace: string; version: string }> {
  const proxies: Array<{ pod: string; namespace: string; version: string }> = [];
  for (const p of store.list(T.pods).map(asPod)) {
    if (p.status?.phase !== 'Running') continue;
    const isZtunnel = p.metadata.labels?.app === 'ztunnel';
    const version = isZtunnel ? ztunnelVersion(p) : proxyVersionOf(p);
    if (version !== undefined) proxies.push({ pod: p.metadata.name, namespace: p.metadata.namespace ?? '', version });
  }
  return proxies;
}
