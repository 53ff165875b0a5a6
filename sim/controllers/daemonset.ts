/**
 * The DaemonSet controller: one pod per eligible node, rolled node by node within maxUnavailable
 * (istio-cni and ztunnel upgrade this way), with the status fields `kubectl rollout status ds`
 * reads.
 */
import { T } from '../api/resources.js';
import type { StoreEvent } from '../api/store.js';
import { createAdmitted, type ControllerContext } from './context.js';
import { SOURCES, recordEvent, recordKilling } from './events.js';
import { resolveIntOrPercent } from './deployment.js';
import { nsKey, splitKey, type Controller } from './manager.js';
import { schedulableNodes } from './nodes.js';
import { podFromTemplate, podName, templateHash } from './pod-factory.js';
import { asPod, controllerOf, isPodReady, type DaemonSet, type Pod } from './shapes.js';

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
    const podsOf = (): Pod[] =>
      store
        .list(T.pods, namespace)
        .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === ds.metadata.uid))
        .map(asPod);
    const create = (node: string): void => {
      const created = createAdmitted(
        this.ctx,
        T.pods,
        podFromTemplate(ds, ds.spec.template, { name: podName(ds.metadata.name), labels: { 'controller-revision-hash': hash }, nodeName: node }),
      );
      recordEvent(this.ctx, ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, SOURCES.daemonSet);
    };
    const remove = (p: Pod): void => {
      store.delete(T.pods, namespace, p.metadata.name);
      recordEvent(this.ctx, ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, SOURCES.daemonSet);
      recordKilling(this.ctx, p);
    };
    const isNew = (p: Pod): boolean => p.metadata.labels?.['controller-revision-hash'] === hash;

    let pods = podsOf();
    for (const p of pods) if (!nodes.includes(p.spec.nodeName ?? '')) remove(p);
    pods = podsOf();
    for (const node of nodes) if (!pods.some((p) => p.spec.nodeName === node)) create(node);
    pods = podsOf();

    const maxUnavailable = Math.max(1, resolveIntOrPercent(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable, nodes.length, true, 1));
    if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      // Old pods that are not ready cost no availability: replace them at once.
      for (const p of pods.filter((x) => !isNew(x) && !isPodReady(x))) {
        remove(p);
        create(p.spec.nodeName ?? '');
      }
      pods = podsOf();
      let budget = maxUnavailable - pods.filter((p) => !isPodReady(p)).length;
      for (const p of pods.filter((x) => !isNew(x) && isPodReady(x)).sort((a, b) => (a.spec.nodeName ?? '').localeCompare(b.spec.nodeName ?? ''))) {
        if (budget <= 0) break;
        remove(p);
        create(p.spec.nodeName ?? '');
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
