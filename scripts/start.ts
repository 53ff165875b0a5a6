/**
 * `npm start`: the whole product on the embedded default. It brings up a local Temporal with its
 * Web UI, a simulated cluster (an istioctl-installed sidecar mesh on 1.26 running bookinfo), a
 * Prometheus scraping its Istio metrics (PROMETHEUS_PORT, else a free port) and a worker whose
 * activities act on it, starts the revision canary to 1.27.3 from
 * examples/demo-istioctl-canary.yaml, and shows it in the watch view. At each gate it waits for a
 * human: Enter here approves as alice, or answer from another terminal or the Web UI.
 * `npm start -- --yes` (or any run whose standard input is not a terminal) approves as the demo
 * approver, prints the final status and the report's path, and exits with the CLI's exit code.
 *
 * This harness may import sim/: it is the demo's stand-in for a real cluster, reached by the
 * worker and the CLI only through the kubeconfig it writes.
 */
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { runReport } from '../client/commands/report.js';
import { runStart } from '../client/commands/start.js';
import { watchUpgrade } from '../client/commands/watch.js';
import { DEFAULT_TASK_QUEUE } from '../client/connection.js';
import { CliError } from '../client/errors.js';
import { renderStatus } from '../client/render/status.js';
import { withTemporal } from '../client/temporal.js';
import { readUpgrade } from '../client/upgrades.js';
import { standInToolsFolder, startSim } from '../sim/index.js';
import { decideUpdate, skipSoakUpdate, upgradeWorkflowId } from '../workflows/messages.js';
import type { UpgradeStatus } from '../workflows/messages.js';
import { startLocalTemporal } from './dev-server.js';
import { startPrometheus } from './prometheus.js';

const SCENARIO = 'sim/scenarios/sidecar-istioctl-1.26.yaml';
const SPEC = 'examples/demo-istioctl-canary.yaml';
const INITIATOR = 'carol';
/** One of the spec's approvers; the initiator may not approve their own gates. */
const APPROVER = 'alice';
const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const auto = process.argv.includes('--yes') || process.stdin.isTTY !== true;

Runtime.install({ logger: new DefaultLogger('WARN') });
const temporal = await startLocalTemporal();
// A simulated minute passes in two real seconds, so soaks and rollouts are watchable, not slow.
const sim = await startSim({ scenario: root(SCENARIO), timeScale: 30 });
// The mesh's golden signals come from a real Prometheus scraping the simulator's Istio metrics,
// as on a cluster; the worker's analysis finds it through PROMETHEUS_URL.
const metrics = new URL(sim.metricsUrl);
const prometheus = await startPrometheus({
  targets: [metrics.host],
  metricsPath: metrics.pathname,
  port: Number(process.env.PROMETHEUS_PORT ?? 0),
}).catch(async (err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  await sim.stop();
  await temporal.stop();
  process.exit(1);
});
process.env.PROMETHEUS_URL = prometheus.url;
// The CLI's commands read Temporal's address from the environment, as they do for an operator.
process.env.TEMPORAL_ADDRESS = temporal.address;
process.env.TEMPORAL_NAMESPACE = 'default';
if (temporal.uiAddress) process.env.TEMPORAL_UI_URL = temporal.uiAddress;
const workflowId = upgradeWorkflowId('sim');

// Temporal's state outlives a run (.temporal/dev.db); an upgrade left running by an earlier demo
// targets a simulated cluster that no longer exists, so it goes before a worker could resume it.
await withTemporal('npm-start', async (session) => {
  const handle = session.client.workflow.getHandle(workflowId);
  const running = await handle.describe().then(
    (d) => d.status.name === 'RUNNING',
    () => false,
  );
  if (running) await handle.terminate('npm start: a new simulated cluster replaces the one this upgrade ran on');
});

// The worker finds istioctl per version (`istioctl-1.27`) like a runbook host; here each name is the stand-in.
const tools = standInToolsFolder();

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(sim.kubeconfigPath);
const connection = await NativeConnection.connect({ address: temporal.address });
const worker = await Worker.create({
  connection,
  taskQueue: DEFAULT_TASK_QUEUE,
  workflowsPath: root('workflows/index.ts'),
  activities: createActivities({ kubeConfig, tools: { kubeconfigPath: sim.kubeconfigPath, searchPath: [tools] } }),
});
const running = worker.run();

