/**
 * Events (core/v1), recorded the way client-go's EventRecorder does for kube-controller-manager,
 * the scheduler and the kubelet: one Event per (object, reason, message, source), named
 * `<object>.<hex>`, whose `count` and `lastTimestamp` grow when the same thing happens again.
 * `kubectl get events` lists them and `kubectl describe` finds them by `involvedObject`.
 *
 * Nothing is recorded while the scenario loads: the seeded cluster starts settled and quiet, so
 * a large scenario costs no more to boot than before.
 */
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../api/object.js';
import { T } from '../api/resources.js';
import type { ControllerContext } from './context.js';

export type EventType = 'Normal' | 'Warning';

export interface EventSource {
  component: string;
  host?: string;
}

export const SOURCES = {
  deployment: { component: 'deployment-controller' },
  replicaSet: { component: 'replicaset-controller' },
  daemonSet: { component: 'daemonset-controller' },
  job: { component: 'job-controller' },
  scheduler: { component: 'default-scheduler' },
  nodeController: { component: 'node-controller' },
  kubelet: (node: string | undefined): EventSource => ({ component: 'kubelet', ...(node ? { host: node } : {}) }),
} as const;

/**
 * Event names by involved object's uid, then aggregation key, so a repeat updates the same Event.
 * A deleted object's keys go with it (no later Event can name its uid), so replacing thousands of
 * pods does not leave their keys behind; their Events stay in the store, as on a cluster.
 */
const recorded = new WeakMap<ControllerContext, Map<string, Map<string, string>>>();

function namesFor(ctx: ControllerContext, uid: string): Map<string, string> {
  let byUid = recorded.get(ctx);
  if (!byUid) {
    const created = new Map<string, Map<string, string>>();
    ctx.store.subscribe((e) => {
      if (e.type === 'DELETED' && e.object.metadata.uid !== undefined) created.delete(e.object.metadata.uid);
    });
    recorded.set(ctx, created);
    byUid = created;
  }
  let names = byUid.get(uid);
  if (!names) {
    names = new Map();
    byUid.set(uid, names);
  }
  return names;
}

export function recordEvent(
  ctx: ControllerContext,
  involved: KubeObject,
  type: EventType,
  reason: string,
  message: string,
  source: EventSource,
): void {
  if (ctx.booting) return;
  const { store, clock } = ctx;
  const namespace = involved.metadata.namespace ?? 'default';
  const uid = involved.metadata.uid ?? '';
  const key = [involved.kind, involved.metadata.name, reason, message, source.component, source.host ?? ''].join(
    '\u0000',
  );
  const names = namesFor(ctx, uid);
  const now = clock.iso();
  const existingName = names.get(key);
  const existing = existingName === undefined ? undefined : store.get(T.events, namespace, existingName);
  if (existing) {
    store.update(T.events, {
      ...existing,
      count: (typeof existing.count === 'number' ? existing.count : 1) + 1,
      lastTimestamp: now,
    });
    return;
  }
  const name = `${involved.metadata.name}.${randomBytes(8).toString('hex')}`;
  if (!store.get(T.namespaces, undefined, namespace)) return;
  store.create(T.events, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: {
      apiVersion: involved.apiVersion,
      kind: involved.kind,
      ...(involved.metadata.namespace ? { namespace: involved.metadata.namespace } : {}),
      name: involved.metadata.name,
      uid,
      resourceVersion: involved.metadata.resourceVersion,
    },
    reason,
    message,
    source,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    type,
    eventTime: null,
    reportingComponent: source.component,
    reportingInstance: source.host ?? '',
  });
  names.set(key, name);
}

interface PodLike extends KubeObject {
  spec?: {
    nodeName?: string;
    containers?: Array<{ name: string }>;
    initContainers?: Array<{ name: string; restartPolicy?: string }>;
  };
}

/** Containers that run for the pod's life: native sidecars (restartable init containers) and the main ones. */
function runningContainers(pod: PodLike): string[] {
  return [
    ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
    ...(pod.spec?.containers ?? []),
  ].map((c) => c.name);
}

/** The kubelet stopping a deleted pod's containers. */
export function recordKilling(ctx: ControllerContext, pod: PodLike): void {
  for (const c of runningContainers(pod))
    recordEvent(ctx, pod, 'Normal', 'Killing', `Stopping container ${c}`, SOURCES.kubelet(pod.spec?.nodeName));
}
