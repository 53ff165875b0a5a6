/**
 * Benchmark of the upgrade workflows at scale (not a test: figures, never assertions). A revision
 * canary with istioctl, run on a Temporal dev server by a worker process with the real activities
 * against a generated simulated mesh, gates answered as they open. It reports:
 *
 * - history events per restarted deployment (every event of the upgrade and of its restart-batch
 *   children, divided by the deployments restarted) and the largest single run's event count,
 *   for a 2,000-deployment mesh (Temporal warns at 10,240 events and fails at 51,200);
 * - orchestration overhead for 200 deployments at concurrency 1 and 5: the restart phase's wall
 *   time (first restart started to last restart done) divided by the ideal schedule's length;
 *   1.0 is the limit. Gates are off in these runs so no human's latency counts. The ideal
 *   schedule is list scheduling in plan order with no overhead at all: `concurrency` slots, each
 *   restart in plan order to the first slot free, each taking its rollout's simulated time
 *   (readySeconds / timeScale), for each of the plan's runs of consecutive restarts (a
 *   namespace's relabelling between two runs waits for the first in any schedule). With equal
 *   rollouts that is ceil(deployments / concurrency) rollouts per run; it is what a perfect
 *   orchestrator that keeps `concurrency` restarts in flight and starts them in plan order
 *   achieves. The lower bound of any schedule, max(total rollout time / concurrency, longest
 *   rollout) per run, is printed beside it;
 * - the same with uneven rollouts (uneven): 100 deployments, every tenth ten times slower than the
 *   rest (20 s against 2 s, real time), at concurrency 1, 5 and 20 on fresh simulated clusters;
 * - the worker process's memory while it holds 100 upgrades of 100 deployments each (held-100):
 *   one simulated cluster of 100 deployments, 100 upgrades under distinct cluster names (the
 *   worker's activities reach one kubeconfig whatever the name), each planned and waiting at its
 *   first gate, before the control plane: held in the worker's cache with their plans and
 *   status, no restart running. Resident set of the worker process before and while it holds them;
 * - the time to replay the largest history the run recorded (`Worker.runReplayHistory` from the
 *   prebuilt bundle, what a restarted worker pays to rebuild that run's state);
 * - what metric analysis adds to history: the same 20-deployment canary twice on fresh simulated
 *   clusters, without `analysis:` and with two checks (count 2) against a real Prometheus scraping
 *   the simulator; the difference in history events (upgrade and children) per analysed step.
 *
 * Each run's line is printed (stderr) as it completes, so a run cut short keeps what it measured.
 *
 * `npm run bench:upgrade [-- --runs analysis,overhead,uneven,held,events]`; one run of your own:
 * `npm run bench:upgrade -- --runs custom --deployments 500 --concurrency 10`. `--quick` shrinks
 * every run (see SIZES below) for a look in a few minutes; its figures are not the ones to quote.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Connection, WorkflowClient } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { answerGates, takingTurns } from '../client/answer-gates.js';
import type { SpecInput } from '../core/spec/schema.js';
import { startDevServer } from '../scripts/dev-server.js';
import { startPrometheus, type RunningPrometheus } from '../scripts/prometheus.js';
import { startSim, type Sim } from '../sim/index.js';
import { statusQuery } from '../workflows/messages.js';
import { scaleUp } from './scale-up.js';
import type { UpgradeResult } from '../workflows/messages.js';
import type { upgrade } from '../workflows/upgrade.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: 'analysis,overhead,uneven,held,events' },
    deployments: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
  },
});

/**
 * Sizes of the default runs, and of `--quick`: the default keeps `npm run bench` within 25
 * minutes on 2 cores (README, Measured); quick is a smoke run of every figure.
 */
const SIZES = values.quick
  ? { overhead: 50, uneven: 40, unevenFastSeconds: 1, held: 20, events: 200 }
  : { overhead: 200, uneven: 100, unevenFastSeconds: 2, held: 100, events: 2000 };

interface RunConfig {
  name: string;
  deployments: number;
  namespaces: number;
  concurrency: number;
  /** Sim-seconds from pod start to Ready, and sim-seconds per real second. */
  readySeconds: number;
  timeScale: number;
  gates: boolean;
  /** Adds `analysis:` to the spec and a real Prometheus scraping the simulator. */
  analysis?: boolean;
  /** Every `every`-th deployment (svc-000 first) rolls `factor` times slower. */
  slow?: { every: number; factor: number };
}

