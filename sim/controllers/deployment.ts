/**
 * The Deployment controller: rolling updates within maxSurge/maxUnavailable, Recreate, scaling,
 * and a status that `kubectl rollout status` reads exactly as on a cluster (observedGeneration,
 * updated/ready/available replicas, Available and Progressing conditions, including
 * ProgressDeadlineExceeded). As on a cluster, pods belong to ReplicaSets, one per pod template
 * (`<deployment>-<pod-template-hash>`), each carrying `deployment.kubernetes.io/revision`, so
 * `kubectl rollout history` and `rollout undo` work and tools must resolve a pod's Deployment
 * through its ReplicaSet. The ReplicaSets' pods are managed here rather than by a controller of
 * their own: their spec.replicas and status follow what the rollout did.
 */
import { T } from '../api/resources.js';
import { ApiError } from '../api/status.js';
import type { StoreEvent } from '../api/store.js';
import { createAdmitted, type ControllerContext } from './context.js';
import { SOURCES, recordEvent } from './events.js';
import { nsKey, splitKey, type Controller } from './manager.js';
import type { KubeObject } from '../api/object.js';
import { podFromTemplate, podName, templateHash } from './pod-factory.js';
import {
  asPod,
  controllerOf,
  findCondition,
  isPodReady,
  ownerRef,
  setCondition,
  type Condition,
  type Deployment,
  type Pod,
  type PodTemplate,
} from './shapes.js';
import { isTerminating, terminatePod } from './termination.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';
/** Sim-seconds before a ReplicaSet whose pod creation was refused tries again. */
const CREATE_RETRY_SECONDS = 10;

interface ReplicaSet extends KubeObject {
  spec: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template: PodTemplate };
  status?: Record<string, unknown>;
}

/**
 * JSON with sorted keys and without empty fields: templates that went through a patch or a
 * typed client (`kubectl rollout undo` sends `resources: {}`) compare equal, as Kubernetes'
 * semantic equality of its Go structs has them.
 */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const kept = Object.entries(v as Record<string, unknown>).filter(([, x]) => {
      if (x === null || x === undefined) return false;
      if (Array.isArray(x)) return x.length > 0;
      return typeof x !== 'object' || Object.keys(x).length > 0;
    });
    return Object.fromEntries(kept.sort(([a], [b]) => a.localeCompare(b)));
  });
}

/** A ReplicaSet's template without its hash label, as the Deployment's template would read. */
function withoutHash(template: PodTemplate): PodTemplate {
  const labels = { ...template.metadata?.labels };
  delete labels[HASH_LABEL];
  return { ...template, metadata: { ...template.metadata, labels } };
}

/**
 * canonical() by template object: stored objects are never changed in place (a write replaces
 * them, and a status write keeps their spec), so a Deployment that has not changed is compared
 * with its ReplicaSets without serialising either again on every reconcile.
 */
const canonicalTemplates = new WeakMap<PodTemplate, string>();
const canonicalReplicaSetTemplates = new WeakMap<PodTemplate, string>();

function cached(cache: WeakMap<PodTemplate, string>, template: PodTemplate, compute: () => string): string {
  let value = cache.get(template);
  if (value === undefined) {
    value = compute();
    cache.set(template, value);
  }
  return value;
}

const revisionOf = (rs: KubeObject): number => Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) || 0;

