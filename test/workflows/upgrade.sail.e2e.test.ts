/**
 * Sail paths end to end on the simulated cluster: the operator does the upgrade, the workflow
 * changes the wanted versions in order and waits for Sail's verdict.
 */
import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../activities/support/sim.js';
import type { SpecInput } from '../../core/spec/schema.js';
import { answerGates, quickSpec, runWorker, scenarioFrom, startUpgrade, e2eSuite } from './support/upgrade-harness.js';

const suite = e2eSuite();

const specVersion = (cluster: SimCluster, resource: string, name: string) =>
  (cluster.sim.get(resource, undefined, name)?.spec as { version?: string } | undefined)?.version;

describe('Sail', () => {
  it('runs an ambient RevisionBased upgrade: new revision, istio-cni, a gate, ztunnel, and Sail deletes the old revision after its grace period', async () => {
    const cluster = await suite.fresh('ambientSail');
    const spec: SpecInput = quickSpec({
      install: { method: 'sail', mode: 'ambient', strategy: 'revision' },
      version: { target: '1.27.3' },
    });
    // The waypoint's Gateway has no istio.io/rev: it follows the default tag, no precheck to override.
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, spec)),
    );
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    const order = result.status.steps.map((step) => step.kind);
    expect(order.indexOf('install-revision')).toBeLessThan(order.indexOf('upgrade-cni'));
    expect(order.indexOf('upgrade-cni')).toBeLessThan(order.indexOf('upgrade-ztunnel'));
    expect(result.status.steps.find((step) => step.id === 'gate:before-ztunnel@1.27.3')?.state).toBe('done');
    expect(specVersion(cluster, 'istios.sailoperator.io', 'default')).toBe('v1.27.3');
    expect(specVersion(cluster, 'istiocnis.sailoperator.io', 'default')).toBe('v1.27.3');
    expect(specVersion(cluster, 'ztunnels.sailoperator.io', 'default')).toBe('v1.27.3');
    expect(cluster.sim.list('istiorevisions.sailoperator.io').map((revision) => revision.metadata.name)).toEqual([
      'default-v1-27-3',
    ]);
  }, 150_000);

  it('runs a sidecar InPlace upgrade by setting the Istio version and restarting the workloads', async () => {
    const cluster = await suite.fresh(
      scenarioFrom('ambientSail', (scenario) => ({
        ...scenario,
        name: 'sidecar-sail-inplace-1.26',
        istio: { installer: 'sail', mode: 'sidecar', version: '1.26.4', sail: { updateStrategy: 'InPlace' } },
        namespaces: (scenario.namespaces ?? []).map((namespace) => ({
          ...namespace,
          labels: { 'istio-injection': 'enabled' },
          waypoints: [],
        })),
      })),
    );
    const spec: SpecInput = quickSpec({
      install: { method: 'sail', mode: 'sidecar', strategy: 'in-place' },
      version: { target: '1.27.3' },
    });
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, spec)),
    );
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(specVersion(cluster, 'istios.sailoperator.io', 'default')).toBe('v1.27.3');
    expect(result.status.progress).toEqual({ restarted: 6, total: 6 });
  }, 150_000);
});