interface RunFigures {
  run: string;
  deployments: number;
  concurrency: number;
  outcome: string;
  wallSeconds: number;
  restartPhaseSeconds: number;
  /** The ideal schedule's length: list scheduling in plan order, no overhead. */
  criticalPathSeconds: number;
  /** No schedule is shorter: max(total rollout time / concurrency, longest rollout). */
  lowerBoundSeconds: number;
  overhead: number;
  childRuns: number;
  totalEvents: number;
  eventsPerDeployment: number;
  parentEvents: number;
  largestRunEvents: number;
  largestChildEvents: number;
  /** Steps with at least one analysis run, the runs and their measurement rounds (0 without analysis). */
  analysedSteps: number;
  analysisRuns: number;
  measurements: number;
}

interface HeldFigures {
  run: string;
  upgrades: number;
  deploymentsEach: number;
  plannedRestartsEach: number;
  /** Seconds from the first start to the last upgrade waiting at its gate. */
  secondsToHold: number;
  workerRssIdleMB: number;
  workerRssHoldingMB: number;
  workerPeakRssMB: number;
}

interface AnalysisCost {
  eventsWithout: number;
  eventsWith: number;
  ratio: number;
  extraEvents: number;
  analysedSteps: number;
  analysisRuns: number;
  measurementRounds: number;
  extraPerAnalysedStep: number;
  extraPerRound: number;
  largestRunWithout: number;
  largestRunWith: number;
}

interface ReplayFigures {
  workflowId: string;
  events: number;
  /** A replay worker started from the bundle, then the history replayed: a restarted worker's cost. */
  coldSeconds: number;
  /** The same history again on that replay worker: the replay alone. */
  warmSeconds: number;
}

/** The runs in the order asked; `held` is the worker-memory run. */
const configs: (RunConfig | 'held')[] = [];
for (const run of values.runs.split(',')) {
  if (run === 'events')
    configs.push({
      name: `events-${SIZES.events}`,
      deployments: SIZES.events,
      namespaces: 20,
      concurrency: 5,
      readySeconds: 5,
      timeScale: 600,
      gates: true,
    });
  else if (run === 'held') configs.push('held');
  else if (run === 'analysis') {
    // Side by side: the same canary without and with analysis, gates off, concurrency 5.
    for (const analysis of [false, true])
      configs.push({
        name: `analysis-${analysis ? 'on' : 'off'}-20`,
        deployments: 20,
        namespaces: 2,
        concurrency: 5,
        readySeconds: 5,
        timeScale: 10,
        gates: false,
        analysis,
      });
  } else if (run === 'overhead') {
    for (const concurrency of [1, 5])
      configs.push({
        name: `overhead-${SIZES.overhead}-c${concurrency}`,
        deployments: SIZES.overhead,
        namespaces: 2,
        concurrency,
        readySeconds: 5,
        timeScale: 10,
        gates: false,
      });
  } else if (run === 'uneven') {
    // Real meshes: most deployments roll in seconds, a few in minutes.
    for (const concurrency of [1, 5, 20])
      configs.push({
        name: `uneven-${SIZES.uneven}-c${concurrency}`,
        deployments: SIZES.uneven,
        // One namespace: one run of restarts, nothing between them that every schedule waits for.
        namespaces: 1,
        concurrency,
        readySeconds: SIZES.unevenFastSeconds * 10,
        timeScale: 10,
        gates: false,
        slow: { every: 10, factor: 10 },
      });
  } else if (run === 'custom') {
    const deployments = Number(values.deployments);
    configs.push({
      name: `custom-${deployments}`,
      deployments,
      namespaces: Math.max(1, Math.ceil(deployments / 100)),
      concurrency: Number(values.concurrency),
      readySeconds: 5,
      timeScale: 600,
      gates: true,
    });
  } else throw new Error(`unknown run ${run}: expected analysis, events, overhead, uneven, held or custom`);
}

const server = await startDevServer();
const connection = await Connection.connect({ address: server.address });
const client = new WorkflowClient({ connection });
const bundleDir = mkdtempSync(join(tmpdir(), 'bench-bundle-'));
const bundlePath = join(bundleDir, 'workflows.js');
writeFileSync(
  bundlePath,
  (await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)) })).code,
);
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
async function startWorker(taskQueue: string, kubeconfig: string): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      workerScript,
      '--address',
      server.address,
      '--task-queue',
      taskQueue,
      '--kubeconfig',
      kubeconfig,
      '--bundle',
      bundlePath,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
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
  return {
    pid: child.pid ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resident and peak resident memory of a process, from /proc (Linux), in MB. */
function memoryOf(pid: number): { rssMB: number; peakMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMB: Math.round(kB('VmRSS') / 1024), peakMB: Math.round(kB('VmHWM') / 1024) };
}