/** Resolves an IntOrString like `25%` against a replica count. */
export function resolveIntOrPercent(
  value: number | string | undefined,
  total: number,
  roundUp: boolean,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number(value) || 0;
  const raw = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

interface Progress {
  fingerprint: string;
  at: number;
  /** A deadline check is already queued for this progress state. */
  checkQueued?: boolean;
}

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  private readonly progress = new Map<string, Progress>();
  /** The refusal of a ReplicaSet's last pod creation (by ReplicaSet uid), until a creation succeeds. */
  private readonly createFailures = new Map<string, string>();

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    if (e.resourceType === T.deployments) return [nsKey(e.object.metadata.namespace, e.object.metadata.name)];
    if (e.resourceType === T.replicasets) {
      const owner = controllerOf(e.object);
      if (owner?.kind === 'Deployment') return [nsKey(e.object.metadata.namespace, owner.name)];
    }
    if (e.resourceType === T.pods) {
      const owner = controllerOf(e.object);
      if (owner?.kind !== 'ReplicaSet') return [];
      const rs = this.ctx.store.get(T.replicasets, e.object.metadata.namespace, owner.name);
      const deployment = rs === undefined ? undefined : controllerOf(rs);
      if (deployment?.kind === 'Deployment') return [nsKey(e.object.metadata.namespace, deployment.name)];
    }
    return [];
  }

  allKeys(): string[] {
    return this.ctx.store.list(T.deployments).map((d) => nsKey(d.metadata.namespace, d.metadata.name));
  }

  reconcile(key: string): void {
    const { store } = this.ctx;
    const { namespace, name } = splitKey(key);
    const found = store.get(T.deployments, namespace, name);
    if (!found) {
      this.progress.delete(key);
      return;
    }
    let d = found as Deployment;
    const owned = store
      .listOwnedBy(T.replicasets, d.metadata.uid)
      .filter((rs) => rs.metadata.namespace === namespace) as ReplicaSet[];
    const newRs = this.newReplicaSet(d, owned);
    d = this.recordRevision(d, newRs);
    const replicaSets = owned.some((rs) => rs.metadata.uid === newRs.metadata.uid) ? owned : [...owned, newRs];
    const hash = newRs.metadata.labels?.[HASH_LABEL] ?? '';
    const want = d.spec.replicas ?? 1;
    if (!d.spec.paused) this.roll(d, newRs, this.podsOf(namespace, replicaSets), hash, want, key);
    this.syncReplicaSets(d, replicaSets);
    this.writeStatus(d, this.podsOf(namespace, replicaSets), hash, want, key, newRs);
  }

  /**
   * The ReplicaSets' active pods: terminating ones count for nothing, as Kubernetes' controllers
   * filter them out, so they linger beside the new pods until their grace period ends.
   */
  private podsOf(namespace: string | undefined, replicaSets: readonly ReplicaSet[], terminating = false): Pod[] {
    const pods = new Map<string, Pod>();
    for (const rs of replicaSets) {
      for (const p of this.ctx.store.listOwnedBy(T.pods, rs.metadata.uid)) {
        if (p.metadata.namespace === namespace && isTerminating(p) === terminating) pods.set(p.metadata.name, asPod(p));
      }
    }
    return [...pods.values()];
  }

  /**
   * The ReplicaSet of the current template: an existing one whose template matches (after a
   * `rollout undo`, the old one comes back with the next revision number), else a new one.
   */
  private newReplicaSet(d: Deployment, owned: readonly ReplicaSet[]): ReplicaSet {
    const { store } = this.ctx;
    const want = cached(canonicalTemplates, d.spec.template, () => canonical(d.spec.template));
    const maxRevision = Math.max(0, ...owned.map(revisionOf));
    const existing = owned.find(
      (rs) =>
        cached(canonicalReplicaSetTemplates, rs.spec.template, () => canonical(withoutHash(rs.spec.template))) === want,
    );
    if (existing) {
      if (revisionOf(existing) === maxRevision) return existing;
      const annotations = { ...existing.metadata.annotations, [REVISION_ANNOTATION]: String(maxRevision + 1) };
      return store.update(T.replicasets, {
        ...existing,
        metadata: { ...existing.metadata, annotations },
      }) as ReplicaSet;
    }
    const hash = templateHash(d.spec.template);
    const template: PodTemplate = {
      ...d.spec.template,
      metadata: { ...d.spec.template.metadata, labels: { ...d.spec.template.metadata?.labels, [HASH_LABEL]: hash } },
    };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata?.labels },
        annotations: {
          [REVISION_ANNOTATION]: String(maxRevision + 1),
          'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas ?? 1),
        },
        ownerReferences: [ownerRef(d)],
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { ...d.spec.selector?.matchLabels, [HASH_LABEL]: hash } },
        template,
      },
    };
    return store.create(T.replicasets, rs) as ReplicaSet;
  }

  /** The Deployment carries its newest ReplicaSet's revision, as `kubectl rollout history` shows it. */
  private recordRevision(d: Deployment, newRs: ReplicaSet): Deployment {
    const revision = newRs.metadata.annotations?.[REVISION_ANNOTATION];
    if (revision === undefined || d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return d;
    const annotations = { ...d.metadata.annotations, [REVISION_ANNOTATION]: revision };
    return this.ctx.store.update(T.deployments, { ...d, metadata: { ...d.metadata, annotations } }) as Deployment;
  }

  /** Each ReplicaSet's replicas and status follow its pods; old empty ones beyond the history limit go. */
  private syncReplicaSets(d: Deployment, replicaSets: readonly ReplicaSet[]): void {
    const { store } = this.ctx;
    const ns = d.metadata.namespace;
    for (const rs of replicaSets) {
      const current = store.get(T.replicasets, ns, rs.metadata.name) as ReplicaSet | undefined;
      if (!current) continue;
      const pods = this.podsOf(ns, [current]);
      const ready = pods.filter(isPodReady).length;
      const before = current.spec.replicas ?? 0;
      const specced =
        before === pods.length
          ? current
          : (store.update(T.replicasets, {
              ...current,
              spec: { ...current.spec, replicas: pods.length },
            }) as ReplicaSet);
      if (before !== pods.length) {
        const how = pods.length > before ? 'up' : 'down';
        recordEvent(
          this.ctx,
          d,
          'Normal',
          'ScalingReplicaSet',
          `Scaled ${how} replica set ${current.metadata.name} from ${before} to ${pods.length}`,
          SOURCES.deployment,
        );
      }
      const failure = this.createFailures.get(current.metadata.uid ?? '');
      const conditions =
        failure === undefined
          ? undefined
          : replicaFailure(current.status?.conditions as Condition[] | undefined, failure, this.ctx.clock.iso());
      const status = {
        replicas: pods.length,
        fullyLabeledReplicas: pods.length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: specced.metadata.generation,
        ...(conditions ? { conditions } : {}),
      };
      if (JSON.stringify(status) !== JSON.stringify(specced.status))
        store.update(T.replicasets, { ...specced, status }, { subresource: 'status' });
    }
    const limit = (d.spec as { revisionHistoryLimit?: number }).revisionHistoryLimit ?? 10;
    const newest = Math.max(0, ...replicaSets.map(revisionOf));
    const old = replicaSets
      .filter(
        (rs) =>
          revisionOf(rs) !== newest &&
          (store.get(T.replicasets, ns, rs.metadata.name) as ReplicaSet | undefined)?.spec.replicas === 0,
      )
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of old.slice(0, Math.max(0, old.length - limit))) store.delete(T.replicasets, ns, rs.metadata.name);
  }

  private roll(d: Deployment, newRs: ReplicaSet, all: Pod[], hash: string, want: number, key: string): void {
    const ns = d.metadata.namespace;
    const current = all.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    const old = all.filter((p) => p.metadata.labels?.['pod-template-hash'] !== hash);
    const del = (p: Pod): void => {
      const owner = controllerOf(p);
      const rs = owner === undefined ? undefined : this.ctx.store.get(T.replicasets, ns, owner.name);
      if (rs)
        recordEvent(this.ctx, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, SOURCES.replicaSet);
      terminatePod(this.ctx, p);
    };
    /** Creates up to n pods; a refusal (an admission webhook failing) stops there, as the ReplicaSet controller does. */
    const create = (n: number): number => {
      const rsUid = newRs.metadata.uid ?? '';
      for (let i = 0; i < n; i++) {
        const pod = podFromTemplate(newRs, newRs.spec.template, {
          name: podName(newRs.metadata.name),
          labels: { 'pod-template-hash': hash },
        });
        let made;
        try {
          made = createAdmitted(this.ctx, T.pods, pod);
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          this.createFailures.set(rsUid, `Error creating: ${err.message}`);
          recordEvent(this.ctx, newRs, 'Warning', 'FailedCreate', `Error creating: ${err.message}`, SOURCES.replicaSet);
          this.ctx.manager.enqueueAfter(this, key, CREATE_RETRY_SECONDS);
          return i;
        }
        this.createFailures.delete(rsUid);
        recordEvent(
          this.ctx,
          newRs,
          'Normal',
          'SuccessfulCreate',
          `Created pod: ${made.metadata.name}`,
          SOURCES.replicaSet,
        );
      }
      return n;
    };
    // Excess current pods go first, unready ones before ready ones.
    const byReadiness = (ps: Pod[]): Pod[] => [...ps].sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)));
    if (current.length > want) {
      for (const p of byReadiness(current).slice(0, current.length - want)) del(p);
      current.splice(
        0,
        current.length,
        ...current.filter((p) => {
          const live = this.ctx.store.get(T.pods, ns, p.metadata.name);
          return live !== undefined && !isTerminating(live);
        }),
      );
    }
    if (d.spec.strategy?.type === 'Recreate') {
      if (old.length > 0) {
        for (const p of old) del(p);
        return;
      }
      // Recreate starts the new pods only once every old one is gone, terminating ones included.
      const owned = this.ctx.store
        .listOwnedBy(T.replicasets, d.metadata.uid)
        .filter((rs) => rs.metadata.namespace === ns && controllerOf(rs)?.uid === d.metadata.uid) as ReplicaSet[];
      const lingering = this.podsOf(ns, owned, true);
      if (lingering.some((p) => p.metadata.labels?.[HASH_LABEL] !== hash)) return;
      create(want - current.length);
      return;
    }
    const ru = d.spec.strategy?.rollingUpdate;
    const surge = resolveIntOrPercent(ru?.maxSurge, want, true, Math.ceil(want / 4));
    let unavailable = resolveIntOrPercent(ru?.maxUnavailable, want, false, Math.floor(want / 4));
    if (surge === 0 && unavailable === 0) unavailable = 1;
    let total = all.length;
    const toCreate = Math.min(want - current.length, want + surge - total);
    const created = toCreate > 0 ? create(toCreate) : 0;
    total += created;
    const minAvailable = want - unavailable;
    const newUnready = current.filter((p) => !isPodReady(p)).length + created;
    const oldUnready = old.filter((p) => !isPodReady(p));
    const oldReady = old.filter(isPodReady);
    let removable = Math.max(0, total - minAvailable - newUnready);
    for (const p of oldUnready.slice(0, removable)) {
      del(p);
      removable--;
      total--;
    }
    const available = all.filter(isPodReady).length;
    const readyRemovable = Math.min(oldReady.length, Math.max(0, available - minAvailable));
    for (const p of oldReady.slice(0, readyRemovable)) del(p);
  }

  private writeStatus(d: Deployment, pods: Pod[], hash: string, want: number, key: string, newRs: ReplicaSet): void {
    const { store, clock } = this.ctx;
    const updated = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash).length;
    const ready = pods.filter(isPodReady).length;
    const ru = d.spec.strategy?.rollingUpdate;
    const maxUnavailable =
      d.spec.strategy?.type === 'Recreate'
        ? want
        : resolveIntOrPercent(ru?.maxUnavailable, want, false, Math.floor(want / 4));
    const complete = updated === want && pods.length === want && ready === want;
    const now = clock.iso();
    const rsName = `${d.metadata.name}-${hash}`;

    const fingerprint = `${hash}|${updated}|${ready}|${pods.length}`;
    const prev = this.progress.get(key);
    if (!prev || prev.fingerprint !== fingerprint) this.progress.set(key, { fingerprint, at: clock.now() });
    const lastProgress = this.progress.get(key)?.at ?? clock.now();
    const deadline = d.spec.progressDeadlineSeconds ?? 600;
    const stalled = !complete && (clock.now() - lastProgress) / 1000 >= deadline;
    const tracked = this.progress.get(key);
    if (!complete && !stalled && tracked && !tracked.checkQueued) {
      tracked.checkQueued = true;
      this.ctx.manager.enqueueAfter(this, key, deadline - (clock.now() - lastProgress) / 1000 + 0.5);
    }

    let conditions = d.status?.conditions;
    conditions = setCondition(
      conditions,
      ready >= want - maxUnavailable
        ? {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          }
        : {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
          },
      now,
    );
    const prevProgressing = findCondition(conditions, 'Progressing');
    const progressing = complete
      ? {
          type: 'Progressing',
          status: 'True' as const,
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${rsName}" has successfully progressed.`,
        }
      : stalled
        ? {
            type: 'Progressing',
            status: 'False' as const,
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${rsName}" has timed out progressing.`,
          }
        : {
            type: 'Progressing',
            status: 'True' as const,
            reason: 'ReplicaSetUpdated',
            message: `ReplicaSet "${rsName}" is progressing.`,
          };
    const sameProgressing =
      prevProgressing?.reason === progressing.reason && prevProgressing.message === progressing.message;
    conditions = setCondition(
      conditions,
      { ...progressing, lastUpdateTime: sameProgressing ? prevProgressing.lastUpdateTime : now },
      now,
    );
    const available = findCondition(conditions, 'Available');
    if (available && !available.lastUpdateTime) available.lastUpdateTime = now;
    // The ReplicaSet's refused creations show on the Deployment too, as its controller copies them.
    const failure = this.createFailures.get(newRs.metadata.uid ?? '');
    conditions =
      failure === undefined
        ? conditions.filter((c) => c.type !== 'ReplicaFailure')
        : replicaFailure(conditions, failure, now);

    const status = {
      observedGeneration: d.metadata.generation,
      replicas: pods.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(pods.length - ready > 0 ? { unavailableReplicas: Math.max(0, pods.length - ready) } : {}),
      conditions,
    };
    if (!status.readyReplicas) delete (status as { readyReplicas?: number }).readyReplicas;
    if (!status.availableReplicas) delete (status as { availableReplicas?: number }).availableReplicas;
    if (withoutTimes(status) === withoutTimes(d.status)) return;
    store.update(T.deployments, { ...d, status }, { subresource: 'status' });
  }
}

function replicaFailure(conditions: Condition[] | undefined, message: string, now: string): Condition[] {
  return setCondition(conditions, { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message }, now);
}

/** A status as JSON without timestamps, so a reconcile that changes nothing writes nothing. */
function withoutTimes(status: unknown): string {
  return JSON.stringify(status ?? {}, (k, v: unknown) =>
    k === 'lastUpdateTime' || k === 'lastTransitionTime' ? undefined : v,
  );
}
