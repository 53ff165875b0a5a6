/**
 * The DaemonSet controller: one pod per eligible node, rolled node by node within maxUnavailable
 * (istio-cni and ztunnel upgrade this way), with the status fields `kubectl rollout status ds`
 * reads.
 */
import { T } from '../api/resources.js';
import { ApiError } from '../api/status.js';
import type { StoreEvent } from '../api/store.js';
import { createAdmitted, type ControllerContext } from './context.js';
import { SOURCES, recordEvent } from './events.js';
import { resolveIntOrPercent } from './deployment.js';
import { nsKey, splitKey, type Controller } from './manager.js';
import { nodeAffinityFor, schedulableNodes, targetNode } from './nodes.js';
import { podFromTemplate, podName, templateHash } from './pod-factory.js';
import { asPod, controllerOf, isPodReady, type DaemonSet, type Pod } from './shapes.js';
import { isTerminating, terminatePod } from './termination.js';

/** Sim-seconds before a DaemonSet whose pod creation was refused tries again. */
const CREATE_RETRY_SECONDS = 10;

export class DaemonSetController implements Controller {
  readonly name = 'daemonset';

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    if (e.resourceType === T.daemonsets) return [nsKey(e.object.metadata.namespace, e.object.metadata.name)];
    if (e.resourceType === T.pods) {
      const owner = controllerOf(e.object);
      if (owner?.kind === 'DaemonSet') return [nsKey(e.object.metadata.namespace, owner.name)];
    }
    if (e.resourceType === T.nodes) return this.allKeys();
    return [];
  }

  allKeys(): string[] {
    return this.ctx.store.list(T.daemonsets).map((d) => nsKey(d.metadata.namespace, d.metadata.name));
  }

  reconcile(key: string): void {
    const { store } = this.ctx;
    const { namespace, name } = splitKey(key);
    const found = store.get(T.daemonsets, namespace, name);
    if (!found) return;
    const ds = found as DaemonSet;
    const hash = templateHash(ds.spec.template);
    const nodes = schedulableNodes(store, ds.spec.template.spec.nodeSelector).map((n) => n.metadata.name);
    const owned = (): Pod[] =>
      store
        .listOwnedBy(T.pods, ds.metadata.uid)
        .filter((p) => p.metadata.namespace === namespace)
        .map(asPod);
    // Terminating pods count for nothing, but a node gets its new pod only once the old one is gone.
    const podsOf = (): Pod[] => owned().filter((p) => !isTerminating(p));
    let refused = false;
    const create = (node: string): void => {
      if (refused || owned().some((p) => targetNode(p) === node)) return;
      const pod = podFromTemplate(ds, ds.spec.template, {
        name: podName(ds.metadata.name),
        labels: { 'controller-revision-hash': hash },
      });
      pod.spec.affinity = nodeAffinityFor(node);
      try {
        const created = createAdmitted(this.ctx, T.pods, pod);
        recordEvent(
          this.ctx,
          ds,
          'Normal',
          'SuccessfulCreate',
          `Created pod: ${created.metadata.name}`,
          SOURCES.daemonSet,
        );
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        refused = true;
        recordEvent(this.ctx, ds, 'Warning', 'FailedCreate', `Error creating: ${err.message}`, SOURCES.daemonSet);
        this.ctx.manager.enqueueAfter(this, key, CREATE_RETRY_SECONDS);
      }
    };
    const remove = (p: Pod): void => {
      recordEvent(this.ctx, ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, SOURCES.daemonSet);
      terminatePod(this.ctx, p);
    };
    const isNew = (p: Pod): boolean => p.metadata.labels?.['controller-revision-hash'] === hash;

    let pods = podsOf();
    for (const p of pods) if (!nodes.includes(targetNode(p) ?? '')) remove(p);
    for (const node of nodes) create(node);
    pods = podsOf();

    const maxUnavailable = Math.max(
      1,
      resolveIntOrPercent(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable, nodes.length, true, 1),
    );
    if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      // Old pods that are not ready cost no availability: replace them at once.
      for (const p of pods.filter((x) => !isNew(x) && !isPodReady(x))) {
        remove(p);
        create(targetNode(p) ?? '');
      }
      pods = podsOf();
      const unavailable = nodes.filter((n) => !pods.some((p) => targetNode(p) === n && isPodReady(p))).length;
      let budget = maxUnavailable - unavailable;
      for (const p of pods
        .filter((x) => !isNew(x) && isPodReady(x))
        .sort((a, b) => (targetNode(a) ?? '').localeCompare(targetNode(b) ?? ''))) {
        if (budget <= 0) break;
        remove(p);
        create(targetNode(p) ?? '');
        budget--;
      }
      pods = podsOf();
    }

    const ready = pods.filter(isPodReady).length;
    const status = {
      currentNumberScheduled: pods.length,
      desiredNumberScheduled: nodes.length,
      numberMisscheduled: 0,
      numberReady: ready,
      numberAvailable: ready,
      ...(nodes.length - ready > 0 ? { numberUnavailable: nodes.length - ready } : {}),
      updatedNumberScheduled: pods.filter(isNew).length,
      observedGeneration: ds.metadata.generation,
    };
    if (JSON.stringify(status) === JSON.stringify(ds.status)) return;
    store.update(T.daemonsets, { ...ds, status }, { subresource: 'status' });
  }
}
