/**
 * Catches Sail discovery selectors that leave out the control-plane, node-agent, gateway or
 * in-scope namespaces: istiod would not see the workloads the upgrade moves onto it.
 */
import { selectorMatches } from '../labels.js';
import type { Precheck } from './precheck.js';

/** istiod ignores namespaces its discovery selectors miss, including its own and the gateways'. */
export const sailDiscoverySelectors: Precheck = {
  id: 'sail-discovery-selectors',
  title: 'Sail discovery selectors that miss the Istio namespaces or namespaces in scope',
  run(input) {
    const { inventory, namespaces } = input.context;
    const selectors = inventory.sail?.istio?.discoverySelectors;
    if (!selectors || selectors.length === 0) return [];
    const istioNamespaces = new Set([
      inventory.controlPlane.namespace,
      ...(inventory.cni ? [inventory.cni.namespace] : []),
      ...(inventory.ztunnel ? [inventory.ztunnel.namespace] : []),
      ...inventory.gateways.map((gateway) => gateway.namespace),
      ...namespaces.map((namespace) => namespace.name),
    ]);
    const missed = inventory.namespaces.filter(
      (namespace) =>
        istioNamespaces.has(namespace.name) &&
        !selectors.some((selector) => selectorMatches(selector, namespace.labels)),
    );
    if (missed.length === 0) return [];
    return [
      {
        check: 'sail-discovery-selectors',
        severity: 'block',
        message: 'Istio discovery selectors miss namespaces the upgrade needs istiod to see',
        evidence: missed.map(
          (namespace) =>
            `Namespace ${namespace.name} (Istio ${inventory.sail?.istio?.name ?? 'default'} spec.values.meshConfig.discoverySelectors)`,
        ),
        remedy: 'Label these namespaces to match a discovery selector, or widen the selectors',
      },
    ];
  },
};
