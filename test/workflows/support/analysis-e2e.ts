/**
 * The end-to-end setting of the analysis tests: a simulated cluster serving Istio's metrics, a
 * real Prometheus scraping it every second, a worker whose Prometheus settings come from its
 * environment (address and a bearer token), and an operator who answers gates with a policy
 * that may act first (stop or restart Prometheus) and answer later.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createActivities } from '../../../activities/index.js';
import { prometheusConfigFromEnv } from '../../../activities/prometheus/config.js';
import { answerGates, takingTurns } from '../../../client/answer-gates.js';
import type { GateReply } from '../../../client/answer-gates.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import { standInToolsFolder } from '../../../sim/index.js';
import type { PendingGate, UpgradeResult, UpgradeStatus } from '../../../workflows/messages.js';
import type { SimCluster } from '../../activities/support/sim.js';
import { prometheusForSim, untilQuery, type RunningPrometheus } from '../../support/prometheus.js';
import { withWorker } from '../../support/worker.js';
import type { E2eSuite } from './upgrade-harness.js';
import { APPROVERS, quickSpec, startUpgrade } from './upgrade-harness.js';

/** Set in the worker's environment only; the tests look for it in the workflow history. */
export const BEARER_TOKEN = 'e2e-prometheus-token-7f3a9c';

const tools = standInToolsFolder();

export type Analysis = NonNullable<SpecInput['analysis']>;

/** Success rate and p99, each against its baseline, measured twice 3 s apart after 2 s. */
export const CHECKS: Analysis['checks'] = [
  { name: 'request-success-rate', min: 0.9, baseline: { maxDecrease: 0.02 } },
  { name: 'request-duration', max: 1000, baseline: { maxIncreasePercent: 50 } },
];

export function analysedCanary(analysis: Partial<Analysis> = {}): SpecInput {
  return quickSpec({
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.27.3' },
    scope: { namespaces: ['bookinfo'] },
    analysis: {
      interval: '3s',
      count: 2,
      initialDelay: '2s',
      baseline: { window: '30s' },
      checks: CHECKS,
      ...analysis,
    },
  });
}

/** Every bookinfo workload has HTTP traffic in a 3 s window. */
export const L7_READY =
  'count(sum by (destination_workload) (rate(istio_requests_total{reporter="destination",destination_workload_namespace="bookinfo"}[3s])) > 0)';
/** Every bookinfo workload has new connections (ztunnel's L4 metrics) in a 3 s window. */
export const L4_READY =
  'count(sum by (destination_workload) (rate(istio_tcp_connections_opened_total{reporter="destination",destination_workload_namespace="bookinfo"}[3s])) > 0)';

/** Prometheus for `cluster`, once `ready` counts all six bookinfo workloads. */
export async function prometheusReady(cluster: SimCluster, ready = L7_READY): Promise<RunningPrometheus> {
  const prom = await prometheusForSim(cluster.sim);
  await untilQuery(prom, ready, (v) => v !== undefined && v >= 6, 60_000);
  return prom;
}

export function runAnalysisWorker<T>(
  suite: E2eSuite,
  cluster: SimCluster,
  prom: RunningPrometheus,
  fn: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const activities = createActivities({
    kubeConfig: cluster.kubeConfig,
    tools: { kubeconfigPath: cluster.sim.kubeconfigPath, searchPath: [tools] },
    prometheus: prometheusConfigFromEnv({ PROMETHEUS_URL: prom.url, PROMETHEUS_BEARER_TOKEN: BEARER_TOKEN }),
  });
  return withWorker(suite.env, { workflowsPath: 'workflows/index.ts', activities }, ({ taskQueue }) => fn(taskQueue));
}

/** What the operator does at a gate: a decision, or null to look again at the next poll (maybe after acting). */
export type Answer = (
  gate: PendingGate,
  status: UpgradeStatus,
) => Promise<GateReply['decision'] | null> | GateReply['decision'] | null;

export const approveAllGates: Answer = (gate) => {
  if (gate.kind === 'failure') throw new Error(`unexpected failure gate: ${gate.description}`);
  return 'approve';
};

/** Runs an upgrade with `spec` to its end, answering gates; returns the result, what each gate showed, and the history. */
export async function analysedUpgrade(
  suite: E2eSuite,
  taskQueue: string,
  spec: SpecInput,
  answer: Answer = approveAllGates,
): Promise<{ result: UpgradeResult; seen: Map<string, PendingGate>; history: string }> {
  const handle = await startUpgrade(suite.env, taskQueue, spec);
  const next = takingTurns(APPROVERS);
  const seen = new Map<string, PendingGate>();
  const { result } = await answerGates(
    handle,
    async (gate, status) => {
      seen.set(gate.id, gate);
      const decision = await answer(gate, status);
      return decision === null ? null : { decision, by: next(), comment: `${decision} from the analysis test` };
    },
    { pollMs: 150 },
  );
  const outcome = await result;
  // Payloads are base64 in the history's JSON: read them as text too, where a leaked credential would show.
  const json = historyToJSON(await handle.fetchHistory());
  const history = `${json}\n${[...json.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)]
    .map((match) => Buffer.from(match[1] ?? '', 'base64').toString('utf8'))
    .join('\n')}`;
  return { result: outcome, seen, history };
}
