/**
 * istioctl in place end to end: one `istioctl upgrade` per hop rolls istiod and what the
 * installation owns (the ingress gateway; istio-cni and ztunnel in ambient), then the workloads.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import { devServerEnv } from '../support/temporal.js';
import type { SimCluster } from '../activities/support/sim.js';
import { answerGates, meshState, quickSpec, runWorker, scenarioFrom, startSimCluster, startUpgrade } from './support/upgrade-harness.js';

let env: TestWorkflowEnvironment;
const clusters: SimCluster[] = [];
beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => {
  await Promise.all([env?.teardown(), ...clusters.map((c) => c.stop())]);
});

async function fresh(scenario: Parameters<typeof startSimCluster>[0]): Promise<SimCluster> {
  const cluster = await startSimCluster(scenario);
  clusters.push(cluster);
  return cluster;
}

describe('istioctl in place', () => {
  it('upgrades the revision-less istiod and its ingress gateway to 1.27.3, then restarts bookinfo onto it', async () => {
    const cluster = await fresh('sidecarIstioctl');
    const spec: SpecInput = quickSpec({ install: { method: 'istioctl', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.27.3' } });
    const result = await runWorker(env, cluster, async (taskQueue) => answerGates(await startUpgrade(env, taskQueue, spec)));
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    const after = meshState(cluster) as { istiods: string[]; proxies: Record<string, string> };
    expect(after.istiods).toEqual(['istiod:1.27.3']);
    expect(Object.values(after.proxies).every((proxy) => proxy.startsWith('1.27.3@'))).toBe(true);
  }, 120_000);

  it('upgrades an ambient mesh with one istioctl upgrade that also rolls istio-cni and ztunnel', async () => {
    const cluster = await fresh(
      scenarioFrom('ambientSail', (scenario) => ({ ...scenario, name: 'ambient-istioctl-1.26', istio: { installer: 'istioctl', mode: 'ambient', version: '1.26.4' } })),
    );
    const spec: SpecInput = quickSpec({ install: { method: 'istioctl', mode: 'ambient', strategy: 'in-place' }, version: { target: '1.27.3' } });
    const result = await runWorker(env, cluster, async (taskQueue) => answerGates(await startUpgrade(env, taskQueue, spec)));
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(result.status.steps.find((step) => step.kind === 'upgrade-control-plane')?.note).toMatch(/istio-cni, ztunnel rolled/);
    const image = (name: string) => JSON.stringify(cluster.sim.get('daemonsets', 'istio-system', name)?.spec ?? {}).match(/:(\d+\.\d+\.\d+)/)?.[1];
    expect(image('istio-cni-node')).toBe('1.27.3');
    expect(image('ztunnel')).toBe('1.27.3');
  }, 120_000);
});
