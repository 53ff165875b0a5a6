/**
 * The kubelet, reduced to timing: a pod is scheduled, starts, and becomes Ready after its
 * readiness time (or never, when a fault says so); a Job's pod runs and then succeeds or fails.
 * Each reconcile compares elapsed sim time with the pod's timing, so it is idempotent and a
 * resync can never double-advance a pod.
 */
import { T } from '../api/resources.js';
import type { StoreEvent } from '../api/store.js';
import { compareVersions, imageVersion } from '../istio/version.js';
import { READY_SECONDS_ANNOTATION, RUN_SECONDS_ANNOTATION, type ControllerContext } from './context.js';
import { SOURCES, recordEvent } from './events.js';
import { nsKey, splitKey, type Controller } from './manager.js';
import { pickNode, targetNode } from './nodes.js';
import { owningWorkload } from './owners.js';
import { asPod, controllerOf, findCondition, isPodReady, type Condition, type Container, type Pod } from './shapes.js';
import { isTerminating } from './termination.js';
import type { StuckTarget } from '../faults/fault-set.js';

export function proxyContainer(p: Pod): Container | undefined {
  return [...(p.spec.initContainers ?? []), ...p.spec.containers].find((c) => c.name === 'istio-proxy');
}

export function proxyVersionOf(p: Pod): string | undefined {
  return imageVersion(proxyContainer(p)?.image);
}

/** Sim-seconds before the scheduler tries an unschedulable pod again. */
const SCHEDULE_RETRY_SECONDS = 10;
/** Sim-seconds between image pull attempts while the kubelet backs off. */
const IMAGE_BACKOFF_SECONDS = 20;
/** The kubelet's crash-loop back-off: 10 s, doubling, at most five minutes. */
const CRASH_BACKOFF_SECONDS = 10;
const CRASH_BACKOFF_MAX_SECONDS = 300;

/** `5m0s`, `1m20s`, `40s`: Go's duration format, as the kubelet writes back-offs. */
function goDuration(total: number): string {
  const m = Math.floor(total / 60);
  return m > 0 ? `${m}m${total % 60}s` : `${total}s`;
}

/** Whether the pod's containers have been created at least once (a crash loop keeps them so). */
function isStarted(pod: Pod): boolean {
  const statuses = (pod.status?.containerStatuses ?? []) as Array<{
    state?: { running?: unknown };
    restartCount?: number;
  }>;
  return statuses.some((c) => c.state?.running !== undefined || (c.restartCount ?? 0) > 0);
}

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n >= 0 ? n : fallback;
}

export class PodLifecycleController implements Controller {
  readonly name = 'pod-lifecycle';

  /** Pod addresses come from one cluster-wide range, handed out in order like a simple IPAM. */
  private podsAddressed = 0;

  /** Pods a scenario's fault put back at boot: they reach their stuck state without the usual start time. */
  private readonly immediate = new Set<string>();

  /** Pods no Ready, schedulable node could take: a node that changes gets them looked at again. */
  private readonly awaitingNode = new Set<string>();

  constructor(private readonly ctx: ControllerContext) {}

