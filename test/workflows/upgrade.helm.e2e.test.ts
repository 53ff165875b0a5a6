/**
 * Helm paths end to end on the simulated cluster: the real upgrade workflow on the dev server,
 * the real activities and the helm stand-in. Each case starts from a fresh cluster.
 */
import { describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import {
  answerGates,
  meshState,
  quickSpec,
  restartsOf,
  runWorker,
  scenarioFrom,
  startUpgrade,
  e2eSuite,
} from './support/upgrade-harness.js';

const suite = e2eSuite();

type State = {
  namespaces: Record<string, unknown>;
  istiods: string[];
  tags: string[];
  proxies: Record<string, string>;
};

describe('Helm', () => {
  it('refuses a canary to 1.27 on a mesh with a Lightstep tracing provider, writing nothing, and runs it once the check is overridden', async () => {
    const cluster = await suite.fresh('sidecarHelm');
    const spec: SpecInput = quickSpec({
      install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
      version: { target: '1.27.3' },
    });
    const refused = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, spec)),
    );
    expect(refused.outcome).toBe('refused');
    expect(refused.status.failure?.type).toBe('PrecheckBlocked');
    expect(refused.status.failure?.message).toMatch(/^removed-tracing-providers: /);
    expect(cluster.sim.writeLog).toEqual([]);

    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, spec, ['removed-tracing-providers'])),
    );
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(result.status.overriddenPrechecks).toEqual(['removed-tracing-providers']);
    const executed = result.status.steps.map((step) => step.kind);
    expect(executed.indexOf('upgrade-base')).toBeLessThan(executed.indexOf('install-revision'));
    const after = meshState(cluster) as State;
    expect(after.istiods).toEqual(['istiod-1-27-3:1.27.3']);
    expect(Object.values(after.proxies).every((proxy) => proxy.startsWith('1.27.3@'))).toBe(true);
    expect(restartsOf(cluster, 'bookinfo')).toEqual({
      'details-v1': 1,
      'productpage-v1': 1,
      'ratings-v1': 1,
      'reviews-v1': 1,
      'reviews-v2': 1,
      'reviews-v3': 1,
    });
  }, 120_000);

  it('upgrades in place one minor at a time, 1.26.4 to 1.27.3 to 1.28.0, with every proxy on each hop before the next', async () => {
    const cluster = await suite.fresh('sidecarHelm');
    const spec: SpecInput = quickSpec({
      install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' },
      version: { target: '1.28.0' },
    });
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, spec, ['removed-tracing-providers'])),
    );
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    const order = result.status.steps.map((step) => step.id);
    expect(order.indexOf('verify-proxies@1.27.3')).toBeLessThan(order.indexOf('control-plane@1.28.0'));
    const after = meshState(cluster) as State;
    expect(after.istiods).toEqual(['istiod:1.28.0']);
    expect(Object.values(after.proxies).every((proxy) => proxy.startsWith('1.28.0@'))).toBe(true);
    expect(restartsOf(cluster, 'bookinfo')['reviews-v2']).toBe(2);
  }, 120_000);

  it('upgrades an ambient mesh in place: istiod, then istio-cni, then ztunnel, each at 1.27.3', async () => {
    const cluster = await suite.fresh(
      scenarioFrom('ambientSail', (scenario) => ({
        ...scenario,
        name: 'ambient-helm-1.26',
        istio: { installer: 'helm', mode: 'ambient', version: '1.26.4' },
      })),
    );
    const spec: SpecInput = quickSpec({
      install: { method: 'helm', mode: 'ambient', strategy: 'in-place' },
      version: { target: '1.27.3' },
    });
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, spec)),
    );
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    const kinds = result.status.steps.map((step) => step.kind);
    expect(kinds.indexOf('upgrade-control-plane')).toBeLessThan(kinds.indexOf('upgrade-cni'));
    expect(kinds.indexOf('upgrade-cni')).toBeLessThan(kinds.indexOf('upgrade-ztunnel'));
    const image = (name: string) =>
      JSON.stringify(cluster.sim.get('daemonsets', 'istio-system', name)?.spec ?? {}).match(/:(\d+\.\d+\.\d+)/)?.[1];
    expect(image('istio-cni-node')).toBe('1.27.3');
    expect(image('ztunnel')).toBe('1.27.3');
  }, 120_000);

  it('runs an ambient canary: istiod-1-27-3 beside the old, then istio-cni, a gate, ztunnel on the new revision, the default tag, and the old istiod goes', async () => {
    const cluster = await suite.fresh(
      scenarioFrom('ambientSail', (scenario) => ({
        ...scenario,
        name: 'ambient-helm-1.26',
        istio: { installer: 'helm', mode: 'ambient', version: '1.26.4' },
      })),
    );
    const spec: SpecInput = quickSpec({
      install: { method: 'helm', mode: 'ambient', strategy: 'revision' },
      version: { target: '1.27.3' },
    });
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, spec)),
    );
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(result.status.steps.map((step) => step.kind).filter((kind) => kind !== 'gate' && kind !== 'soak')).toEqual([
      'precheck',
      'upgrade-base',
      'install-revision',
      'upgrade-cni',
      'upgrade-ztunnel',
      'move-tag',
      'switch-gateways',
      'verify-proxies',
      'remove-old-revision',
    ]);
    const after = meshState(cluster) as State;
    expect(after.istiods).toEqual(['istiod-1-27-3:1.27.3']);
  }, 120_000);
});
