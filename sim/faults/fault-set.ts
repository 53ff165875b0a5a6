/**
 * The faults in force, asked by the API server (per request) and the controllers (per pod,
 * job and node). Counted faults ("the next N requests") retire themselves once spent.
 */
import { compareVersions, parseVersion } from '../istio/version.js';
import { faultSchema, type Fault, type FaultInput, type PodStuckReason } from './fault.js';
import { ApiError } from '../api/status.js';

export interface RequestAttributes {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** A pod as the `podStuck` fault selects it. */
export interface StuckTarget {
  namespace: string;
  /** The Deployment (not its ReplicaSet) or DaemonSet that owns it. */
  owner?: { kind: string; name: string };
  /** The node it runs on or, for an unscheduled DaemonSet pod, the node it is meant for. */
  node?: string;
  /** The version of its image: the proxy's when it has one, else the first container's. */
  version?: string;
}

function componentOf(daemonSet: string): 'ztunnel' | 'istio-cni' | undefined {
  if (daemonSet.includes('ztunnel')) return 'ztunnel';
  return daemonSet.includes('cni') ? 'istio-cni' : undefined;
}

function versionMatches(version: string | undefined, only: string | undefined, min: string | undefined): boolean {
  if (only !== undefined && (version === undefined || compareVersions(version, only) !== 0)) return false;
  return min === undefined || (version !== undefined && compareVersions(version, min) >= 0);
}

/** A proxy that carries a workload's traffic, as the `signals` fault selects it. */
export interface SignalsTarget {
  namespace: string;
  /** The destination Deployment. */
  workload: string;
  /** The version of the proxy the traffic passes (sidecar, ztunnel or waypoint). */
  proxyVersion?: string;
  revision?: string;
}

/** How a workload's traffic through one proxy is degraded; no fault: all zero. */
export interface SignalsEffect {
  errorRatio: number;
  addedLatencyMs: number;
  dropTraffic: boolean;
}

/** `1.27` matches any 1.27 patch; `1.27.3` only itself. */
function proxyVersionMatches(version: string | undefined, wanted: string): boolean {
  if (version === undefined) return false;
  const minorOnly = /^v?\d+\.\d+$/.test(wanted.trim());
  if (!minorOnly) return compareVersions(version, wanted) === 0;
  const [a, b] = [parseVersion(version), parseVersion(wanted)];
  return a !== undefined && b !== undefined && a.major === b.major && a.minor === b.minor;
}

interface Active {
  fault: Fault;
  remaining: number;
}

const REASONS = {
  500: 'InternalError',
  503: 'ServiceUnavailable',
  409: 'Conflict',
  429: 'TooManyRequests',
  403: 'Forbidden',
} as const;

function resourceMatches(pattern: string, attrs: RequestAttributes): boolean {
  if (pattern === '*') return true;
  const full = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  return pattern === full || pattern === `${attrs.resource}/*`;
}

export class FaultSet {
  private active: Active[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(input: FaultInput | Fault): void {
    const fault = faultSchema.parse(input);
    const remaining = 'count' in fault && fault.count !== undefined ? fault.count : Number.POSITIVE_INFINITY;
    this.active.push({ fault, remaining });
  }

  clear(): void {
    this.active = [];
  }

  list(): readonly Fault[] {
    return this.active.map((a) => a.fault);
  }

  private spend(a: Active): void {
    a.remaining -= 1;
    if (a.remaining <= 0) this.active = this.active.filter((x) => x !== a);
  }

  /** Real milliseconds to delay this request by. */
  latencyFor(attrs: RequestAttributes): number {
    let ms = 0;
    for (const { fault } of this.active) {
      if (fault.kind !== 'latency') continue;
      if ((fault.verb === '*' || fault.verb === attrs.verb) && resourceMatches(fault.resource, attrs)) ms += fault.ms;
    }
    return ms;
  }

  /** The injected error for this request, if one fires. */
  errorFor(attrs: RequestAttributes): ApiError | undefined {
    for (const a of this.active) {
      const f = a.fault;
      if (f.kind !== 'apiError') continue;
      if (f.verb !== '*' && f.verb !== attrs.verb) continue;
      if (!resourceMatches(f.resource, attrs)) continue;
      if (f.namespace !== undefined && f.namespace !== attrs.namespace) continue;
      if (f.name !== undefined && f.name !== attrs.name) continue;
      if (f.rate !== undefined && this.random() >= f.rate) continue;
      this.spend(a);
      const message = f.message ?? `sim: injected ${f.code} for ${attrs.verb} ${attrs.resource}`;
      return new ApiError(f.code, REASONS[f.code], message, f.code === 429 ? { retryAfterSeconds: 1 } : undefined);
    }
    return undefined;
  }

  /** How a new watch on this resource should be cut short, if at all. */
  watchDropFor(attrs: RequestAttributes): { afterEvents?: number; afterSeconds?: number } | undefined {
    for (const a of this.active) {
      const f = a.fault;
      if (f.kind !== 'dropWatch' || !resourceMatches(f.resource, attrs)) continue;
      this.spend(a);
      return {
        afterEvents: f.afterEvents,
        afterSeconds: f.afterSeconds ?? (f.afterEvents === undefined ? 1 : undefined),
      };
    }
    return undefined;
  }

  /** How long to hold this applied write's connection before closing it unanswered, if its answer is to be dropped. */
  responseDropFor(attrs: RequestAttributes): { holdMs: number } | undefined {
    for (const a of this.active) {
      const f = a.fault;
      if (f.kind !== 'dropResponse') continue;
      if (f.verb !== '*' && f.verb !== attrs.verb) continue;
      if (!resourceMatches(f.resource, attrs)) continue;
      if (f.namespace !== undefined && f.namespace !== attrs.namespace) continue;
      if (f.name !== undefined && f.name !== attrs.name) continue;
      this.spend(a);
      return { holdMs: f.holdMs };
    }
    return undefined;
  }

  podNeverReady(namespace: string, deployment: string, proxyVersion: string | undefined): boolean {
    return this.active.some(({ fault: f }) => {
      if (f.kind !== 'neverReady' || f.deployment !== deployment) return false;
      if (f.namespace !== undefined && f.namespace !== namespace) return false;
      if (f.minProxyVersion === undefined) return true;
      return proxyVersion !== undefined && compareVersions(proxyVersion, f.minProxyVersion) >= 0;
    });
  }

  /** `proxyVersionOf` reports the proxy version the deployment's pods run now. */
  jobFails(
    namespace: string,
    jobName: string,
    labels: Record<string, string>,
    proxyVersionOf: (deployment: string) => string | undefined,
  ): boolean {
    return this.active.some(({ fault: f }) => {
      if (f.kind !== 'jobFails') return false;
      if (f.namespace !== undefined && f.namespace !== namespace) return false;
      const named = `-${jobName}-`.includes(`-${f.deployment}-`) || Object.values(labels).includes(f.deployment);
      if (!named) return false;
      if (f.minProxyVersion === undefined) return true;
      const v = proxyVersionOf(f.deployment);
      return v !== undefined && compareVersions(v, f.minProxyVersion) >= 0;
    });
  }

  /**
   * Why this pod is stuck, if a `podStuck` (or the older `nodeNotReady`) fault selects it; the
   * first matching fault wins. NodeNotReady is answered by `nodeDown`, not here.
   */
  podStuck(pod: StuckTarget): { reason: Exclude<PodStuckReason, 'NodeNotReady'>; message?: string } | undefined {
    for (const { fault: f } of this.active) {
      if (f.kind === 'nodeNotReady') {
        const component = pod.owner?.kind === 'DaemonSet' ? componentOf(pod.owner.name) : undefined;
        if (component === undefined || f.node !== pod.node || (f.component !== 'all' && f.component !== component))
          continue;
        if (!versionMatches(pod.version, undefined, f.minVersion)) continue;
        return { reason: 'ContainerCreating' };
      }
      if (f.kind !== 'podStuck' || f.reason === 'NodeNotReady') continue;
      const { namespace, daemonSet, deployment } = f.selector;
      if (namespace !== undefined && namespace !== pod.namespace) continue;
      if (daemonSet !== undefined && (pod.owner?.kind !== 'DaemonSet' || pod.owner.name !== daemonSet)) continue;
      if (deployment !== undefined && (pod.owner?.kind !== 'Deployment' || pod.owner.name !== deployment)) continue;
      if (f.node !== undefined && f.node !== pod.node) continue;
      if (!versionMatches(pod.version, f.onlyVersion, f.minVersion)) continue;
      return { reason: f.reason, ...(f.message === undefined ? {} : { message: f.message }) };
    }
    return undefined;
  }

  /** A `podStuck` NodeNotReady fault on this node: the node is NotReady, with the fault's message if any. */
  nodeDown(node: string): { message?: string } | undefined {
    for (const { fault: f } of this.active)
      if (f.kind === 'podStuck' && f.reason === 'NodeNotReady' && f.node === node)
        return f.message === undefined ? {} : { message: f.message };
    return undefined;
  }

  /**
   * The combined effect of every `signals` fault that selects this traffic: independent error
   * ratios compound (two 10 % faults fail 19 %), latencies add up, any drop drops.
   */
  signals(target: SignalsTarget): SignalsEffect {
    let pass = 1;
    let addedLatencyMs = 0;
    let dropTraffic = false;
    for (const { fault: f } of this.active) {
      if (f.kind !== 'signals' || f.namespace !== target.namespace || f.workload !== target.workload) continue;
      if (f.when?.proxyVersion !== undefined && !proxyVersionMatches(target.proxyVersion, f.when.proxyVersion))
        continue;
      if (f.when?.revision !== undefined && f.when.revision !== target.revision) continue;
      pass *= 1 - (f.errorRatio ?? 0);
      addedLatencyMs += f.addedLatencyMs ?? 0;
      dropTraffic ||= f.dropTraffic === true;
    }
    return { errorRatio: 1 - pass, addedLatencyMs, dropTraffic };
  }

  istiodUnavailable(revision: string): boolean {
    return this.active.some(({ fault: f }) => f.kind === 'istiodUnavailable' && f.revision === revision);
  }
}
