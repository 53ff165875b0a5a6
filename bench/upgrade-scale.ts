/**
 * Benchmark of the upgrade workflows at scale (not a test: figures, never assertions). A revision
 * canary with istioctl, run on a Temporal dev server by a worker process with the real activities
 * against a generated simulated mesh, gates answered as they open. It reports:
 *
 * - history events per restarted deployment (every event of the upgrade and of its restart-batch
 *   children, divided by the deployments restarted) and the largest single run's event count,
 *   for a 2,000-deployment mesh (Temporal warns at 10,240 events and fails at 51,200);
 * - orchestration overhead for 200 deployments at concurrency 1 and 5: the restart phase's wall
 *   time (first restart started to last restart done) divided by the simulated rollout time on
 *   its critical path (ceil(deployments / concurrency) rollouts of readySeconds / timeScale each);
 *   1.0 is the limit. Gates are off in these runs so no human's latency counts.
 *
 * `npm run bench:upgrade [-- --runs events,overhead]`; one run of your own:
 * `npm run bench:upgrade -- --runs custom --deployments 500 --concurrency 10`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Connection, WorkflowClient } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { SpecInput } from '../core/spec/schema.js';
import { startDevServer } from '../scripts/dev-server.js';
import { startSim } from '../sim/index.js';
import { decideUpdate, statusQuery } from '../workflows/messages.js';
import type { UpgradeResult } from '../workflows/messages.js';
import type { upgrade } from '../workflows/upgrade.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: 'events,overhead' },
    deployments: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '5' },
  },
});

interface RunConfig {
  name: string;
  deployments: number;
  namespaces: number;
  concurrency: number;
  /** Sim-seconds from pod start to Ready, and sim-seconds per real second. */
  readySeconds: number;
  timeScale: number;
  gates: boolean;
}

interface RunFigures {
  run: string;
  deployments: number;
  concurrency: number;
  outcome: string;
  wallSeconds: number;
  restartPhaseSeconds: number;
  criticalPathSeconds: number;
  overhead: number;
  childRuns: number;
  totalEvents: number;
  eventsPerDeployment: number;
  parentEvents: number;
  largestRunEvents: number;
  largestChildEvents: number;
}

const configs: RunConfig[] = [];
for (const run of values.runs.split(',')) {
  if (run === 'events') configs.push({ name: 'events-2000', deployments: 2000, namespaces: 20, concurrency: 5, readySeconds: 5, timeScale: 600, gates: true });
  else if (run === 'overhead') {
    for (const concurrency of [1, 5]) configs.push({ name: `overhead-200-c${concurrency}`, deployments: 200, namespaces: 2, concurrency, readySeconds: 5, timeScale: 10, gates: false });
  } else if (run === 'custom') {
    const deployments = Number(values.deployments);
    configs.push({ name: `custom-${deployments}`, deployments, namespaces: Math.max(1, Math.ceil(deployments / 100)), concurrency: Number(values.concurrency), readySeconds: 5, timeScale: 600, gates: true });
  } else throw new Error(`unknown run ${run}: expected events, overhead or custom`);
}

const server = await startDevServer();
const connection = await Connection.connect({ address: server.address });
const client = new WorkflowClient({ connection });
const bundleDir = mkdtempSync(join(tmpdir(), 'bench-bundle-'));
const bundlePath = join(bundleDir, 'workflows.js');
writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)) })).code);
const workerScript = fileURLToPath(new URL('../test/workflows/support/worker-process.ts', import.meta.url));
const workers = new Set<ChildProcess>();
// Interrupted, the bench takes its worker process and its dev server with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const worker of workers) worker.kill('SIGKILL');
    void server.stop().finally(() => process.exit(130));
  });
}

/** A worker in its own process (the simulator keeps this one busy), as the crash tests run it. */
async function startWorker(taskQueue: string, kubeconfig: string): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript, '--address', server.address, '--task-queue', taskQueue, '--kubeconfig', kubeconfig, '--bundle', bundlePath], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  workers.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => workers.delete(child));
  await new Promise<void>((ready, failed) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) ready();
    });
    void exited.then(() => failed(new Error('worker process exited before it was ready')));
  });
  return async () => {
    child.kill('SIGTERM');
    await exited;
  };
}