  private nextPodIP(): string {
    const n = this.podsAddressed++;
    return `10.244.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
  }

  keysFor(e: StoreEvent): string[] {
    if (e.resourceType === T.nodes && e.type !== 'DELETED') return [...this.awaitingNode];
    if (e.resourceType !== T.pods || e.type !== 'ADDED') return [];
    return [nsKey(e.object.metadata.namespace, e.object.metadata.name)];
  }

  allKeys(): string[] {
    return this.ctx.store
      .list(T.pods)
      .map(asPod)
      .filter(
        (p) =>
          (!isPodReady(p) || this.istiodDown(p) || this.nodeDown(p) !== undefined) &&
          !isTerminating(p) &&
          p.status?.phase !== 'Succeeded' &&
          p.status?.phase !== 'Failed',
      )
      .map((p) => nsKey(p.metadata.namespace, p.metadata.name));
  }

  reconcile(key: string): void {
    const { store, clock } = this.ctx;
    const { namespace, name } = splitKey(key);
    this.awaitingNode.delete(key);
    const found = store.get(T.pods, namespace, name);
    if (!found) return;
    const pod = asPod(found);
    const phase = pod.status?.phase;
    // A terminating pod is on its way out: the kubelet no longer starts it or makes it ready.
    if (phase === 'Succeeded' || phase === 'Failed' || isTerminating(pod)) return;
    const nodeDown = this.nodeDown(pod);
    if (isPodReady(pod) && !this.istiodDown(pod) && nodeDown === undefined) return;
    const now = clock.iso();
    const workload = owningWorkload(this.ctx.store, pod);
    const stuck = this.ctx.faults.podStuck(this.stuckTarget(pod, workload));
    if (!pod.status?.startTime) {
      if (stuck?.reason === 'Unschedulable') {
        this.writeUnschedulable(pod, stuck.message);
        this.ctx.manager.enqueueAfter(this, key, SCHEDULE_RETRY_SECONDS);
        return;
      }
      const nodeName = targetNode(pod) ?? pickNode(store, pod.spec.nodeSelector);
      if (!nodeName) {
        this.awaitingNode.add(key);
        return;
      }
      const node = store.get(T.nodes, undefined, nodeName);
      const hostIP = (node?.status as { addresses?: Array<{ address: string }> } | undefined)?.addresses?.[0]?.address;
      store.update(T.pods, { ...pod, spec: { ...pod.spec, nodeName } });
      const updated = asPod(store.mustGet(T.pods, namespace, name));
      store.update(
        T.pods,
        {
          ...updated,
          status: {
            ...updated.status,
            phase: 'Pending',
            hostIP,
            podIP: updated.status?.podIP ?? this.nextPodIP(),
            startTime: now,
            conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now }],
          },
        },
        { subresource: 'status' },
      );
      recordEvent(
        this.ctx,
        updated,
        'Normal',
        'Scheduled',
        `Successfully assigned ${namespace ?? ''}/${name} to ${nodeName}`,
        SOURCES.scheduler,
      );
      this.ctx.manager.enqueueAfter(this, key, this.delay(pod));
      return;
    }
    const elapsed = (clock.now() - Date.parse(pod.status.startTime)) / 1000;
    const owner = controllerOf(pod);
    if (owner?.kind === 'Job') {
      this.runJobPod(pod, key, elapsed, owner.name);
      return;
    }
    // A node that stopped reporting: its running pods turn unready at once, its new ones never start.
    if (nodeDown !== undefined) {
      if (pod.status?.phase === 'Running') this.writeNodeNotReady(pod, nodeDown.message);
      return;
    }
    const due = this.delay(pod);
    if (elapsed < due) {
      this.ctx.manager.enqueueAfter(this, key, due - elapsed);
      return;
    }
    const kubelet = SOURCES.kubelet(pod.spec.nodeName);
    // A pod that already runs is not taken back to creating or pulling by a fault added later.
    const started = pod.status?.phase === 'Running' && isStarted(pod);
    if (stuck !== undefined && stuck.reason !== 'Unschedulable' && !(started && stuck.reason !== 'CrashLoopBackOff')) {
      if (stuck.reason === 'ContainerCreating') {
        recordEvent(
          this.ctx,
          pod,
          'Warning',
          'FailedCreatePodSandBox',
          stuck.message ??
            'Failed to create pod sandbox: rpc error: code = DeadlineExceeded desc = context deadline exceeded',
          kubelet,
        );
        this.writeCreating(pod);
        this.ctx.manager.enqueueAfter(this, key, Math.max(1, due));
      } else if (stuck.reason === 'CrashLoopBackOff') {
        this.ctx.manager.enqueueAfter(this, key, this.crashLoop(pod, stuck.message));
      } else {
        this.pullFails(pod, stuck.reason, stuck.message);
        this.ctx.manager.enqueueAfter(this, key, IMAGE_BACKOFF_SECONDS);
      }
      return;
    }
    const blocked = this.blocked(pod, workload?.kind, workload?.name);
    const ready = blocked === undefined;
    if (pod.status?.phase !== 'Running') {
      const started = [
        ...(pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
        ...pod.spec.containers,
      ];
      for (const c of started) {
        recordEvent(
          this.ctx,
          pod,
          'Normal',
          'Pulled',
          `Container image "${c.image}" already present on machine`,
          kubelet,
        );
        recordEvent(this.ctx, pod, 'Normal', 'Created', `Created container: ${c.name}`, kubelet);
        recordEvent(this.ctx, pod, 'Normal', 'Started', `Started container ${c.name}`, kubelet);
      }
    }
    // Each look at a pod that stays unready is one more failed probe: the same Event, counted.
    if (!ready)
      recordEvent(
        this.ctx,
        pod,
        'Warning',
        'Unhealthy',
        'Readiness probe failed: HTTP probe failed with statuscode: 503',
        kubelet,
      );
    this.writeRunning(pod, ready);
    // A blocked pod is looked at again later, so clearing the fault lets it become ready.
    if (!ready) this.ctx.manager.enqueueAfter(this, key, Math.max(1, due));
  }

  /**
   * A scenario's `podStuck` faults are switched on once the cluster has booted healthy; the pods
   * they select are started again at once and reach the state the fault gives them, so the
   * cluster begins with that component already unready (and its Events recorded).
   */
  applyScenarioFaults(): void {
    const { store, faults } = this.ctx;
    for (const pod of store.list(T.pods).map(asPod)) {
      if (isTerminating(pod) || controllerOf(pod)?.kind === 'Job' || !isPodReady(pod)) continue;
      const stuck = faults.podStuck(this.stuckTarget(pod, owningWorkload(store, pod)));
      if (stuck === undefined) continue;
      const namespace = pod.metadata.namespace;
      const name = pod.metadata.name;
      const key = nsKey(namespace, name);
      if (stuck.reason === 'Unschedulable') {
        const spec = { ...pod.spec };
        delete spec.nodeName;
        store.update(T.pods, { ...pod, spec });
      }
      const current = asPod(store.mustGet(T.pods, namespace, name));
      store.update(T.pods, { ...current, status: {} }, { subresource: 'status' });
      this.immediate.add(key);
      // Once to schedule (or fail to), once to reach the stuck state.
      this.reconcile(key);
      this.reconcile(key);
    }
  }

  private delay(pod: Pod): number {
    if (this.ctx.booting || this.immediate.has(nsKey(pod.metadata.namespace, pod.metadata.name))) return 0;
    return seconds(pod.metadata.annotations?.[READY_SECONDS_ANNOTATION], this.ctx.timing.podReadySeconds);
  }

  /** An istiod pod whose revision a fault has taken down: it turns unready even if it was ready. */
  private istiodDown(pod: Pod): boolean {
    const labels = pod.metadata.labels ?? {};
    return labels.app === 'istiod' && this.ctx.faults.istiodUnavailable(labels['istio.io/rev'] ?? 'default');
  }

  /** The pod as a `podStuck` fault selects it. */
  private stuckTarget(pod: Pod, workload: { kind: string; name: string } | undefined): StuckTarget {
    const node = targetNode(pod);
    const version = proxyVersionOf(pod) ?? imageVersion(pod.spec.containers[0]?.image);
    return {
      namespace: pod.metadata.namespace ?? '',
      ...(workload === undefined ? {} : { owner: workload }),
      ...(node === undefined ? {} : { node }),
      ...(version === undefined ? {} : { version }),
    };
  }

  /** The NodeNotReady fault on the pod's node, if there is one. */
  private nodeDown(pod: Pod): { message?: string } | undefined {
    return pod.spec.nodeName === undefined ? undefined : this.ctx.faults.nodeDown(pod.spec.nodeName);
  }

  /** Why a fault keeps this running pod from becoming ready. */
  private blocked(pod: Pod, ownerKind: string | undefined, ownerName: string | undefined): 'unready' | undefined {
    const { faults } = this.ctx;
    if (this.istiodDown(pod)) return 'unready';
    if (
      ownerKind === 'Deployment' &&
      ownerName &&
      faults.podNeverReady(pod.metadata.namespace ?? '', ownerName, proxyVersionOf(pod))
    )
      return 'unready';
    return undefined;
  }

  /** What the scheduler says when no node fits: for a DaemonSet pod, only its own node could. */
  private writeUnschedulable(pod: Pod, message: string | undefined): void {
    const nodes = this.ctx.store.list(T.nodes).length;
    const own = targetNode(pod) === undefined ? 0 : 1;
    const others = nodes - own;
    const text =
      message ??
      (own === 1
        ? `0/${nodes} nodes are available: 1 Insufficient cpu, ${others} node(s) didn't match Pod's node affinity/selector. ` +
          `preemption: 0/${nodes} nodes are available: 1 No preemption victims found for incoming pod, ${others} Preemption is not helpful for scheduling.`
        : `0/${nodes} nodes are available: ${nodes} Insufficient cpu. ` +
          `preemption: 0/${nodes} nodes are available: ${nodes} No preemption victims found for incoming pod.`);
    recordEvent(this.ctx, pod, 'Warning', 'FailedScheduling', text, SOURCES.scheduler);
    const now = this.ctx.clock.iso();
    const previous = findCondition(pod.status?.conditions, 'PodScheduled');
    const condition: Condition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message: text,
      lastProbeTime: null,
      lastTransitionTime: previous?.status === 'False' ? (previous.lastTransitionTime ?? now) : now,
    };
    if (JSON.stringify(pod.status) === JSON.stringify({ phase: 'Pending', conditions: [condition] })) return;
    this.ctx.store.update(
      T.pods,
      { ...pod, status: { phase: 'Pending', conditions: [condition] } },
      { subresource: 'status' },
    );
  }

  /** What the node lifecycle controller does to the pods of a node that stopped reporting. */
  private writeNodeNotReady(pod: Pod, message: string | undefined): void {
    recordEvent(this.ctx, pod, 'Warning', 'NodeNotReady', message ?? 'Node is not ready', SOURCES.nodeController);
    if (findCondition(pod.status?.conditions, 'Ready')?.status === 'False') return;
    const now = this.ctx.clock.iso();
    const conditions = (pod.status?.conditions ?? []).map((c) =>
      c.type === 'Ready' ? { ...c, status: 'False' as const, lastTransitionTime: now } : c,
    );
    this.ctx.store.update(T.pods, { ...pod, status: { ...pod.status, conditions } }, { subresource: 'status' });
  }

  /** An image the kubelet cannot pull: Pending, the sandbox up, every container waiting on its image. */
  private pullFails(pod: Pod, reason: 'ErrImagePull' | 'ImagePullBackOff', message: string | undefined): void {
    const kubelet = SOURCES.kubelet(pod.spec.nodeName);
    const pullError = (image: string): string =>
      message ??
      `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;
    for (const c of pod.spec.containers) {
      const image = c.image ?? '';
      recordEvent(this.ctx, pod, 'Normal', 'Pulling', `Pulling image "${image}"`, kubelet);
      recordEvent(this.ctx, pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${pullError(image)}`, kubelet);
      recordEvent(this.ctx, pod, 'Warning', 'Failed', 'Error: ErrImagePull', kubelet);
      if (reason === 'ImagePullBackOff') {
        recordEvent(this.ctx, pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, kubelet);
        recordEvent(this.ctx, pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', kubelet);
      }
    }
    this.writeWaiting(pod, 'Pending', (c) => ({
      waiting: {
        reason,
        message:
          reason === 'ErrImagePull'
            ? pullError(c.image ?? '')
            : `Back-off pulling image "${c.image ?? ''}": ErrImagePull: ${pullError(c.image ?? '')}`,
      },
    }));
  }

  /**
   * A container that exits as soon as it starts: each look is one more crash (restartCount
   * grows), then the kubelet backs off, doubling up to five minutes. Returns that back-off.
   */
  private crashLoop(pod: Pod, message: string | undefined): number {
    const kubelet = SOURCES.kubelet(pod.spec.nodeName);
    const ref = `${pod.metadata.name}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
    const previous = (pod.status?.containerStatuses ?? []) as Array<{ name: string; restartCount?: number }>;
    const restarts = (previous.find((c) => c.name === pod.spec.containers[0]?.name)?.restartCount ?? -1) + 1;
    const backoff = Math.min(CRASH_BACKOFF_SECONDS * 2 ** Math.max(0, restarts - 1), CRASH_BACKOFF_MAX_SECONDS);
    const now = this.ctx.clock.iso();
    for (const c of pod.spec.containers) {
      recordEvent(
        this.ctx,
        pod,
        'Normal',
        'Pulled',
        `Container image "${c.image ?? ''}" already present on machine`,
        kubelet,
      );
      recordEvent(this.ctx, pod, 'Normal', 'Created', `Created container: ${c.name}`, kubelet);
      recordEvent(this.ctx, pod, 'Normal', 'Started', `Started container ${c.name}`, kubelet);
      if (restarts > 0)
        recordEvent(
          this.ctx,
          pod,
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${c.name} in pod ${ref}`,
          kubelet,
        );
    }
    this.writeWaiting(
      pod,
      'Running',
      (c) => ({
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${goDuration(backoff)} restarting failed container=${c.name} pod=${ref}`,
        },
      }),
      (c) => ({
        restartCount: Math.max(0, restarts),
        lastState: {
          terminated: {
            exitCode: 1,
            reason: 'Error',
            ...(message === undefined ? {} : { message }),
            startedAt: now,
            finishedAt: now,
            containerID: `containerd://${c.name}-${restarts}`,
          },
        },
      }),
    );
    return backoff;
  }

