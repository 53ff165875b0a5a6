/**
 * Labels on a Gateway API `Gateway`: how a waypoint moves between revisions. A waypoint is bound
 * by its Gateway's `istio.io/rev` (none: the default tag); istiod renders the waypoint's
 * Deployment from the Gateway, so relabelling the Gateway is what rolls the waypoint, and
 * labelling its Deployment or pods would be undone by the next render. A merge patch with fixed
 * values, skipped when the labels are already in place, so a retry writes nothing.
 */
import { call, read } from './call.js';
import { mergePatch, type KubeClients } from './clients.js';
import { labelPatch, type LabelChange } from './labels.js';

const GATEWAY_API = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' } as const;

export interface GatewayLabelsInput {
  namespace: string;
  /** The Gateway's name; istiod names a waypoint's Deployment after it. */
  name: string;
  set?: Record<string, string>;
  remove?: string[];
}

export interface GatewayLabelChange extends LabelChange {
  /**
   * The generation of the Deployment rendered for the Gateway, read before the write; the
   * rollout the relabel starts is a later one. Null when nothing was written or istiod has not
   * rendered a Deployment yet.
   */
  renderedGeneration: number | null;
}

interface GatewayObject {
  metadata?: { labels?: Record<string, string> };
}

export function createGatewayLabelActivities(clients: KubeClients) {
  return {
    setGatewayLabels: async (input: GatewayLabelsInput): Promise<GatewayLabelChange> => {
      const what = `gateway ${input.namespace}/${input.name}`;
      const ref = { ...GATEWAY_API, namespace: input.namespace, name: input.name };
      const gateway = (await read(`read ${what}`, () =>
        clients.custom.getNamespacedCustomObject(ref),
      )) as GatewayObject;
      const current = gateway.metadata?.labels;
      const patch = labelPatch(current, input.set, input.remove);
      if (patch === undefined) return { changed: false, labels: { ...current }, renderedGeneration: null };
      const rendered = await read(`list deployments of ${what}`, () =>
        clients.apps.listNamespacedDeployment({
          namespace: input.namespace,
          labelSelector: `gateway.networking.k8s.io/gateway-name=${input.name}`,
        }),
      );
      const updated = (await call(`patch ${what}`, () =>
        clients.custom.patchNamespacedCustomObject({ ...ref, body: { metadata: { labels: patch } } }, mergePatch),
      )) as GatewayObject;
      return {
        changed: true,
        labels: { ...updated.metadata?.labels },
        renderedGeneration: rendered.items[0]?.metadata?.generation ?? null,
      };
    },
  };
}
