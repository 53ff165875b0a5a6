/**
 * istioctl in place end to end: one `istioctl upgrade` per hop rolls istiod and what the
 * installation owns (the ingress gateway; istio-cni and ztunnel in ambient), then the workloads.
 */
import { describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import {
  answerGates,
  meshState,
  quickSpec,
  runWorker,
  scenarioFrom,
  startUpgrade,
  e2eSuite,
} from './support/upgrade-harness.js';

const suite = e2eSuite();

describe('istioctl in place', () => {
  it('upgrades the revision-less istiod and its ingress gateway to 1.27.3, then restarts bookinfo onto it', async () => {
    const cluster = await suite.fresh('sidecarIstioctl');
    const spec: SpecInput = quickSpec({
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'in-place' },
      version: { target: '1.27.3' },
    });
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, spec)),
    );
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    const after = meshState(cluster) as { istiods: string[]; proxies: Record<string, string> };
    expect(after.istiods).toEqual(['istiod:1.27.3']);
    expect(Object.values(after.proxies).every((proxy) => proxy.startsWith('1.27.3@'))).toBe(true);
  }, 120_000);

  it('upgrades an ambient mesh with one istioctl upgrade that also rolls istio-cni and ztunnel', async () => {
    const cluster = await suite.fresh(
      scenarioFrom('ambientSail', (scenario) => ({
        ...scenario,
        name: 'ambient-istioctl-1.26',
        istio: { installer: 'istioctl', mode: 'ambient', version: '1.26.4' },
      })),
    );
    const spec: SpecInput = quickSpec({
      install: { method: 'istioctl', mode: 'ambient', strategy: 'in-place' },
      version: { target: '1.27.3' },
    });
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, spec)),
    );
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(result.status.steps.find((step) => step.kind === 'upgrade-control-plane')?.note).toMatch(
      /istio-cni, ztunnel rolled/,
    );
    const image = (name: string) =>
      JSON.stringify(cluster.sim.get('daemonsets', 'istio-system', name)?.spec ?? {}).match(/:(\d+\.\d+\.\d+)/)?.[1];
    expect(image('istio-cni-node')).toBe('1.27.3');
    expect(image('ztunnel')).toBe('1.27.3');
  }, 120_000);
});