let stopping = false;
const stop = async (code: number): Promise<never> => {
  stopping = true;
  worker.shutdown();
  await running;
  await connection.close();
  await prometheus.stop();
  await sim.stop();
  await temporal.stop();
  process.exit(code);
};
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop(0));

const ui = temporal.uiAddress ?? 'http://localhost:8233';
console.log(`Temporal:          ${temporal.address}   Web UI: ${ui}`);
console.log(`Simulated cluster: ${sim.scenario.name} at ${sim.httpsUrl}`);
console.log(`                   export KUBECONFIG=${sim.kubeconfigPath}`);
console.log(`Prometheus:        ${prometheus.url}   scraping the mesh's metrics at ${sim.metricsUrl}`);
console.log(`Worker:            task queue ${DEFAULT_TASK_QUEUE}, activities on the simulated cluster`);
console.log(
  `Gates:             ${auto ? `approved as ${APPROVER} (--yes, or standard input is not a terminal)` : `Enter here approves as ${APPROVER}; or answer from another terminal or the Web UI`}\n`,
);

try {
  const started = await runStart({ file: root(SPEC), kubeconfig: sim.kubeconfigPath, as: INITIATOR });
  if (started !== 0) await stop(started);

  // The gates open one at a time; remember which were answered here so each is answered once.
  const answered = new Set<string>();
  let pending: UpgradeStatus['pendingGates'] = [];
  const approve = (gateIds: readonly string[], comment: string) =>
    withTemporal(APPROVER, async (session) => {
      for (const gateId of gateIds) {
        if (answered.has(gateId)) continue;
        answered.add(gateId);
        await session.client.workflow
          .getHandle(workflowId)
          .executeUpdate(decideUpdate, {
            args: [{ gateId, by: APPROVER, requestId: randomUUID(), decision: 'approve', comment }],
          })
          // Someone may have answered it first from the Web UI or another terminal.
          .catch((err: unknown) =>
            console.log(`gate "${gateId}" not approved here: ${err instanceof Error ? err.message : String(err)}`),
          );
      }
    });
  // Soaks are real Temporal timers (minutes); the demo ends them with the operator's skip-soak control.
  let soaking: string | null = null;
  const skipSoak = (comment: string) =>
    withTemporal(APPROVER, async (session) => {
      await session.client.workflow
        .getHandle(workflowId)
        .executeUpdate(skipSoakUpdate, { args: [{ by: APPROVER, requestId: randomUUID(), comment }] })
        .catch((err: unknown) => console.log(`soak not skipped: ${err instanceof Error ? err.message : String(err)}`));
    });
  if (!auto) {
    createInterface({ input: process.stdin }).on('line', () => {
      if (pending.length > 0)
        void approve(
          pending.map((gate) => gate.id),
          'approved at the npm start prompt',
        );
      else if (soaking !== null) void skipSoak('skipped at the npm start prompt');
    });
  }

  const code = await withTemporal(INITIATOR, (session) =>
    watchUpgrade(session, workflowId, {
      follow: true,
      interval: 1,
      footer: `Web UI: ${ui}/namespaces/default/workflows/${workflowId}\n${auto ? '' : `Enter approves the pending gate as ${APPROVER}. `}Ctrl-C stops everything.`,
      onStatus: async (status) => {
        pending = status.pendingGates;
        const timerEnds = status.timer?.endsAt ?? null;
        const newSoak = timerEnds !== null && timerEnds !== soaking;
        soaking = timerEnds;
        if (auto && pending.length > 0)
          await approve(
            pending.map((gate) => gate.id),
            'approved by the demo (npm start --yes)',
          );
        else if (auto && newSoak) await skipSoak('the demo does not wait out soaks (npm start --yes)');
      },
    }),
  );

  const final = await withTemporal(INITIATOR, (session) => readUpgrade(session, workflowId));
  console.log(`\n${renderStatus(workflowId, final.status)}\n`);
  await runReport(workflowId, {
    out: join(dirname(process.env.TEMPORAL_DB_FILE ?? root('.temporal/dev.db')), `${workflowId}-report.html`),
  });
  console.log(`Web UI: ${ui}/namespaces/default/workflows/${workflowId}`);
  if (auto) await stop(code);
  console.log('Ctrl-C stops everything; Temporal state is kept in .temporal/dev.db.');
} catch (err) {
  if (stopping) throw err;
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  await stop(err instanceof CliError ? err.exitCode : 1);
}
