/**
 * Catches, on Sail RevisionBased upgrades, waypoints bound to a revision name rather than a tag:
 * they would lose their control plane when Sail deletes the old revision.
 */
import type { Precheck } from './precheck.js';

const SOURCE = 'https://github.com/istio-ecosystem/sail-operator/blob/main/docs/README.md#revisionbased';

/**
 * Sail RevisionBased: waypoints must follow a revision tag (`istio.io/rev` = the tag, or no label
 * with an IstioRevisionTag named `default`), never a revision name. A waypoint pinned to the old
 * revision would be pinned again to the new name by a relabel, and one left without a tag loses
 * its control plane silently when Sail deletes the unused revision.
 */
export const waypointTags: Precheck = {
  id: 'waypoint-tags',
  title: 'Sail RevisionBased: waypoints that do not follow a revision tag',
  run(input) {
    const { spec, gatewayRoutes, inventory } = input.context;
    if (spec.install.method !== 'sail' || spec.install.strategy !== 'revision') return [];
    const untagged = inventory.gateways.filter(
      (gateway) =>
        gateway.kind === 'waypoint' && gatewayRoutes.get(`${gateway.namespace}/${gateway.name}`)?.via === 'pinned',
    );
    if (untagged.length === 0) return [];
    return [
      {
        check: 'waypoint-tags',
        severity: 'block',
        message:
          'These waypoints are bound to a revision name, not a tag: they would lose their control plane when Sail deletes the old revision',
        evidence: untagged.map(
          (gateway) => `waypoint ${gateway.namespace}/${gateway.name} (revision ${gateway.revision ?? 'none'})`,
        ),
        remedy:
          'Create an IstioRevisionTag (e.g. default) whose targetRef is the Istio resource, label the waypoint Gateway istio.io/rev=<tag> (or remove the label to follow default), then plan again',
        source: SOURCE,
      },
    ];
  },
};