/** Approves every gate as it opens, alice and bob taking turns; a failure gate ends the run. */
async function approveGates(handle: WorkflowHandle<typeof upgrade>): Promise<UpgradeResult> {
  const next = takingTurns(['alice', 'bob']);
  const { result } = await answerGates(
    handle,
    (gate) => {
      if (gate.kind === 'failure') throw new Error(`unexpected failure gate: ${gate.description}`);
      const by = next();
      return { decision: 'approve', by, requestId: `${gate.id}/${by}` };
    },
    // The status of thousands of deployments is a large answer: ask once a second.
    { pollMs: 1_000 },
  );
  return result;
}

async function eventCounts(
  workflowId: string,
): Promise<{ parent: number; children: number[]; largestWorkflowId: string; largest: number }> {
  const history = await client.getHandle(workflowId).fetchHistory();
  const children: number[] = [];
  let largest = { workflowId, events: history.events?.length ?? 0 };
  for (const event of history.events ?? []) {
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    if (!child) continue;
    const events = (await client.getHandle(child).fetchHistory()).events?.length ?? 0;
    children.push(events);
    if (events > largest.events) largest = { workflowId: child, events };
  }
  return {
    parent: history.events?.length ?? 0,
    children,
    largestWorkflowId: largest.workflowId,
    largest: largest.events,
  };
}

/** The largest history of each upgrade run, for the replay figure. */
const largestHistories: { workflowId: string; events: number }[] = [];

/** What a restarted worker pays for the largest history: replaying it from the prebuilt bundle. */
async function replayLargest(): Promise<ReplayFigures | undefined> {
  const largest = [...largestHistories].sort((a, b) => b.events - a.events)[0];
  if (largest === undefined) return undefined;
  const history: temporal.api.history.v1.IHistory = await client.getHandle(largest.workflowId).fetchHistory();
  const started = performance.now();
  const times: number[] = [];
  const twice = [
    { workflowId: largest.workflowId, history },
    { workflowId: largest.workflowId, history },
  ];
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundlePath } }, twice)) {
    if (result.error !== undefined) throw new Error(`replay of ${largest.workflowId} failed: ${String(result.error)}`);
    times.push(performance.now());
  }
  const [first = Number.NaN, second = Number.NaN] = times;
  return {
    workflowId: largest.workflowId,
    events: history.events?.length ?? 0,
    coldSeconds: round((first - started) / 1000),
    warmSeconds: round((second - first) / 1000),
  };
}

/**
 * 100 upgrades of the same 100-deployment mesh under 100 cluster names, each waiting at its
 * first gate: the worker holds them all. The upgrades are terminated afterwards, having written
 * nothing (the first gate comes before the control plane).
 */
async function held(upgrades: number, deployments: number): Promise<HeldFigures> {
  const sim = await startSim({
    timeScale: 60,
    scenario: {
      name: 'bench-held',
      timing: { podReadySeconds: 5, jobRunSeconds: 3 },
      nodes: 20,
      istio: {
        installer: 'istioctl',
        version: '1.26.4',
        gateways: [{ name: 'istio-ingressgateway', namespace: 'istio-system', replicas: 2 }],
      },
      namespaces: [
        {
          name: 'team-00',
          labels: { 'istio-injection': 'enabled' },
          deployments: Array.from({ length: deployments }, (_, i) => ({
            name: `svc-${String(i).padStart(3, '0')}`,
            replicas: 1,
          })),
        },
      ],
    },
  });
  const taskQueue = 'bench-held';
  const worker = await startWorker(taskQueue, sim.kubeconfigPath);
  const handles: WorkflowHandle<typeof upgrade>[] = [];
  try {
    // Settle the worker's start-up before the baseline.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idle = memoryOf(worker.pid);
    const started = performance.now();
    for (let i = 0; i < upgrades; i++) {
      const cluster = `bench-cluster-${String(i).padStart(3, '0')}`;
      const spec: SpecInput = {
        cluster: { name: cluster },
        install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
        version: { target: '1.27.3' },
        restarts: { concurrency: 5 },
        approvals: { approvers: ['alice', 'bob'] },
      };
      handles.push(
        await client.start<typeof upgrade>('upgrade', {
          taskQueue,
          workflowId: `bench-held-${cluster}-${Date.now()}`,
          args: [{ spec, initiator: 'carol' }],
        }),
      );
    }
    const waiting = new Set<string>();
    let planned = 0;
    while (waiting.size < handles.length) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      for (const handle of handles) {
        if (waiting.has(handle.workflowId)) continue;
        const status = await handle.query(statusQuery).catch(() => null);
        if (status === null) continue;
        if (status.pendingGates.some((gate) => gate.kind === 'failure'))
          throw new Error(`held upgrade ${handle.workflowId} stopped at a failure gate`);
        if (status.pendingGates.length > 0) {
          waiting.add(handle.workflowId);
          planned = status.steps.filter((step) => step.kind === 'restart-workload').length;
        }
      }
    }
    const secondsToHold = (performance.now() - started) / 1000;
    const holding = memoryOf(worker.pid);
    return {
      run: `held-${upgrades}`,
      upgrades,
      deploymentsEach: deployments,
      plannedRestartsEach: planned,
      secondsToHold: round(secondsToHold),
      workerRssIdleMB: idle.rssMB,
      workerRssHoldingMB: holding.rssMB,
      workerPeakRssMB: holding.peakMB,
    };
  } finally {
    await Promise.all(handles.map((handle) => handle.terminate('benchmark over').catch(() => undefined)));
    await worker.stop();
    await sim.stop();
  }
}

