/**
 * What a stalled rollout is stuck on, in one line an operator can act on:
 * `ztunnel: 2/3 nodes on 1.27.3; node-2: ztunnel-abcde ContainerCreating for 6m (FailedCreatePodSandBox: …)`.
 * Pure: it reads the workload, its pods and their Events, already listed, so it is tested on
 * plain objects; the activity only lists them.
 */
import type { CoreV1Event, V1DaemonSet, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { formatDuration } from '../../core/spec/duration.js';
import type { RolloutProgress, WorkloadKind } from './rollout-status.js';

export interface StuckPod {
  pod: string;
  node: string | null;
  /** A container's waiting reason (ContainerCreating, ImagePullBackOff, CrashLoopBackOff), Unschedulable, the phase, or "Running an older template". */
  reason: string;
  seconds: number;
  /** The pod's latest Warning Event, as "reason: message". */
  event: string | null;
}

export interface StuckRollout {
  message: string;
  pods: StuckPod[];
}

/** Pods named in the message; the rest are counted. */
const MAX_PODS = 5;

const wantedTemplate = (workload: V1Deployment | V1DaemonSet) => workload.spec?.template.spec;

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/**
 * A DaemonSet's pod that still runs an older template: its images differ from the template's.
 * (A Deployment's pods may have images filled in by injection, so only readiness counts there.)
 */
function isOld(pod: V1Pod, daemonSet: V1DaemonSet): boolean {
  const wanted = new Map((wantedTemplate(daemonSet)?.containers ?? []).map((c) => [c.name, c.image]));
  return (pod.spec?.containers ?? []).some((c) => wanted.has(c.name) && wanted.get(c.name) !== c.image);
}

function reasonOf(pod: V1Pod): string {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const waiting = statuses.find((s) => s.state?.waiting?.reason)?.state?.waiting?.reason;
  if (waiting) return waiting;
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') return scheduled.reason ?? 'Unschedulable';
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  const phase = pod.status?.phase ?? 'Pending';
  return phase === 'Running' ? 'Running, not ready' : phase;
}

const timeOf = (value: Date | string | undefined | null): number =>
  value === undefined || value === null ? 0 : new Date(value).getTime();

function eventTime(event: CoreV1Event): number {
  return Math.max(
    timeOf(event.lastTimestamp),
    timeOf(event.eventTime),
    timeOf(event.firstTimestamp),
    timeOf(event.metadata?.creationTimestamp),
  );
}

function latestWarning(pod: V1Pod, events: readonly CoreV1Event[]): string | null {
  const name = pod.metadata?.name;
  const uid = pod.metadata?.uid;
  const mine = events
    .filter(
      (e) =>
        e.type === 'Warning' &&
        e.involvedObject.kind === 'Pod' &&
        e.involvedObject.name === name &&
        (uid === undefined || e.involvedObject.uid === undefined || e.involvedObject.uid === uid),
    )
    .sort((a, b) => eventTime(b) - eventTime(a));
  const event = mine[0];
  return event === undefined ? null : `${event.reason ?? 'Warning'}: ${event.message ?? ''}`.trim();
}

export function progressText(kind: WorkloadKind, progress: RolloutProgress, version: string | null): string {
  const unit = kind === 'DaemonSet' ? 'nodes' : 'replicas';
  return `${progress.updated}/${progress.desired} ${unit} ${version === null ? 'updated' : `on ${version}`}`;
}

export function describeStuck(input: {
  label: string;
  version: string | null;
  workload: { kind: 'Deployment'; object: V1Deployment } | { kind: 'DaemonSet'; object: V1DaemonSet };
  progress: RolloutProgress;
  pods: readonly V1Pod[];
  events: readonly CoreV1Event[];
  now: number;
}): StuckRollout {
  const { workload } = input;
  // The cluster's clock where its objects show it is ahead of ours (skew, or a simulator's fast clock).
  const now = Math.max(
    input.now,
    ...input.pods.map((pod) => timeOf(pod.metadata?.creationTimestamp)),
    ...input.events.map(eventTime),
  );
  // An unready pod is what holds a rollout; pods still on the old template only wait their turn,
  // so they are named only when no pod is unready.
  const unready = input.pods.filter((pod) => !isReady(pod));
  const waiting =
    unready.length > 0
      ? unready
      : input.pods.filter((pod) => workload.kind === 'DaemonSet' && isOld(pod, workload.object));
  const stuck = waiting
    .map((pod): StuckPod => ({
      pod: pod.metadata?.name ?? '?',
      node: pod.spec?.nodeName ?? null,
      reason: isReady(pod) ? 'Running an older template' : reasonOf(pod),
      seconds: Math.max(0, Math.round((now - timeOf(pod.metadata?.creationTimestamp)) / 1000)),
      event: latestWarning(pod, input.events),
    }))
    // The ones waiting longest first: the newest pod of a rolling update is rarely the culprit.
    .sort((a, b) => b.seconds - a.seconds || a.pod.localeCompare(b.pod));
  const head = `${input.label}: ${progressText(workload.kind, input.progress, input.version)}`;
  if (stuck.length === 0) return { message: `${head}; every pod is ready: waiting for the controller`, pods: [] };
  const shown = stuck.slice(0, MAX_PODS).map((pod) => {
    const where = pod.node ?? 'no node';
    const why = pod.event === null ? '' : ` (${pod.event})`;
    return `${where}: ${pod.pod} ${pod.reason} for ${formatDuration(pod.seconds)}${why}`;
  });
  const more = stuck.length > MAX_PODS ? `; and ${stuck.length - MAX_PODS} more` : '';
  return { message: `${[head, ...shown].join('; ')}${more}`, pods: stuck };
}
