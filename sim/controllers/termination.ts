/**
 * Graceful pod termination, as the API server and the kubelet do it together. Deleting a running
 * pod does not remove it: the server sets `metadata.deletionTimestamp` (now + grace) and
 * `deletionGracePeriodSeconds`, `kubectl get pods` shows it Terminating, and the pod goes only
 * when its grace period (`spec.terminationGracePeriodSeconds`, 30 by default) has passed on the
 * sim clock. The sim has no Endpoints, so what takes a terminating pod out of traffic is that it
 * stops being ready at once. Controllers do not count terminating pods, so during a rollout old
 * pods linger beside the new ones as on a real cluster. A grace of 0 (`--grace-period=0
 * --force`), a pod never scheduled to a node and a pod that already finished go at once, as the
 * API server decides for pods.
 */
import type { KubeObject } from '../api/object.js';
import { T } from '../api/resources.js';
import type { StoreEvent } from '../api/store.js';
import type { ControllerContext } from './context.js';
import { recordKilling } from './events.js';
import { nsKey, splitKey, type Controller } from './manager.js';
import { asPod, type Condition, type Pod } from './shapes.js';

export const DEFAULT_GRACE_SECONDS = 30;

export function isTerminating(o: KubeObject): boolean {
  return o.metadata.deletionTimestamp !== undefined;
}

/** The grace period a deletion gets: the one asked for, else the pod's own, else Kubernetes' 30 s. */
function graceFor(pod: Pod, requested: number | undefined): number {
  const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  if (!pod.spec.nodeName || finished) return 0;
  const own = pod.spec.terminationGracePeriodSeconds;
  const grace = requested ?? (typeof own === 'number' ? own : DEFAULT_GRACE_SECONDS);
  return Math.max(0, Math.floor(grace));
}

export class TerminationController implements Controller {
  readonly name = 'termination';
  /** Keys with a timer already set for their deadline: events and resyncs would otherwise add more. */
  private readonly waiting = new Set<string>();

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    if (e.resourceType !== T.pods || e.type === 'DELETED' || !isTerminating(e.object)) return [];
    return [nsKey(e.object.metadata.namespace, e.object.metadata.name)];
  }

  allKeys(): string[] {
    return this.ctx.store
      .list(T.pods)
      .filter(isTerminating)
      .map((p) => nsKey(p.metadata.namespace, p.metadata.name));
  }

  reconcile(key: string): void {
    const { store, clock } = this.ctx;
    const { namespace, name } = splitKey(key);
    const pod = store.get(T.pods, namespace, name);
    if (!pod || !isTerminating(pod)) return;
    const left = (Date.parse(pod.metadata.deletionTimestamp ?? '') - clock.now()) / 1000;
    if (left > 0) {
      if (this.waiting.has(key)) return;
      this.waiting.add(key);
      this.ctx.clock.after(left, () => {
        this.waiting.delete(key);
        this.ctx.manager.enqueue(this, key);
      });
      return;
    }
    store.delete(T.pods, namespace, name);
  }
}

/**
 * Deletes a pod the way a DELETE request does: returns the pod, now terminating, or undefined
 * when it was removed at once. A second deletion may shorten the grace period, never lengthen it.
 * The TerminationController removes the pod once its deletionTimestamp has passed.
 */
export function terminatePod(
  ctx: ControllerContext,
  found: KubeObject,
  requestedGrace?: number,
): KubeObject | undefined {
  const { store, clock } = ctx;
  const pod = asPod(found);
  const ns = pod.metadata.namespace;
  const grace = graceFor(pod, requestedGrace);
  const remaining = isTerminating(pod)
    ? Math.max(0, (Date.parse(pod.metadata.deletionTimestamp ?? '') - clock.now()) / 1000)
    : Number.POSITIVE_INFINITY;
  if (!isTerminating(pod)) recordKilling(ctx, pod);
  if (grace === 0) {
    store.delete(T.pods, ns, pod.metadata.name);
    return undefined;
  }
  if (grace >= remaining) return pod;
  const deletionTimestamp = new Date(Math.floor(clock.now() / 1000) * 1000 + grace * 1000)
    .toISOString()
    .replace('.000Z', 'Z');
  // The store keeps deletionTimestamp server-owned (an update carries the stored value over, so no
  // client can set it) and has no write for the one server path that does set it: graceful
  // deletion. It is therefore set on the stored pod first, and the write below then carries it.
  (store.mustGet(T.pods, ns, pod.metadata.name).metadata as { deletionTimestamp?: string }).deletionTimestamp =
    deletionTimestamp;
  const marked = store.update(T.pods, {
    ...pod,
    metadata: { ...pod.metadata, deletionTimestamp, deletionGracePeriodSeconds: grace },
  });
  const notReady = withoutReadiness(asPod(marked), clock.iso());
  return notReady ? store.update(T.pods, notReady, { subresource: 'status' }) : marked;
}

/** The pod's status once it is no longer ready, or undefined if it was not ready anyway. */
function withoutReadiness(pod: Pod, now: string): Pod | undefined {
  const conditions = pod.status?.conditions;
  if (!conditions?.some((c) => (c.type === 'Ready' || c.type === 'ContainersReady') && c.status === 'True'))
    return undefined;
  const unready = (c: Condition): Condition =>
    c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', lastTransitionTime: now } : c;
  const statuses = (key: string): Record<string, unknown> => {
    const list = pod.status?.[key];
    return Array.isArray(list) ? { [key]: list.map((s: Record<string, unknown>) => ({ ...s, ready: false })) } : {};
  };
  return {
    ...pod,
    status: {
      ...pod.status,
      conditions: conditions.map(unready),
      ...statuses('containerStatuses'),
      ...statuses('initContainerStatuses'),
    },
  };
}
