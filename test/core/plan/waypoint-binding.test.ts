/**
 * Waypoints are bound by their Gateway's `istio.io/rev`: none follows the default tag and moves
 * with it (verified after the tag moves, never relabelled); a tag moves with that tag; a revision
 * name is pinned and relabelled to the new revision by every installer. Only the last is a
 * `waypoint-tags` finding, and only for Sail RevisionBased.
 */
import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../../core/inventory.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import type { Plan } from '../../../core/plan/steps.js';
import { cluster, deployment, spec } from '../fixtures/cluster.js';
import { ofKind } from './helpers.js';

type Method = 'istioctl' | 'helm' | 'sail';

const OLD: Record<Method, string> = { istioctl: '1-27-3', helm: '1-27-3', sail: 'default-v1-27-3' };
const NEW: Record<Method, string> = { istioctl: '1-28-0', helm: '1-28-0', sail: 'default-v1-28-0' };

/**
 * An ambient mesh on the old revision with the default tag on it, and two waypoints whose pods
 * both show the old revision's name (as istiod renders them): `follower`'s Gateway has no label,
 * `pinned`'s is labelled with the old revision's name.
 */
function meshWithTwoWaypoints(method: Method): Inventory {
  const old = OLD[method];
  const inventory = cluster({
    revision: old,
    ambient: true,
    installer: method,
    tags: method === 'sail' ? [] : [{ name: 'default', revision: old }],
    ...(method === 'sail' ? { sail: 'RevisionBased' as const } : {}),
  });
  if (inventory.sail !== null)
    inventory.sail.revisionTags = [{ name: 'default', revision: old, targetRef: { kind: 'Istio', name: 'default' } }];
  // Only the waypoints: the ingress gateway's own route is another story.
  inventory.gateways = [];
  inventory.deployments = inventory.deployments.filter((d) => d.name !== 'istio-ingressgateway');
  for (const [name, gatewayRevLabel] of [
    ['follower', null],
    ['pinned', old],
  ] as const) {
    inventory.gateways.push({
      namespace: 'bookinfo',
      name,
      kind: 'waypoint',
      revision: old,
      version: '1.27.3',
      gatewayRevLabel,
    });
    inventory.deployments.push({
      ...deployment('bookinfo', name, '1.27.3', old),
      podLabels: { 'gateway.networking.k8s.io/gateway-name': name, 'istio.io/rev': old },
    });
  }
  return inventory;
}

function plan(method: Method, inventory = meshWithTwoWaypoints(method)): Plan {
  return planUpgrade(
    spec({ install: { method, mode: 'ambient', strategy: 'revision' }, version: { target: '1.28.0' } }),
    inventory,
  );
}

describe('waypoints bound by their Gateway', () => {
  it.each(['istioctl', 'helm', 'sail'] as const)(
    'with %s: relabels the pinned waypoint behind the before-gateways gate, and verifies the unlabelled one after the default tag moves, leaving its Gateway unlabelled',
    (method) => {
      const result = plan(method);
      const ids = result.steps.map((step) => step.id);
      const switches = ofKind(result, 'switch-gateways');
      expect(switches.map((step) => ({ id: step.id, revision: step.revision, gateways: step.gateways }))).toEqual([
        {
          id: 'gateways@1.28.0',
          revision: NEW[method],
          gateways: [{ namespace: 'bookinfo', name: 'pinned', kind: 'waypoint', revLabel: NEW[method] }],
        },
        {
          id: 'gateways:tag:default@1.28.0',
          revision: NEW[method],
          gateways: [{ namespace: 'bookinfo', name: 'follower', kind: 'waypoint', revLabel: null }],
        },
      ]);
      expect(ids.indexOf('gate:before-gateways@1.28.0')).toBeLessThan(ids.indexOf('gateways@1.28.0'));
      expect(ids.indexOf(`move-tag:default@${NEW[method]}`)).toBeLessThan(ids.indexOf('gateways:tag:default@1.28.0'));
      expect(ofKind(result, 'verify-proxies')).toMatchObject([{ version: '1.28.0', revision: NEW[method] }]);
    },
  );

  it('finds nothing to say about an unlabelled waypoint on Sail, though its pods show a revision name', () => {
    const inventory = meshWithTwoWaypoints('sail');
    inventory.gateways = inventory.gateways.filter((gateway) => gateway.name === 'follower');
    expect(plan('sail', inventory).findings.filter((finding) => finding.check === 'waypoint-tags')).toEqual([]);
  });

  it('finds nothing about a Sail waypoint whose Gateway is labelled with a tag, and moves it with the tag', () => {
    const inventory = meshWithTwoWaypoints('sail');
    inventory.sail?.revisionTags.push({
      name: 'prod',
      revision: OLD.sail,
      targetRef: { kind: 'Istio', name: 'default' },
    });
    const pinned = inventory.gateways.find((gateway) => gateway.name === 'pinned');
    if (pinned) pinned.gatewayRevLabel = 'prod';
    const result = plan('sail', inventory);
    expect(result.findings.filter((finding) => finding.check === 'waypoint-tags')).toEqual([]);
    expect(ofKind(result, 'switch-gateways').find((step) => step.id === 'gateways@1.28.0')).toBeUndefined();
  });

  it('blocks on Sail only the waypoint whose Gateway is labelled with a revision name, naming the label', () => {
    expect(plan('sail').findings.filter((finding) => finding.check === 'waypoint-tags')).toMatchObject([
      {
        severity: 'block',
        evidence: ['waypoint bookinfo/pinned (Gateway istio.io/rev=default-v1-27-3)'],
      },
    ]);
  });

  it.each(['istioctl', 'helm'] as const)('does not block a pinned waypoint with %s: the plan relabels it', (method) => {
    expect(plan(method).findings.filter((finding) => finding.check === 'waypoint-tags')).toEqual([]);
  });
});
