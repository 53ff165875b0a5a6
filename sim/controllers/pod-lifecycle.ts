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
import { pickNode } from './nodes.js';
import { owningWorkload } from './owners.js';
import { asPod, controllerOf, isPodReady, type Condition, type Container, type Pod } from './shapes.js';
import { isTerminating } from './termination.js';

export function proxyContainer(p: Pod): Container | undefined {
  return [...(p.spec.initContainers ?? []), ...p.spec.containers].find((c) => c.name === 'istio-proxy');
}

export function proxyVersionOf(p: Pod): string | undefined {
  return imageVersion(proxyContainer(p)?.image);
}

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n >= 0 ? n : fallback;
}

export class PodLifecycleController implements Controller {
  readonly name = 'pod-lifecycle';

  /** Pod addresses come from one cluster-wide range, handed out in order like a simple IPAM. */
  private podsAddressed = 0;

  constructor(private readonly ctx: ControllerContext) {}

  private nextPodIP(): string {
    const n = this.podsAddressed++;
    return `10.244.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
  }

  keysFor(e: StoreEvent): string[] {
    if (e.resourceType !== T.pods || e.type !== 'ADDED') return [];
    return [nsKey(e.object.metadata.namespace, e.object.metadata.name)];
  }

  allKeys(): string[] {
    return this.ctx.store
      .list(T.pods)
      .map(asPod)
      .filter(
        (p) =>
          (!isPodReady(p) || this.istiodDown(p)) &&
          !isTerminating(p) &&
          p.status?.phase !== 'Succeeded' &&
          p.status?.phase !== 'Failed',
      )
      .map((p) => nsKey(p.metadata.namespace, p.metadata.name));
  }

  reconcile(key: string): void {
    const { store, clock } = this.ctx;
    const { namespace, name } = splitKey(key);
    const found = store.get(T.pods, namespace, name);
    if (!found) return;
    const pod = asPod(found);
    const phase = pod.status?.phase;
    // A terminating pod is on its way out: the kubelet no longer starts it or makes it ready.
    if (phase === 'Succeeded' || phase === 'Failed' || isTerminating(pod)) return;
    if (isPodReady(pod) && !this.istiodDown(pod)) return;
    const now = clock.iso();
    if (!pod.status?.startTime) {
      const nodeName = pod.spec.nodeName ?? pickNode(store, pod.spec.nodeSelector);
      if (!nodeName) return;
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
    const due = this.delay(pod);
    if (elapsed < due) {
      this.ctx.manager.enqueueAfter(this, key, due - elapsed);
      return;
    }
    const workload = owningWorkload(this.ctx.store, pod);
    const blocked = this.blocked(pod, workload?.kind, workload?.name);
    const ready = blocked === undefined;
    const kubelet = SOURCES.kubelet(pod.spec.nodeName);
    if (blocked === 'creating') {
      recordEvent(
        this.ctx,
        pod,
        'Warning',
        'FailedCreatePodSandBox',
        'Failed to create pod sandbox: rpc error: code = DeadlineExceeded desc = context deadline exceeded',
        kubelet,
      );
      this.writeCreating(pod);
      this.ctx.manager.enqueueAfter(this, key, Math.max(1, due));
      return;
    }
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

  private delay(pod: Pod): number {
    if (this.ctx.booting) return 0;
    return seconds(pod.metadata.annotations?.[READY_SECONDS_ANNOTATION], this.ctx.timing.podReadySeconds);
  }

  /** An istiod pod whose revision a fault has taken down: it turns unready even if it was ready. */
  private istiodDown(pod: Pod): boolean {
    const labels = pod.metadata.labels ?? {};
    return labels.app === 'istiod' && this.ctx.faults.istiodUnavailable(labels['istio.io/rev'] ?? 'default');
  }

  /** Why a fault keeps this pod from becoming ready: it never leaves ContainerCreating, or it runs unready. */
  private blocked(
    pod: Pod,
    ownerKind: string | undefined,
    ownerName: string | undefined,
  ): 'creating' | 'unready' | undefined {
    const { faults } = this.ctx;
    const node = pod.spec.nodeName ?? '';
    if (ownerKind === 'DaemonSet' && ownerName) {
      const version = imageVersion(pod.spec.containers[0]?.image);
      if (ownerName.includes('ztunnel') && faults.nodeComponentBroken(node, 'ztunnel', version)) return 'creating';
      if (ownerName.includes('cni') && faults.nodeComponentBroken(node, 'istio-cni', version)) return 'creating';
    }
    if (this.istiodDown(pod)) return 'unready';
    if (
      ownerKind === 'Deployment' &&
      ownerName &&
      faults.podNeverReady(pod.metadata.namespace ?? '', ownerName, proxyVersionOf(pod))
    )
      return 'unready';
    return undefined;
  }

  /** A pod whose sandbox cannot be set up: Pending, every container waiting in ContainerCreating. */
  private writeCreating(pod: Pod): void {
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
          phase: 'Pending',
          conditions: [
            cond('PodReadyToStartContainers', 'False'),
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
            restartCount: 0,
            state: { waiting: { reason: 'ContainerCreating' } },
          })),
        },
      },
      { subresource: 'status' },
    );
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
    const statusOf = (c: Container): unknown => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready,
      started: true,
      restartCount: 0,
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
  const versions = ctx.store
    .list(T.pods, namespace)
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
