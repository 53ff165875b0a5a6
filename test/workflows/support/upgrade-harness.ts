/**
 * End-to-end harness for the upgrade workflows: a simulated cluster, a real worker with the real
 * activities on it, the shared dev server, and helpers that play the operator (answer gates as
 * they open) and read the cluster's state for before/after comparisons.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../../activities/index.js';
import { answerGates as answerEachGate, takingTurns } from '../../../client/answer-gates.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import type { KubeObject } from '../../../sim/api/object.js';
import type { UpgradeResult, UpgradeStatus } from '../../../workflows/messages.js';
import type { upgrade } from '../../../workflows/upgrade.js';
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { createKubeClients } from '../../../activities/kubernetes/clients.js';
import { standInToolsFolder, startSim } from '../../../sim/index.js';
import type { ScenarioInput } from '../../../sim/index.js';
import { SCENARIOS, startCluster, type SimCluster } from '../../activities/support/sim.js';
import { withWorker } from '../../support/worker.js';

export const APPROVERS = ['alice', 'bob'];

const tools = standInToolsFolder();

/** Short timers so a whole canary runs in seconds on the dev server's real clock. */
export function quickSpec(spec: SpecInput): SpecInput {
  return {
    ...spec,
    timers: { soakAfterControlPlane: '1s', graceBeforeRevisionRemoval: '1s', ...spec.timers },
    approvals: { approvers: APPROVERS, ...spec.approvals },
  };
}