async function run(config: RunConfig): Promise<RunFigures> {
  const perNamespace = Math.ceil(config.deployments / config.namespaces);
  const bootedEmpty = config.deployments > 500;
  const sim = await startSim({
    timeScale: config.timeScale,
    scenario: {
      name: `bench-${config.name}`,
      timing: { podReadySeconds: config.readySeconds, jobRunSeconds: 3 },
      nodes: 20,
      istio: {
        installer: 'istioctl',
        version: '1.26.4',
        gateways: [{ name: 'istio-ingressgateway', namespace: 'istio-system', replicas: 2 }],
      },
      namespaces: Array.from({ length: config.namespaces }, (_, n) => ({
        name: `team-${String(n).padStart(2, '0')}`,
        labels: { 'istio-injection': 'enabled' },
        // Large meshes boot without pods and are scaled to one replica through the API (bench/scale-up.ts).
        deployments: Array.from({ length: Math.min(perNamespace, config.deployments - n * perNamespace) }, (_, i) => ({
          name: `svc-${String(i).padStart(3, '0')}`,
          replicas: bootedEmpty ? 0 : 1,
          ...(config.slow !== undefined &&
            i % config.slow.every === 0 && { readySeconds: config.readySeconds * config.slow.factor }),
          // At ×600 the default 600 s deadline is one real second, which a loaded machine misses.
          progressDeadlineSeconds: 86_400,
        })),
      })),
    },
  });
  if (bootedEmpty) await scaleUp(sim, 'team-', 1);
  const prometheus = config.analysis ? await prometheusWithTraffic(sim, config.deployments) : null;
  const taskQueue = `bench-${config.name}`;
  const { stop: stopWorker } = await startWorker(taskQueue, sim.kubeconfigPath);
  try {
    const spec: SpecInput = {
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
      version: { target: '1.27.3' },
      restarts: { concurrency: config.concurrency },
      timers: { soakAfterControlPlane: '1s', graceBeforeRevisionRemoval: '1s' },
      approvals: { approvers: ['alice', 'bob'] },
      ...(prometheus !== null && {
        analysis: {
          prometheus: { address: prometheus.url },
          interval: '3s',
          count: 2,
          initialDelay: '2s',
          baseline: { window: '30s' },
          checks: [
            { name: 'request-success-rate', min: 0.9, baseline: { maxDecrease: 0.02 } },
            { name: 'request-duration', max: 1000, baseline: { maxIncreasePercent: 50 } },
          ],
        },
      }),
      ...(!config.gates && {
        gates: {
          beforeControlPlane: false,
          beforeGateways: false,
          beforeZtunnel: false,
          perNamespace: false,
          beforeDefaultTag: false,
          beforeRemovingOldRevision: false,
        },
      }),
    };
    const started = performance.now();
    const handle = await client.start<typeof upgrade>('upgrade', {
      taskQueue,
      workflowId: `bench-${config.name}-${Date.now()}`,
      args: [{ spec, initiator: 'carol' }],
    });
    const result = await approveGates(handle);
    const wallSeconds = (performance.now() - started) / 1000;
    const restarts = result.status.steps.filter((step) => step.kind === 'restart-workload');
    const first = Math.min(...restarts.map((step) => Date.parse(step.startedAt ?? '')));
    const last = Math.max(...restarts.map((step) => Date.parse(step.endedAt ?? '')));
    const restartPhaseSeconds = (last - first) / 1000;
    // Each restart's simulated rollout time, in plan order (the order the status lists them),
    // grouped by the plan's runs of consecutive restarts: a step between two runs (a namespace's
    // label, a gate) waits for every restart before it, in any schedule.
    const rolloutOf = (id: string) => {
      const index = Number(/svc-(\d+)/.exec(id)?.[1] ?? Number.NaN);
      const slow = config.slow !== undefined && index % config.slow.every === 0;
      return (config.readySeconds * (slow ? (config.slow?.factor ?? 1) : 1)) / config.timeScale;
    };
    const runsOfRestarts: number[][] = [];
    let previous = '';
    for (const step of result.status.steps) {
      if (step.kind === 'restart-workload') {
        if (previous !== 'restart-workload') runsOfRestarts.push([]);
        runsOfRestarts[runsOfRestarts.length - 1]?.push(rolloutOf(step.id));
      }
      previous = step.kind;
    }
    const criticalPathSeconds = runsOfRestarts.reduce((sum, run) => sum + listSchedule(run, config.concurrency), 0);
    const lowerBoundSeconds = runsOfRestarts.reduce(
      (sum, run) => sum + Math.max(run.reduce((total, seconds) => total + seconds, 0) / config.concurrency, ...run),
      0,
    );
    const events = await eventCounts(handle.workflowId);
    largestHistories.push({ workflowId: events.largestWorkflowId, events: events.largest });
    const totalEvents = events.parent + events.children.reduce((sum, n) => sum + n, 0);
    const largestChildEvents = Math.max(0, ...events.children);
    const runs = result.status.analysis?.runs ?? [];
    // A round measures every check of every workload of its run at once: one activity call.
    const rounds = runs.reduce((sum, r) => sum + new Set(r.measurements.map((m) => m.at)).size, 0);
    return {
      run: config.name,
      deployments: restarts.length,
      concurrency: config.concurrency,
      outcome: result.outcome,
      wallSeconds: round(wallSeconds),
      restartPhaseSeconds: round(restartPhaseSeconds),
      criticalPathSeconds: round(criticalPathSeconds),
      lowerBoundSeconds: round(lowerBoundSeconds),
      overhead: round(restartPhaseSeconds / criticalPathSeconds),
      childRuns: events.children.length,
      totalEvents,
      eventsPerDeployment: round(totalEvents / restarts.length),
      parentEvents: events.parent,
      largestRunEvents: Math.max(events.parent, largestChildEvents),
      largestChildEvents,
      analysedSteps: new Set(runs.map((r) => r.stepId)).size,
      analysisRuns: runs.length,
      measurements: rounds,
    };
  } finally {
    await stopWorker();
    await prometheus?.stop();
    await sim.stop();
  }
}

