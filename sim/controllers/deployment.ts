/**
 * The Deployment controller: rolling updates within maxSurge/maxUnavailable, Recreate, scaling,
 * and a status that `kubectl rollout status` reads exactly as on a cluster (observedGeneration,
 * updated/ready/available replicas, Available and Progressing conditions, including
 * ProgressDeadlineExceeded). Pods are owned by the Deployment directly: no ReplicaSets, since
 * nothing the runbooks use reads them; the template hash label plays their part.
 */
import { T } from '../api/resources.js';
import type { StoreEvent } from '../api/store.js';
import { createAdmitted, type ControllerContext } from './context.js';
import { nsKey, splitKey, type Controller } from './manager.js';
import { pickNode } from './nodes.js';
import { podFromTemplate, podName, templateHash } from './pod-factory.js';
import { asPod, controllerOf, findCondition, isPodReady, setCondition, type Deployment, type Pod } from './shapes.js';

/** Resolves an IntOrString like `25%` against a replica count. */
export function resolveIntOrPercent(value: number | string | undefined, total: number, roundUp: boolean, fallback: number): number {
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

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    if (e.resourceType === T.deployments) return [nsKey(e.object.metadata.namespace, e.object.metadata.name)];
    if (e.resourceType === T.pods) {
      const owner = controllerOf(e.object);
      if (owner?.kind === 'Deployment') return [nsKey(e.object.metadata.namespace, owner.name)];
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
    const d = found as Deployment;
    const pods = store
      .list(T.pods, namespace)
      .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid))
      .map(asPod);
    const hash = templateHash(d.spec.template);
    const want = d.spec.replicas ?? 1;
    if (!d.spec.paused) this.roll(d, pods, hash, want);
    this.writeStatus(d, hash, want, key);
  }

  private roll(d: Deployment, all: Pod[], hash: string, want: number): void {
    const ns = d.metadata.namespace;
    const current = all.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    const old = all.filter((p) => p.metadata.labels?.['pod-template-hash'] !== hash);
    const del = (p: Pod): void => {
      this.ctx.store.delete(T.pods, ns, p.metadata.name);
    };
    const create = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const pod = podFromTemplate(d, d.spec.template, {
          name: podName(`${d.metadata.name}-${hash}`),
          labels: { 'pod-template-hash': hash },
          nodeName: pickNode(this.ctx.store, d.spec.template.spec.nodeSelector),
        });
        createAdmitted(this.ctx, T.pods, pod);
      }
    };
    // Excess current pods go first, unready ones before ready ones.
    const byReadiness = (ps: Pod[]): Pod[] => [...ps].sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)));
    if (current.length > want) {
      for (const p of byReadiness(current).slice(0, current.length - want)) del(p);
      current.splice(0, current.length, ...current.filter((p) => this.ctx.store.get(T.pods, ns, p.metadata.name)));
    }
    if (d.spec.strategy?.type === 'Recreate') {
      if (old.length > 0) {
        for (const p of old) del(p);
        return;
      }
      create(want - current.length);
      return;
    }
    const ru = d.spec.strategy?.rollingUpdate;
    const surge = resolveIntOrPercent(ru?.maxSurge, want, true, Math.ceil(want / 4));
    let unavailable = resolveIntOrPercent(ru?.maxUnavailable, want, false, Math.floor(want / 4));
    if (surge === 0 && unavailable === 0) unavailable = 1;
    let total = all.length;
    const toCreate = Math.min(want - current.length, want + surge - total);
    if (toCreate > 0) {
      create(toCreate);
      total += toCreate;
    }
    const minAvailable = want - unavailable;
    const newUnready = current.filter((p) => !isPodReady(p)).length + Math.max(0, toCreate);
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

  private writeStatus(d: Deployment, hash: string, want: number, key: string): void {
    const { store, clock } = this.ctx;
    const ns = d.metadata.namespace;
    const pods = store
      .list(T.pods, ns)
      .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid))
      .map(asPod);
    const updated = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash).length;
    const ready = pods.filter(isPodReady).length;
    const ru = d.spec.strategy?.rollingUpdate;
    const maxUnavailable = d.spec.strategy?.type === 'Recreate' ? want : resolveIntOrPercent(ru?.maxUnavailable, want, false, Math.floor(want / 4));
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
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      now,
    );
    const prevProgressing = findCondition(conditions, 'Progressing');
    const progressing = complete
      ? { type: 'Progressing', status: 'True' as const, reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }
      : stalled
        ? { type: 'Progressing', status: 'False' as const, reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` }
        : { type: 'Progressing', status: 'True' as const, reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` };
    const sameProgressing = prevProgressing?.reason === progressing.reason && prevProgressing.message === progressing.message;
    conditions = setCondition(conditions, { ...progressing, lastUpdateTime: sameProgressing ? prevProgressing.lastUpdateTime : now }, now);
    const available = findCondition(conditions, 'Available');
    if (available && !available.lastUpdateTime) available.lastUpdateTime = now;

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
    if (JSON.stringify(stripTimes(status)) === JSON.stringify(stripTimes(d.status))) return;
    store.update(T.deployments, { ...d, status }, { subresource: 'status' });
  }
}

/** Compares statuses without timestamps, so a reconcile that changes nothing writes nothing. */
function stripTimes(status: unknown): unknown {
  return JSON.parse(JSON.stringify(status ?? {}, (k, v: unknown) => (k === 'lastUpdateTime' || k === 'lastTransitionTime' ? undefined : v)));
}
