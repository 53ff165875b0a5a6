/**
 * istiod's gateway deployment controller, for waypoints: a Gateway of class `istio-waypoint`
 * gets a Deployment whose proxy image follows its revision's version, so an in-place control
 * plane upgrade rolls waypoints as it does on a cluster. The Deployment carries the labels
 * istiod puts on it (`gateway.istio.io/managed`, the gateway name and class), because tools
 * tell waypoints from ordinary workloads by them.
 */
import { T } from '../api/resources.js';
import type { StoreEvent } from '../api/store.js';
import { resolveRevision } from '../istio/revisions.js';
import { applyObject } from './apply.js';
import type { ControllerContext } from './context.js';
import { nsKey, splitKey, type Controller } from './manager.js';
import { findCondition, ownerRef, type Condition } from './shapes.js';

const CLASS = 'istio-waypoint';

export class WaypointController implements Controller {
  readonly name = 'waypoint';

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    if (e.resourceType === T.gateways) return [nsKey(e.object.metadata.namespace, e.object.metadata.name)];
    if (
      e.resourceType === T.deployments &&
      (e.object.metadata.labels?.app === 'istiod' ||
        e.object.metadata.labels?.['gateway.networking.k8s.io/gateway-name'])
    ) {
      return this.allKeys();
    }
    if (e.resourceType === T.mutatingwebhooks) return this.allKeys();
    return [];
  }

  allKeys(): string[] {
    return this.ctx.store
      .list(T.gateways)
      .filter((g) => (g.spec as { gatewayClassName?: string } | undefined)?.gatewayClassName === CLASS)
      .map((g) => nsKey(g.metadata.namespace, g.metadata.name));
  }

  reconcile(key: string): void {
    const { store } = this.ctx;
    const { namespace, name } = splitKey(key);
    const gw = store.get(T.gateways, namespace, name);
    if (!gw || (gw.spec as { gatewayClassName?: string } | undefined)?.gatewayClassName !== CLASS) return;
    const rev =
      resolveRevision(store, gw.metadata.labels?.['istio.io/rev'] ?? 'default') ?? resolveRevision(store, 'default');
    if (!rev) return;
    const labels = {
      'gateway.istio.io/managed': 'istio.io-mesh-controller',
      'gateway.networking.k8s.io/gateway-name': name,
      'gateway.networking.k8s.io/gateway-class-name': CLASS,
      'istio.io/gateway-name': name,
      'istio.io/rev': rev.revision,
    };
    const d = applyObject(this.ctx, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels, ownerReferences: [ownerRef(gw)] },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': name } },
        template: {
          metadata: { labels: { ...labels, 'sidecar.istio.io/inject': 'false', 'istio.io/dataplane-mode': 'none' } },
          spec: {
            containers: [
              { name: 'istio-proxy', image: `docker.io/istio/proxyv2:${rev.version}`, args: ['proxy', 'waypoint'] },
            ],
          },
        },
      },
    });
    const available =
      findCondition((d.status as { conditions?: Condition[] } | undefined)?.conditions, 'Available')?.status === 'True';
    const now = this.ctx.clock.iso();
    const status = {
      conditions: [
        {
          type: 'Accepted',
          status: 'True',
          reason: 'Accepted',
          message: 'Resource accepted',
          lastTransitionTime: now,
          observedGeneration: gw.metadata.generation,
        },
        {
          type: 'Programmed',
          status: available ? 'True' : 'False',
          reason: available ? 'Programmed' : 'Pending',
          message: '',
          lastTransitionTime: now,
          observedGeneration: gw.metadata.generation,
        },
      ],
    };
    const prev = (gw.status as { conditions?: Condition[] } | undefined)?.conditions?.map((c) => c.status).join();
    if (prev === status.conditions.map((c) => c.status).join()) return;
    store.update(T.gateways, { ...gw, status }, { subresource: 'status' });
  }
}