  /**
   * Containers that wait, unready, with the kubelet's reason: on an image or in a crash loop (the
   * sandbox started), or in ContainerCreating (the sandbox could not be set up).
   */
  private writeWaiting(
    pod: Pod,
    phase: 'Pending' | 'Running',
    state: (c: Container) => unknown,
    extra: (c: Container) => Record<string, unknown> = () => ({ restartCount: 0 }),
    sandboxReady = true,
  ): void {
    const now = this.ctx.clock.iso();
    const names = pod.spec.containers.map((c) => c.name);
    const cond = (type: string, status: 'True' | 'False', reason?: string): Condition => ({
      type,
      status,
      ...(reason ? { reason, message: `containers with unready status: [${names.join(' ')}]` } : {}),
      lastProbeTime: null,
      lastTransitionTime: pod.status?.conditions?.find((c) => c.type === type)?.lastTransitionTime ?? now,
    });
    this.ctx.store.update(
      T.pods,
      {
        ...pod,
        status: {
          ...pod.status,
          phase,
          conditions: [
            cond('PodReadyToStartContainers', sandboxReady ? 'True' : 'False'),
            cond('Initialized', 'True'),
            cond('Ready', 'False', 'ContainersNotReady'),
            cond('ContainersReady', 'False', 'ContainersNotReady'),
            cond('PodScheduled', 'True'),
          ],
          containerStatuses: pod.spec.containers.map((c) => ({
            name: c.name,
            image: c.image,
            imageID: '',
            ready: false,
            started: false,
            ...extra(c),
            state: state(c),
          })),
        },
      },
      { subresource: 'status' },
    );
  }

