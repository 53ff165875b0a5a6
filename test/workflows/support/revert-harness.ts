/**
 * What the revert tests share (and the later "finish the partial upgrade" test can reuse): a
 * mesh with two injected namespaces, each with tested deployments; a workload test that fails
 * while a chosen workload runs the new proxy (an HTTP endpoint in the test process reading the
 * simulated cluster), which can be cleared once "the team fixed it"; and the mesh state of one
 * namespace, for before/after comparisons.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { answerGates as answerEachGate, takingTurns } from '../../../client/answer-gates.js';
import type { GateReply } from '../../../client/answer-gates.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import type { ScenarioInput } from '../../../sim/index.js';
import type { PendingGate, UpgradeResult, UpgradeStatus } from '../../../workflows/messages.js';
import type { upgrade } from '../../../workflows/upgrade.js';
import type { SimCluster } from '../../activities/support/sim.js';
import { APPROVERS, meshState, quickSpec, scenarioFrom } from './upgrade-harness.js';

export const SHOP = ['cart-v1', 'checkout-v1'];

/** The istioctl sidecar mesh (revision-less 1.26.4, bookinfo) plus `shop`, injected the same way. */
export function twoNamespaces(): ScenarioInput {
  return scenarioFrom('sidecarIstioctl', (scenario) => ({
    ...scenario,
    namespaces: [
      ...(scenario.namespaces ?? []),
      {
        name: 'shop',
        labels: { 'istio-injection': 'enabled' },
        deployments: [
          { name: 'cart-v1', replicas: 2 },
          { name: 'checkout-v1', replicas: 1 },
        ],
      },
    ],
  }));
}

/**
 * A workload test that fails while any live pod of `failing` runs a proxy of `badVersion`, and
 * passes otherwise (and for every other workload), like a service that breaks on the new proxy.
 * The pods are the workload's own, or those `proxiesOf` picks (e.g. its namespace's waypoint).
 */
export async function proxyVersionProbe(
  cluster: SimCluster,
  failing: {
    namespace: string;
    name: string;
    badVersion: string;
    proxiesOf?: (labels: Record<string, string>) => boolean;
  },
): Promise<{ url: (namespace: string, name: string) => string; clear: () => void; close: () => Promise<void> }> {
  let cleared = false;
  const server = createServer((request, response) => {
    const [, namespace = '', name = ''] = (request.url ?? '').split('/');
    const broken =
      !cleared &&
      namespace === failing.namespace &&
      name === failing.name &&
      cluster.sim.list('pods').some((pod) => {
        if (pod.metadata.namespace !== namespace || pod.metadata.deletionTimestamp !== undefined) return false;
        // By its workload's labels, as the simulator seeds them (app cart, version v1 for cart-v1).
        const labels = pod.metadata.labels ?? {};
        const mine = failing.proxiesOf ?? ((l) => `${l.app ?? ''}-${l.version ?? ''}` === name);
        if (!mine(labels)) return false;
        type Container = { name: string; image?: string };
        const spec = pod.spec as { containers?: Container[]; initContainers?: Container[] } | undefined;
        // From 1.27 the proxy is a native sidecar: an init container.
        const proxy = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].find(
          (c) => c.name === 'istio-proxy',
        );
        return proxy?.image?.endsWith(`:${failing.badVersion}`) === true;
      });
    response.writeHead(broken ? 503 : 200).end(broken ? `${name} fails on ${failing.badVersion}` : 'ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (namespace, name) => `http://127.0.0.1:${port}/${namespace}/${name}`,
    clear: () => {
      cleared = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The canary of bookinfo then shop to revision 1-27-3, every deployment tested through `probe`. */
export function twoNamespaceSpec(
  probe: { url: (namespace: string, name: string) => string },
  more: Partial<SpecInput> = {},
): SpecInput {
  const http = (namespace: string, name: string) => ({ http: { url: probe.url(namespace, name) } });
  return quickSpec({
    cluster: { context: 'sim' },
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.27.3' },
    scope: { namespaces: ['bookinfo', 'shop'] },
    // checkout-v1 moves before cart-v1 fails: the revert must put back a workload that passed too.
    restarts: { order: ['bookinfo/reviews-v2', 'shop/checkout-v1'] },
    tests: {
      'bookinfo/reviews-v2': http('bookinfo', 'reviews-v2'),
      'bookinfo/ratings-v1': http('bookinfo', 'ratings-v1'),
      'shop/checkout-v1': http('shop', 'checkout-v1'),
      'shop/cart-v1': http('shop', 'cart-v1'),
    },
    ...more,
  });
}

/** One namespace's part of meshState: its labels and its workloads' proxies. */
export function namespaceState(cluster: SimCluster, namespace: string): Record<string, unknown> {
  const state = meshState(cluster) as { namespaces: Record<string, unknown>; proxies: Record<string, string> };
  return {
    labels: state.namespaces[namespace],
    proxies: Object.fromEntries(Object.entries(state.proxies).filter(([owner]) => owner.startsWith(`${namespace}/`))),
  };
}

/**
 * An answer to a gate: a reply, null to leave it open, undefined for the default (approve a
 * planned gate; a failure gate is unexpected and fails the test).
 */
export type RevertPolicy = (
  gate: PendingGate,
  status: UpgradeStatus,
) => Omit<GateReply, 'by'> | null | undefined | Promise<Omit<GateReply, 'by'> | null | undefined>;

/** Answers every gate by `policy` (approvers taking turns) until the upgrade ends; `seen` collects the gates. */
export async function answerWith(
  handle: WorkflowHandle<typeof upgrade>,
  policy: RevertPolicy,
  seen: PendingGate[] = [],
): Promise<UpgradeResult> {
  const next = takingTurns(APPROVERS);
  const { result } = await answerEachGate(
    handle,
    async (gate, status) => {
      if (!seen.some((known) => known.id === gate.id)) seen.push(gate);
      const reply = await policy(gate, status);
      if (reply === null) return null;
      if (reply === undefined) {
        if (gate.kind === 'failure') {
          await handle.terminate('the test saw an unexpected failure gate');
          throw new Error(`unexpected failure gate: ${gate.description}`);
        }
        return { decision: 'approve', by: next() };
      }
      return { ...reply, by: next() };
    },
    { pollMs: 150 },
  );
  return result;
}

/**
 * The two-namespace mesh plus `pinned`: no injection label on the namespace, each Deployment
 * pinned to the revision-less istiod by its pod template's `istio.io/rev=default`.
 */
export function withPinnedNamespace(): ScenarioInput {
  const scenario = twoNamespaces();
  return {
    ...scenario,
    namespaces: [
      ...(scenario.namespaces ?? []),
      {
        name: 'pinned',
        deployments: [
          { name: 'api-v1', replicas: 2, podLabels: { 'istio.io/rev': 'default' } },
          { name: 'web-v1', replicas: 1, podLabels: { 'istio.io/rev': 'default' } },
        ],
      },
    ],
  };
}
