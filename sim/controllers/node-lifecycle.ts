/**
 * The node lifecycle controller, reduced to what a NotReady node shows: while a `podStuck`
 * NodeNotReady fault names a node, its Ready condition is Unknown ("Kubelet stopped posting node
 * status.") and it carries the unreachable taints; when the fault clears, the kubelet reports
 * again. What happens to the node's pods is the pod lifecycle's part.
 */
import { T } from '../api/resources.js';
import type { StoreEvent } from '../api/store.js';
import type { ControllerContext } from './context.js';
import { SOURCES, recordEvent } from './events.js';
import type { Controller } from './manager.js';
import { setCondition, type Condition } from './shapes.js';

const UNREACHABLE = 'node.kubernetes.io/unreachable';

interface Taint {
  key: string;
  effect: string;
  timeAdded?: string;
}

export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle';

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    return e.resourceType === T.nodes && e.type !== 'DELETED' ? [e.object.metadata.name] : [];
  }

  allKeys(): string[] {
    return this.ctx.store.list(T.nodes).map((n) => n.metadata.name);
  }

  reconcile(key: string): void {
    const { store, clock, faults } = this.ctx;
    const node = store.get(T.nodes, undefined, key);
    if (!node) return;
    const down = faults.nodeDown(key) !== undefined;
    const status = (node.status ?? {}) as { conditions?: Condition[] };
    const spec = (node.spec ?? {}) as { taints?: Taint[] };
    const wasDown = status.conditions?.find((c) => c.type === 'Ready')?.status !== 'True';
    if (down === wasDown) return;
    const now = clock.iso();
    const ready: Condition = down
      ? {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
        }
      : { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' };
    const others = (spec.taints ?? []).filter((t) => t.key !== UNREACHABLE);
    const taints = down
      ? [
          ...others,
          { key: UNREACHABLE, effect: 'NoSchedule' },
          { key: UNREACHABLE, effect: 'NoExecute', timeAdded: now },
        ]
      : others;
    const { taints: _previous, ...rest } = spec;
    store.update(T.nodes, { ...node, spec: taints.length > 0 ? { ...rest, taints } : rest });
    const current = store.mustGet(T.nodes, undefined, key);
    store.update(
      T.nodes,
      { ...current, status: { ...status, conditions: setCondition(status.conditions, ready, now) } },
      { subresource: 'status' },
    );
    recordEvent(
      this.ctx,
      current,
      'Normal',
      down ? 'NodeNotReady' : 'NodeReady',
      `Node ${key} status is now: ${down ? 'NodeNotReady' : 'NodeReady'}`,
      SOURCES.nodeController,
    );
  }
}