/** A real Prometheus scraping the simulator, once every workload's traffic shows in a 3 s window. */
async function prometheusWithTraffic(sim: Sim, deployments: number): Promise<RunningPrometheus> {
  const metrics = new URL(sim.metricsUrl);
  const prometheus = await startPrometheus({
    targets: [metrics.host],
    metricsPath: metrics.pathname,
    scrapeIntervalSeconds: 1,
  });
  const query =
    'count(sum by (destination_workload_namespace, destination_workload) (rate(istio_requests_total{reporter="destination"}[3s])) > 0)';
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query }).toString()}`);
    const body = (await response.json()) as { data?: { result?: { value: [number, string] }[] } };
    if (Number(body.data?.result?.[0]?.value[1] ?? 0) >= deployments) return prometheus;
    if (Date.now() > deadline) {
      await prometheus.stop();
      throw new Error(`Prometheus saw no traffic from all ${deployments} deployments within 60 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The extra history events analysis costs per analysed step, from the side-by-side runs. */
function analysisCost(runs: readonly RunFigures[]): AnalysisCost | undefined {
  const off = runs.find((r) => r.run.startsWith('analysis-off-'));
  const on = runs.find((r) => r.run.startsWith('analysis-on-'));
  if (off === undefined || on === undefined || on.analysedSteps === 0) return undefined;
  const extra = on.totalEvents - off.totalEvents;
  return {
    eventsWithout: off.totalEvents,
    eventsWith: on.totalEvents,
    ratio: round(on.totalEvents / off.totalEvents),
    extraEvents: extra,
    analysedSteps: on.analysedSteps,
    analysisRuns: on.analysisRuns,
    measurementRounds: on.measurements,
    extraPerAnalysedStep: round(extra / on.analysedSteps),
    extraPerRound: round(extra / Math.max(1, on.measurements)),
    largestRunWithout: off.largestRunEvents,
    largestRunWith: on.largestRunEvents,
  };
}

