/**
 * Catches, on Sail RevisionBased upgrades, waypoints whose Gateway is labelled with a revision
 * name rather than a tag: Sail's own updates never move them, so they hold on to a revision Sail
 * means to delete. A Gateway with no label follows the default tag and is fine.
 */
import type { Precheck } from './precheck.js';

const SOURCE = 'https://github.com/istio-ecosystem/sail-operator/blob/main/docs/README.md#revisionbased';

/**
 * Sail RevisionBased: waypoints must follow a revision tag (`istio.io/rev` = the tag, or no label
 * with an IstioRevisionTag named `default`), never a revision name. The binding is read off the
 * Gateway, not the waypoint's pods: its pods always show the revision that rendered them, which
 * for a waypoint following a tag is the tag's revision. An override lets this plan relabel the
 * Gateway to the new revision name; the next upgrade then finds it pinned again.
 */
export const waypointTags: Precheck = {
  id: 'waypoint-tags',
  title: 'Sail RevisionBased: waypoints whose Gateway is labelled with a revision name, not a tag',
  run(input) {
    const { spec, gatewayRoutes, inventory, newRevision } = input.context;
    if (spec.install.method !== 'sail' || spec.install.strategy !== 'revision') return [];
    const pinned = inventory.gateways.filter(
      (gateway) =>
        gateway.kind === 'waypoint' && gatewayRoutes.get(`${gateway.namespace}/${gateway.name}`)?.via === 'pinned',
    );
    if (pinned.length === 0) return [];
    return [
      {
        check: 'waypoint-tags',
        severity: 'block',
        message: `These waypoints are bound to a revision name, not a tag: Sail's updates never move them, so every upgrade must relabel their Gateway (overridden, this one relabels it istio.io/rev=${newRevision})`,
        evidence: pinned.map((gateway) =>
          gateway.gatewayRevLabel === undefined
            ? `waypoint ${gateway.namespace}/${gateway.name} (revision ${gateway.revision ?? 'none'})`
            : `waypoint ${gateway.namespace}/${gateway.name} (Gateway istio.io/rev=${gateway.gatewayRevLabel ?? ''})`,
        ),
        remedy:
          'Create an IstioRevisionTag (e.g. default) whose targetRef is the Istio resource, label the waypoint Gateway istio.io/rev=<tag> (or remove the label to follow default), then plan again',
        source: SOURCE,
      },
    ];
  },
};