  /** A pod whose sandbox cannot be set up: Pending, every container waiting in ContainerCreating. */
  private writeCreating(pod: Pod): void {
    this.writeWaiting(pod, 'Pending', () => ({ waiting: { reason: 'ContainerCreating' } }), undefined, false);
  }

  private writeRunning(pod: Pod, ready: boolean): void {
    const now = this.ctx.clock.iso();
    const flag = ready ? 'True' : 'False';
    const cond = (type: string, status: 'True' | 'False'): Condition => ({
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: now,
    });
    // A container that crashed before keeps its count: `kubectl get pods` shows the restarts.
    const previous = (pod.status?.containerStatuses ?? []) as Array<{ name: string; restartCount?: number }>;
    const statusOf = (c: Container): unknown => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready,
      started: true,
      restartCount: previous.find((p) => p.name === c.name)?.restartCount ?? 0,
      state: { running: { startedAt: now } },
    });
    const nativeSidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
    this.ctx.store.update(
      T.pods,
      {
        ...pod,
        status: {
          ...pod.status,
          phase: 'Running',
          conditions: [
            cond('PodReadyToStartContainers', 'True'),
            cond('Initialized', 'True'),
            cond('Ready', flag),
            cond('ContainersReady', flag),
            cond('PodScheduled', 'True'),
          ],
          containerStatuses: pod.spec.containers.map(statusOf),
          ...(nativeSidecars.length ? { initContainerStatuses: nativeSidecars.map(statusOf) } : {}),
        },
      },
      { subresource: 'status' },
    );
  }

  private runJobPod(pod: Pod, key: string, elapsed: number, jobName: string): void {
    const runFor = this.ctx.booting
      ? 0
      : seconds(pod.metadata.annotations?.[RUN_SECONDS_ANNOTATION], this.ctx.timing.jobRunSeconds);
    if (elapsed < runFor) {
      if (pod.status?.phase !== 'Running') {
        this.ctx.store.update(
          T.pods,
          { ...pod, status: { ...pod.status, phase: 'Running' } },
          { subresource: 'status' },
        );
      }
      this.ctx.manager.enqueueAfter(this, key, runFor - elapsed);
      return;
    }
    const namespace = pod.metadata.namespace ?? '';
    const job = this.ctx.store.get(T.jobs, namespace, jobName);
    const failed = this.ctx.faults.jobFails(namespace, jobName, job?.metadata.labels ?? {}, (d) =>
      deploymentProxyVersion(this.ctx, namespace, d),
    );
    const now = this.ctx.clock.iso();
    this.ctx.store.update(
      T.pods,
      {
        ...pod,
        status: {
          ...pod.status,
          phase: failed ? 'Failed' : 'Succeeded',
          containerStatuses: pod.spec.containers.map((c) => ({
            name: c.name,
            image: c.image,
            ready: false,
            started: false,
            restartCount: 0,
            state: {
              terminated: { exitCode: failed ? 1 : 0, reason: failed ? 'Error' : 'Completed', finishedAt: now },
            },
          })),
        },
      },
      { subresource: 'status' },
    );
  }
}

/** The proxy version a deployment's current pods run (the highest, if they are mixed). */
export function deploymentProxyVersion(
  ctx: ControllerContext,
  namespace: string,
  deployment: string,
): string | undefined {
  // Through the owner index when the Deployment exists: a Job's end looks at one workload's pods.
  const d = ctx.store.get(T.deployments, namespace, deployment);
  const candidates =
    d === undefined
      ? ctx.store.list(T.pods, namespace)
      : ctx.store
          .listOwnedBy(T.replicasets, d.metadata.uid)
          .flatMap((rs) => ctx.store.listOwnedBy(T.pods, rs.metadata.uid));
  const versions = candidates
    .filter((p) => p.metadata.namespace === namespace)
    .map(asPod)
    .filter((p) => {
      if (isTerminating(p)) return false;
      const workload = owningWorkload(ctx.store, p);
      return workload?.kind === 'Deployment' && workload.name === deployment;
    })
    .map(proxyVersionOf)
    .filter((v): v is string => v !== undefined)
    .sort(compareVersions);
  return versions[versions.length - 1];
}