/**
 * The length of the ideal schedule: `slots` restarts at once, each in plan order to the first
 * slot that comes free, none losing any time between one restart and the next.
 */
function listSchedule(durations: readonly number[], slots: number): number {
  const freeAt = Array.from({ length: slots }, () => 0);
  for (const duration of durations) {
    const earliest = freeAt.indexOf(Math.min(...freeAt));
    freeAt[earliest] = (freeAt[earliest] ?? 0) + duration;
  }
  return Math.max(0, ...freeAt);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const figures: RunFigures[] = [];
let heldFigures: HeldFigures | undefined;
let replay: ReplayFigures | undefined;
try {
  for (const config of configs) {
    if (config === 'held') {
      console.error(
        `running held-${SIZES.held}: ${SIZES.held} upgrades of 100 deployments each, held at their first gate…`,
      );
      heldFigures = await held(SIZES.held, 100);
      console.error(`${new Date().toISOString()} ${JSON.stringify(heldFigures)}`);
      continue;
    }
    console.error(`running ${config.name}: ${config.deployments} deployments, concurrency ${config.concurrency}…`);
    const figure = await run(config);
    figures.push(figure);
    console.error(`${new Date().toISOString()} ${JSON.stringify(figure)}`);
    // The replay figure so far, in case a later run is cut short.
    console.error(`${new Date().toISOString()} replay so far: ${JSON.stringify(await replayLargest())}`);
  }
  replay = await replayLargest();
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
  ['criticalPathSeconds', 'ideal s'],
  ['lowerBoundSeconds', 'bound s'],
  ['overhead', 'overhead'],
  ['childRuns', 'children'],
  ['totalEvents', 'events'],
  ['eventsPerDeployment', 'events/depl.'],
  ['parentEvents', 'parent events'],
  ['largestRunEvents', 'largest run'],
];
const rows = [columns.map(([, title]) => title), ...figures.map((f) => columns.map(([key]) => String(f[key])))];
const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
console.log(
  `upgrade workflows at scale — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  '));
if (heldFigures !== undefined) {
  const h = heldFigures;
  console.log(
    `${h.run}: ${h.upgrades} upgrades × ${h.deploymentsEach} deployments (${h.plannedRestartsEach} restarts planned each), all waiting at their first gate after ${h.secondsToHold} s; worker rss ${h.workerRssIdleMB} MB idle, ${h.workerRssHoldingMB} MB holding them (peak ${h.workerPeakRssMB} MB)`,
  );
}
const cost = analysisCost(figures);
if (cost !== undefined) {
  console.log(
    `metric analysis: ${cost.eventsWith} history events with it, ${cost.eventsWithout} without (${cost.ratio}×): ${cost.extraEvents} more over ${cost.analysedSteps} analysed steps, ${cost.extraPerAnalysedStep} per analysed step (${cost.analysisRuns} runs, ${cost.measurementRounds} measurement rounds, ${cost.extraPerRound} per round); largest run ${cost.largestRunWith} events, ${cost.largestRunWithout} without`,
  );
}
const uneven = figures.filter((f) => f.run.startsWith('uneven-'));
if (uneven.length > 0) {
  console.log(
    `uneven rollouts (every tenth deployment 10× slower): restart phase over the ideal schedule ${uneven.map((f) => `${f.overhead} at concurrency ${f.concurrency} (${f.restartPhaseSeconds} s / ${f.criticalPathSeconds} s)`).join(', ')}`,
  );
}
if (replay !== undefined) {
  console.log(
    `replay of the largest history (${replay.workflowId}, ${replay.events} events): ${replay.coldSeconds} s with a replay worker's start, ${replay.warmSeconds} s replay alone`,
  );
}
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      runs: figures,
      held: heldFigures ?? null,
      analysis: cost ?? null,
      replay: replay ?? null,
    },
    null,
    2,
  ),
);