export async function startSimCluster(scenario: keyof typeof SCENARIOS | ScenarioInput): Promise<SimCluster> {
  if (typeof scenario === 'string') return startCluster(scenario, { timeScale: 50 });
  const sim = await startSim({ scenario, timeScale: 50 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sim.kubeconfigPath);
  return { sim, kubeConfig, clients: createKubeClients(kubeConfig), stop: () => sim.stop() };
}

/** A shipped scenario file with some of its fields replaced, e.g. another installer. */
export function scenarioFrom(
  file: keyof typeof SCENARIOS,
  change: (scenario: ScenarioInput) => ScenarioInput,
): ScenarioInput {
  return change(parseYaml(readFileSync(SCENARIOS[file], 'utf8')) as ScenarioInput);
}

export function runWorker<T>(
  env: TestWorkflowEnvironment,
  cluster: SimCluster,
  fn: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const activities = createActivities({
    kubeConfig: cluster.kubeConfig,
    tools: { kubeconfigPath: cluster.sim.kubeconfigPath, searchPath: [tools] },
  });
  return withWorker(env, { workflowsPath: 'workflows/index.ts', activities }, ({ taskQueue }) => fn(taskQueue));
}

export async function startUpgrade(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  spec: SpecInput,
  overridePrechecks: string[] = [],
): Promise<WorkflowHandle<typeof upgrade>> {
  return env.client.workflow.start<typeof upgrade>('upgrade', {
    taskQueue,
    workflowId: `upgrade-${randomUUID()}`,
    args: [{ spec, initiator: 'carol', overridePrechecks }],
  });
}

export type GateAnswerer = (gateId: string, status: UpgradeStatus) => 'approve' | 'reject' | 'retry' | 'revert' | null;

/** Approves planned gates; a failure gate is a test failure unless the test's own answerer handles it. */
export const approveAll: GateAnswerer = (gateId, status) => {
  const gate = status.pendingGates.find((g) => g.id === gateId);
  if (gate?.kind === 'failure') throw new Error(`unexpected failure gate: ${gate.description}`);
  return 'approve';
};

/** Answers every gate as it opens (alternating approvers) until the workflow ends. */
export async function answerGates(
  handle: WorkflowHandle<typeof upgrade>,
  answer: GateAnswerer = approveAll,
): Promise<UpgradeResult> {
  const next = takingTurns(APPROVERS);
  const { result } = await answerEachGate(
    handle,
    async (gate, status) => {
      let decision: ReturnType<GateAnswerer>;
      try {
        decision = answer(gate.id, status);
      } catch (error) {
        await handle.terminate('the test saw an unexpected gate');
        throw error;
      }
      if (decision === null) return null;
      if (decision === 'revert') return { decision, by: next(), comment: 'fails on the new revision' };
      return decision === 'retry'
        ? { decision, by: next(), comment: 'retry after a transient failure' }
        : { decision, by: next() };
    },
    { pollMs: 150 },
  );
  return result;
}

/** What a rollback must restore: namespace labels, istiod revisions, tags and every proxy's version and revision. */
export function meshState(cluster: SimCluster): Record<string, unknown> {
  const labels = (o: KubeObject) =>
    Object.fromEntries(
      Object.entries(o.metadata.labels ?? {}).filter(([k]) => k === 'istio.io/rev' || k === 'istio-injection'),
    );
  const namespaces = Object.fromEntries(cluster.sim.list('namespaces').map((ns) => [ns.metadata.name, labels(ns)]));
  const istiods = cluster.sim
    .list('deployments')
    .filter((d) => d.metadata.labels?.app === 'istiod')
    .map((d) => `${d.metadata.name}:${d.metadata.labels?.['operator.istio.io/version'] ?? ''}`)
    .sort();
  const tags = cluster.sim
    .list('mutatingwebhookconfigurations.admissionregistration.k8s.io')
    .filter((w) => w.metadata.labels?.['istio.io/tag'])
    .map((w) => `${w.metadata.labels?.['istio.io/tag'] ?? ''}→${w.metadata.labels?.['istio.io/rev'] ?? ''}`)
    .sort();
  const proxies: Record<string, string> = {};
  // Terminating pods are on their way out (graceful deletion): the mesh is what runs on.
  for (const pod of cluster.sim.list('pods').filter((p) => p.metadata.deletionTimestamp === undefined)) {
    const spec = pod.spec as
      | { containers?: { name: string; image?: string }[]; initContainers?: { name: string; image?: string }[] }
      | undefined;
    const proxy = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].find((c) => c.name === 'istio-proxy');
    if (proxy === undefined || pod.metadata.labels?.app === 'istiod') continue;
    const status = pod.metadata.annotations?.['sidecar.istio.io/status'];
    const revision = status ? ((JSON.parse(status) as { revision?: string }).revision ?? '?') : 'explicit';
    // By workload (its `app` and `version` labels), not by pod or ReplicaSet: those names change with every rollout.
    const labels = pod.metadata.labels ?? {};
    const owner = `${pod.metadata.namespace ?? ''}/${labels.app ?? pod.metadata.name}${labels.version ? `-${labels.version}` : ''}`;
    const proxy_ = `${(proxy.image ?? '').split(':').pop() ?? ''}@${revision}`;
    proxies[owner] = [...new Set([...(proxies[owner]?.split(',') ?? []), proxy_])].sort().join(',');
  }
  return { namespaces, istiods, tags, proxies };
}

/** Rollouts our client started, per deployment: restart patches (the simulator's write log). */
export function restartsOf(cluster: SimCluster, namespace: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const write of cluster.sim.writeLog) {
    if (write.verb !== 'patch' || write.resource !== 'deployments' || write.namespace !== namespace) continue;
    counts[write.name ?? '?'] = (counts[write.name ?? '?'] ?? 0) + 1;
  }
  return counts;
}

export interface E2eSuite {
  /** The shared dev server, as a test environment (set by beforeAll). */
  env: TestWorkflowEnvironment;
  /** A fresh simulated cluster for one test, stopped after the file. */
  fresh(scenario?: Parameters<typeof startSimCluster>[0]): Promise<SimCluster>;
}

/** One dev-server environment per file and a fresh cluster per test, all torn down after the file. */
export function e2eSuite(): E2eSuite {
  const clusters: SimCluster[] = [];
  const suite: E2eSuite = {
    env: undefined as unknown as TestWorkflowEnvironment,
    fresh: async (scenario = 'sidecarIstioctl') => {
      const cluster = await startSimCluster(scenario);
      clusters.push(cluster);
      return cluster;
    },
  };
  beforeAll(async () => {
    suite.env = await devServerEnv();
  });
  afterAll(async () => {
    await Promise.all([suite.env?.teardown(), ...clusters.map((c) => c.stop())]);
  });
  return suite;
}