async function answerGates(handle: WorkflowHandle<typeof upgrade>): Promise<UpgradeResult> {
  let done = false;
  const result = handle.result().finally(() => (done = true));
  const answered = new Set<string>();
  let turn = 0;
  while (!done) {
    const status = await handle.query(statusQuery).catch(() => null);
    for (const gate of status?.pendingGates ?? []) {
      if (answered.has(gate.id)) continue;
      if (gate.kind === 'failure') throw new Error(`unexpected failure gate: ${gate.description}`);
      answered.add(gate.id);
      const by = turn++ % 2 === 0 ? 'alice' : 'bob';
      await handle.executeUpdate(decideUpdate, { args: [{ gateId: gate.id, by, requestId: `${gate.id}/${by}`, decision: 'approve' }] });
    }
    // The status of thousands of deployments is a large answer: ask once a second.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return result;
}

async function eventCounts(workflowId: string): Promise<{ parent: number; children: number[] }> {
  const history = await client.getHandle(workflowId).fetchHistory();
  const children: number[] = [];
  for (const event of history.events ?? []) {
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    if (child) children.push((await client.getHandle(child).fetchHistory()).events?.length ?? 0);
  }
  return { parent: history.events?.length ?? 0, children };
}

async function run(config: RunConfig): Promise<RunFigures> {
  const perNamespace = Math.ceil(config.deployments / config.namespaces);
  const sim = await startSim({
    timeScale: config.timeScale,
    scenario: {
      name: `bench-${config.name}`,
      timing: { podReadySeconds: config.readySeconds, jobRunSeconds: 3 },
      nodes: 20,
      istio: { installer: 'istioctl', version: '1.26.4', gateways: [{ name: 'istio-ingressgateway', namespace: 'istio-system', replicas: 2 }] },
      namespaces: Array.from({ length: config.namespaces }, (_, n) => ({
        name: `team-${String(n).padStart(2, '0')}`,
        labels: { 'istio-injection': 'enabled' },
        deployments: Array.from({ length: Math.min(perNamespace, config.deployments - n * perNamespace) }, (_, i) => ({ name: `svc-${String(i).padStart(3, '0')}`, replicas: 1 })),
      })),
    },
  });
  const taskQueue = `bench-${config.name}`;
  const stopWorker = await startWorker(taskQueue, sim.kubeconfigPath);
  try {
    const spec: SpecInput = {
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
      version: { target: '1.27.3' },
      restarts: { concurrency: config.concurrency },
      timers: { soakAfterControlPlane: '1s', graceBeforeRevisionRemoval: '1s' },
      approvals: { approvers: ['alice', 'bob'] },
      ...(!config.gates && { gates: { beforeControlPlane: false, beforeGateways: false, beforeZtunnel: false, perNamespace: false, beforeDefaultTag: false, beforeRemovingOldRevision: false } }),
    };
    const started = performance.now();
    const handle = await client.start<typeof upgrade>('upgrade', { taskQueue, workflowId: `bench-${config.name}-${Date.now()}`, args: [{ spec, initiator: 'carol' }] });
    const result = await answerGates(handle);
    const wallSeconds = (performance.now() - started) / 1000;
    const restarts = result.status.steps.filter((step) => step.kind === 'restart-workload');
    const first = Math.min(...restarts.map((step) => Date.parse(step.startedAt ?? '')));
    const last = Math.max(...restarts.map((step) => Date.parse(step.endedAt ?? '')));
    const restartPhaseSeconds = (last - first) / 1000;
    const criticalPathSeconds = Math.ceil(restarts.length / config.concurrency) * (config.readySeconds / config.timeScale);
    const events = await eventCounts(handle.workflowId);
    const totalEvents = events.parent + events.children.reduce((sum, n) => sum + n, 0);
    const largestChildEvents = Math.max(0, ...events.children);
    return {
      run: config.name,
      deployments: restarts.length,
      concurrency: config.concurrency,
      outcome: result.outcome,
      wallSeconds: round(wallSeconds),
      restartPhaseSeconds: round(restartPhaseSeconds),
      criticalPathSeconds: round(criticalPathSeconds),
      overhead: round(restartPhaseSeconds / criticalPathSeconds),
      childRuns: events.children.length,
      totalEvents,
      eventsPerDeployment: round(totalEvents / restarts.length),
      parentEvents: events.parent,
      largestRunEvents: Math.max(events.parent, largestChildEvents),
      largestChildEvents,
    };
  } finally {
    await stopWorker();
    await sim.stop();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const figures: RunFigures[] = [];
try {
  for (const config of configs) {
    console.error(`running ${config.name}: ${config.deployments} deployments, concurrency ${config.concurrency}…`);
    figures.push(await run(config));
  }
} finally {
  await connection.close();
  await server.stop();
}

const columns: [keyof RunFigures, string][] = [
  ['run', 'run'],
  ['deployments', 'deployments'],
  ['concurrency', 'conc.'],
  ['outcome', 'outcome'],
  ['wallSeconds', 'wall s'],
  ['restartPhaseSeconds', 'restarts s'],
  ['criticalPathSeconds', 'rollouts s'],
  ['overhead', 'overhead'],
  ['childRuns', 'children'],
  ['totalEvents', 'events'],
  ['eventsPerDeployment', 'events/depl.'],
  ['parentEvents', 'parent events'],
  ['largestRunEvents', 'largest run'],
];
const rows = [columns.map(([, title]) => title), ...figures.map((f) => columns.map(([key]) => String(f[key])))];
const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
console.log(`upgrade workflows at scale — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  '));
console.log(JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version }, runs: figures }, null, 2));
