/**
 * Waypoints on an ambient canary, end to end on the simulated cluster, for istioctl, Helm and
 * Sail: bookinfo has two waypoints whose pods both show the old revision's name. `waypoint`'s
 * Gateway has no `istio.io/rev` (it follows the default tag): it passes the prechecks, is never
 * relabelled, and is verified on the new version after the default tag moves. `reviews-waypoint`'s
 * Gateway is pinned to the old revision's name: it is relabelled to the new one behind the
 * before-gateways gate, rolls, and is verified.
 */
import { describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import type { ScenarioInput } from '../../sim/index.js';
import type { SimCluster } from '../activities/support/sim.js';
import { answerGates, quickSpec, runWorker, scenarioFrom, startUpgrade, e2eSuite } from './support/upgrade-harness.js';

const suite = e2eSuite();

type Method = 'istioctl' | 'helm' | 'sail';

const OLD: Record<Method, string> = { istioctl: '1-26-4', helm: '1-26-4', sail: 'default-v1-26-4' };
const NEW: Record<Method, string> = { istioctl: '1-27-3', helm: '1-27-3', sail: 'default-v1-27-3' };

/** The shipped ambient mesh with a second waypoint, pinned; istioctl and Helm run a named revision under the default tag. */
function meshWithTwoWaypoints(method: Method): ScenarioInput {
  return scenarioFrom('ambientSail', (scenario) => ({
    ...scenario,
    name: `ambient-${method}-two-waypoints`,
    ...(method === 'sail'
      ? {}
      : {
          istio: {
            installer: method,
            mode: 'ambient',
            version: '1.26.4',
            defaultRevision: OLD[method],
            tags: [{ name: 'default', revision: OLD[method] }],
          },
        }),
    namespaces: (scenario.namespaces ?? []).map((namespace) => ({
      ...namespace,
      waypoints: [{ name: 'waypoint' }, { name: 'reviews-waypoint', revision: OLD[method] }],
    })),
  }));
}

const gatewayLabels = (cluster: SimCluster, name: string) =>
  cluster.sim.get('gateways.gateway.networking.k8s.io', 'bookinfo', name)?.metadata.labels ?? {};

/** Each live pod of a waypoint as `version@revision`, every proxy container counted. */
function waypointProxies(cluster: SimCluster, name: string): string[] {
  return cluster.sim
    .list('pods', 'bookinfo')
    .filter(
      (pod) =>
        pod.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === name &&
        pod.metadata.deletionTimestamp === undefined,
    )
    .map((pod) => {
      const spec = pod.spec as { containers?: { name: string; image?: string }[] } | undefined;
      const versions = (spec?.containers ?? [])
        .filter((c) => c.name === 'istio-proxy')
        .map((c) => (c.image ?? '').split(':').pop() ?? '');
      return `${versions.join('+')}@${pod.metadata.labels?.['istio.io/rev'] ?? ''}`;
    });
}

const gatewayPatches = (cluster: SimCluster, name: string) =>
  cluster.sim.writeLog.filter((w) => w.resource === 'gateways' && w.name === name).length;

describe('waypoints on an ambient canary', () => {
  it.each(['istioctl', 'helm', 'sail'] as const)(
    'with %s: leaves the unlabelled waypoint unlabelled and verifies it after the default tag moves; relabels the pinned one and verifies it',
    async (method) => {
      const cluster = await suite.fresh(meshWithTwoWaypoints(method));
      expect(waypointProxies(cluster, 'waypoint')).toEqual([`1.26.4@${OLD[method]}`]);
      expect(waypointProxies(cluster, 'reviews-waypoint')).toEqual([`1.26.4@${OLD[method]}`]);
      const spec: SpecInput = quickSpec({
        install: { method, mode: 'ambient', strategy: 'revision' },
        version: { target: '1.27.3' },
      });
      // Sail blocks a waypoint pinned to a revision name (its own updates never move one): the
      // operator overrides to let this plan relabel it.
      const overrides = method === 'sail' ? ['waypoint-tags'] : [];
      const result = await runWorker(suite.env, cluster, async (taskQueue) =>
        answerGates(await startUpgrade(suite.env, taskQueue, spec, overrides)),
      );
      expect(result.status.failure).toBeNull();
      expect(result.outcome).toBe('completed');

      const waypointFindings = (result.plan?.findings ?? []).filter((finding) => finding.check === 'waypoint-tags');
      expect(waypointFindings.map((finding) => finding.evidence)).toEqual(
        method === 'sail' ? [['waypoint bookinfo/reviews-waypoint (Gateway istio.io/rev=default-v1-26-4)']] : [],
      );

      const switches = (result.plan?.steps ?? []).flatMap((step) =>
        step.kind === 'switch-gateways'
          ? [{ id: step.id, gateways: step.gateways.map((gateway) => `${gateway.name}:${gateway.revLabel ?? 'none'}`) }]
          : [],
      );
      expect(switches).toEqual([
        { id: 'gateways@1.27.3', gateways: [`reviews-waypoint:${NEW[method]}`] },
        { id: 'gateways:tag:default@1.27.3', gateways: ['waypoint:none'] },
      ]);
      const states = Object.fromEntries(result.status.steps.map((step) => [step.id, step.state]));
      expect(states).toMatchObject({
        'gate:before-gateways@1.27.3': 'done',
        'gateways@1.27.3': 'done',
        [`move-tag:default@${NEW[method]}`]: 'done',
        'gateways:tag:default@1.27.3': 'done',
      });

      expect(gatewayLabels(cluster, 'waypoint')).toEqual({ 'istio.io/waypoint-for': 'service' });
      expect(gatewayLabels(cluster, 'reviews-waypoint')).toEqual({
        'istio.io/waypoint-for': 'service',
        'istio.io/rev': NEW[method],
      });
      expect(gatewayPatches(cluster, 'waypoint')).toBe(0);
      expect(gatewayPatches(cluster, 'reviews-waypoint')).toBe(1);
      expect(waypointProxies(cluster, 'waypoint')).toEqual([`1.27.3@${NEW[method]}`]);
      expect(waypointProxies(cluster, 'reviews-waypoint')).toEqual([`1.27.3@${NEW[method]}`]);
    },
    180_000,
  );
});
