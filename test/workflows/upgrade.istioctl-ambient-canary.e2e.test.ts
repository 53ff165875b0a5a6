/**
 * The istioctl ambient canary ends with ztunnel on the new revision, as the Helm path does with
 * the ztunnel chart's `revision`: its XDS_ADDRESS and CA_ADDRESS name istiod-1-27-3, so removing
 * the revision-less istiod leaves no node agent without a control plane. Real worker and
 * activities on the dev server, the simulator and its istioctl stand-in.
 */
import { describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import { answerGates, e2eSuite, quickSpec, runWorker, scenarioFrom, startUpgrade } from './support/upgrade-harness.js';

const suite = e2eSuite();

interface DaemonSetView {
  metadata: { annotations?: Record<string, string> };
  spec?: { template?: { spec?: { containers?: { image?: string; env?: { name: string; value?: string }[] }[] } } };
}

describe('istioctl ambient canary', () => {
  it('points ztunnel at istiod-1-27-3 before the revision-less istiod goes', async () => {
    const cluster = await suite.fresh(
      scenarioFrom('ambientSail', (scenario) => ({
        ...scenario,
        name: 'ambient-istioctl-canary-1.26',
        istio: { installer: 'istioctl', mode: 'ambient', version: '1.26.4' },
      })),
    );
    const spec: SpecInput = quickSpec({
      install: { method: 'istioctl', mode: 'ambient', strategy: 'revision' },
      version: { target: '1.27.3' },
    });
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, spec)),
    );
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    const steps = result.status.steps.map((step) => step.id);
    expect(steps.indexOf('ztunnel@1.27.3')).toBeLessThan(steps.indexOf('remove-revision:default'));

    const ztunnel = cluster.sim.get('daemonsets', 'istio-system', 'ztunnel') as DaemonSetView | undefined;
    const [container] = ztunnel?.spec?.template?.spec?.containers ?? [];
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
    expect(container?.image).toBe('docker.io/istio/ztunnel:1.27.3');
    expect(env.XDS_ADDRESS).toBe('istiod-1-27-3.istio-system.svc:15012');
    expect(env.CA_ADDRESS).toBe('istiod-1-27-3.istio-system.svc:15012');
    expect(ztunnel?.metadata.annotations?.['istio.io/rev']).toBe('1-27-3');
    expect(cluster.sim.get('deployments', 'istio-system', 'istiod')).toBeUndefined();
  }, 180_000);
});
