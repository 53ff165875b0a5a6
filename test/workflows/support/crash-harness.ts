/**
 * Crash tests for the upgrade workflows: the worker runs as a child process (worker-process.ts)
 * and is killed with SIGKILL at a chosen moment of a canary, then a new worker process takes
 * over the same task queue. The simulator and the dev server stay in the test process, so the
 * cluster's write log sees every write both workers made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { expect } from 'vitest';
import { loadScenario } from '../../../sim/index.js';
import type { Scenario, ScenarioInput } from '../../../sim/index.js';
import { startSim } from '../../../sim/index.js';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubeClients } from '../../../activities/kubernetes/clients.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import { statusQuery } from '../../../workflows/messages.js';
import type { UpgradeResult, UpgradeStatus } from '../../../workflows/messages.js';
import type { upgrade } from '../../../workflows/upgrade.js';
import { projectRoot } from '../../../scripts/tools.js';
import { SCENARIOS, type SimCluster } from '../../activities/support/sim.js';
import { workflowBundle } from '../../support/worker.js';
import { answerGates, approveAll, meshState, quickSpec, startUpgrade, type GateAnswerer } from './upgrade-harness.js';

const WORKER_SCRIPT = resolve(projectRoot, 'test/workflows/support/worker-process.ts');

/** The canary of upgrade.canary.e2e.test.ts: bookinfo from a revision-less 1.26.4 istiod to revision 1-27-3. */
export function crashCanarySpec(
  timers: SpecInput['timers'] = {},
  more: Pick<SpecInput, 'tests' | 'restarts'> = {},
): SpecInput {
  return quickSpec({
    cluster: { context: 'sim' },
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.27.3' },
    scope: { namespaces: ['bookinfo'] },
    restarts: { order: ['bookinfo/reviews-v2'], ...more.restarts },
    timers,
    ...(more.tests && { tests: more.tests }),
  });
}

export const BOOKINFO = ['details-v1', 'productpage-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3'];

/**
 * The istioctl sidecar cluster (or `scenario`) at `timeScale`, with bookinfo's pods taking
 * `bookinfoReadySeconds` sim-seconds to get ready (slow rollouts leave time to kill a worker
 * mid-restart), every other pod `podReadySeconds` (a slow istiod) and a test Job's pod running
 * `jobRunSeconds` (time to kill a worker while a test runs).
 */
export async function startCrashCluster(options: {
  timeScale: number;
  bookinfoReadySeconds?: number;
  podReadySeconds?: number;
  jobRunSeconds?: number;
  scenario?: ScenarioInput;
}): Promise<SimCluster> {
  const scenario: Scenario = loadScenario(options.scenario ?? SCENARIOS.sidecarIstioctl);
  if (options.podReadySeconds !== undefined) scenario.timing.podReadySeconds = options.podReadySeconds;
  if (options.jobRunSeconds !== undefined) scenario.timing.jobRunSeconds = options.jobRunSeconds;
  if (options.bookinfoReadySeconds !== undefined) {
    for (const namespace of scenario.namespaces) {
      if (namespace.name !== 'bookinfo') continue;
      for (const deployment of namespace.deployments) deployment.readySeconds = options.bookinfoReadySeconds;
    }
  }
  const sim = await startSim({ scenario, timeScale: options.timeScale });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sim.kubeconfigPath);
  return { sim, kubeConfig, clients: createKubeClients(kubeConfig), stop: () => sim.stop() };
}

let bundlePath: Promise<string> | null = null;

/** The workflow bundle, written once per test process for the worker processes to load. */
function bundleFile(): Promise<string> {
  bundlePath ??= workflowBundle('workflows/index.ts').then((bundle) => {
    const path = join(mkdtempSync(join(tmpdir(), 'upgrade-bundle-')), 'workflows.js');
    writeFileSync(path, bundle.code);
    return path;
  });
  return bundlePath;
}

export interface WorkerProcess {
  readonly pid: number;
  /** SIGKILL to the worker and the tools it started (its process group), then waits for it to exit. */
  kill(): Promise<void>;
  /** What it printed, for a failing test's message. */
  output(): string;
}

export async function startWorkerProcess(
  address: string,
  taskQueue: string,
  cluster: SimCluster,
): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      WORKER_SCRIPT,
      '--address',
      address,
      '--task-queue',
      taskQueue,
      '--kubeconfig',
      cluster.sim.kubeconfigPath,
      '--bundle',
      await bundleFile(),
    ],
    { cwd: projectRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  await new Promise<void>((ready, failed) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes('ready\n')) ready();
    });
    void exited.then(() => failed(new Error(`worker process exited before it was ready:\n${output}`)));
  });
  const pid = child.pid ?? 0;
  return {
    pid,
    output: () => output,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
      await exited;
    },
  };
}

export interface CrashRun {
  result: UpgradeResult;
  /** The status the workflow reported right before the kill. */
  atKill: UpgradeStatus;
  handle: WorkflowHandle<typeof upgrade>;
}

/**
 * Runs `spec` with worker process A, kills A with SIGKILL as soon as `killWhen` holds for the
 * workflow's status (and the cluster), starts worker process B, and answers every gate until the
 * upgrade ends (`answer`, by default approving planned gates). The gate named `holdGate` is left
 * waiting until A is dead, so a kill can land while a human has not answered yet.
 */
export async function canaryWithCrash(
  env: TestWorkflowEnvironment,
  address: string,
  cluster: SimCluster,
  options: {
    spec: SpecInput;
    killWhen: (status: UpgradeStatus, cluster: SimCluster) => boolean;
    holdGate?: string;
    answer?: GateAnswerer;
    /** Runs once A is dead and before B starts: e.g. to check what A's request in flight left in the cluster. */
    afterKill?: (handle: WorkflowHandle<typeof upgrade>) => Promise<void>;
  },
): Promise<CrashRun> {
  const taskQueue = `crash-${randomUUID()}`;
  const workers: WorkerProcess[] = [await startWorkerProcess(address, taskQueue, cluster)];
  const answer = options.answer ?? approveAll;
  try {
    const handle = await startUpgrade(env, taskQueue, options.spec);
    let killed = false;
    const result = answerGates(handle, (gateId, status) =>
      !killed && gateId === options.holdGate ? null : answer(gateId, status),
    );
    let ended = false;
    void result.finally(() => (ended = true)).catch(() => undefined);

    let atKill: UpgradeStatus | null = null;
    while (atKill === null) {
      if (ended)
        throw new Error(
          `the upgrade ended before the kill point: ${JSON.stringify((await result).status.steps.map((s) => `${s.id}:${s.state}`))}`,
        );
      const status = await handle.query(statusQuery).catch(() => null);
      if (status !== null && options.killWhen(status, cluster)) atKill = status;
      else await new Promise((r) => setTimeout(r, 20));
    }
    await workers[0]?.kill();
    killed = true;
    await options.afterKill?.(handle);
    workers.push(await startWorkerProcess(address, taskQueue, cluster));
    try {
      return { result: await result, atKill, handle };
    } catch (error) {
      throw new Error(`${String(error)}\nworker output:\n${workers.map((w) => w.output()).join('\n---\n')}`, {
        cause: error,
      });
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.kill()));
  }
}

/** Restart patches per bookinfo deployment the workers sent, from the simulator's write log. */
export function bookinfoRestarts(cluster: SimCluster): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const write of cluster.sim.writeLog) {
    if (write.verb !== 'patch' || write.resource !== 'deployments' || write.namespace !== 'bookinfo') continue;
    counts[write.name ?? '?'] = (counts[write.name ?? '?'] ?? 0) + 1;
  }
  return counts;
}

/** Read-only activities the workflow schedules as often as it takes: a wait's looks and Sail's removal poll. */
export const POLLS = new Set(['readRolloutProgress', 'readSailProgress', 'listIstioRevisions']);

/**
 * Every activity the upgrade and its restart children scheduled, by summary ("restart
 * bookinfo/reviews-v2"), counted: a step the workflow ran twice would schedule twice.
 * (An activity's own retries are attempts of one scheduled activity, not new ones.)
 */
export async function scheduledActivities(
  env: TestWorkflowEnvironment,
  handle: WorkflowHandle<typeof upgrade>,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const visit = async (workflowId: string): Promise<void> => {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    for (const event of history.events ?? []) {
      const type = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '';
      // Reads the workflow repeats on purpose (the stall rule's looks, Sail's removal poll) are not work done twice.
      if (event.activityTaskScheduledEventAttributes && !POLLS.has(type)) {
        const payload = event.userMetadata?.summary;
        const summary = payload
          ? defaultPayloadConverter.fromPayload<string>(payload)
          : (event.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
        counts[summary] = (counts[summary] ?? 0) + 1;
      }
      const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (child) await visit(child);
    }
  };
  await visit(handle.workflowId);
  return counts;
}

/**
 * What every crash test demands: the upgrade completed with every step done, each bookinfo
 * deployment was restarted exactly once (one rollout each in the write log, one attempt each in
 * status), no activity was scheduled twice, and the cluster ended where the canary leads.
 */
export async function expectFinishedOnce(
  env: TestWorkflowEnvironment,
  run: CrashRun,
  cluster: SimCluster,
): Promise<void> {
  const { result } = run;
  expect(result.status.failure).toBeNull();
  expect(result.outcome).toBe('completed');
  expect(
    result.status.steps.filter((step) => step.state !== 'done').map((step) => `${step.id}: ${step.state}`),
  ).toEqual([]);
  expect(bookinfoRestarts(cluster)).toEqual(Object.fromEntries(BOOKINFO.map((name) => [name, 1])));
  expect(result.status.workloads.map((w) => `${w.name}:${w.state}:${w.attempts}`).sort()).toEqual(
    BOOKINFO.map((name) => `${name}:done:1`),
  );
  const twice = Object.entries(await scheduledActivities(env, run.handle)).filter(([, count]) => count > 1);
  expect(twice).toEqual([]);
  const after = meshState(cluster) as {
    namespaces: Record<string, unknown>;
    istiods: string[];
    tags: string[];
    proxies: Record<string, string>;
  };
  expect(after.istiods).toEqual(['istiod-1-27-3:1.27.3']);
  expect(after.tags).toEqual(['default→1-27-3']);
  expect(after.namespaces.bookinfo).toEqual({ 'istio.io/rev': '1-27-3' });
  expect(
    Object.entries(after.proxies).filter(
      ([owner, proxy]) => owner.startsWith('bookinfo/') && proxy !== '1.27.3@1-27-3',
    ),
  ).toEqual([]);
  expect(after.proxies['istio-system/istio-ingressgateway']).toMatch(/@1-27-3$/);
}

export interface ActivityRun {
  /** The activity's summary ("restart bookinfo/reviews-v2"), else its type. */
  summary: string;
  /** The attempt that ended it: 1 unless a dead worker's attempt timed out and was retried. */
  attempt: number;
}

/**
 * Every activity scheduled by the upgrade and by each of its children, per workflow id, with the
 * attempt it ended on: a kill mid-activity shows as attempt 2 of one scheduled activity, a step
 * the workflow ran twice as two entries with the same summary.
 */
export async function activityRuns(
  env: TestWorkflowEnvironment,
  handle: WorkflowHandle<typeof upgrade>,
): Promise<Record<string, ActivityRun[]>> {
  const runs: Record<string, ActivityRun[]> = {};
  const visit = async (workflowId: string): Promise<void> => {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = new Map<string, ActivityRun>();
    const list: ActivityRun[] = (runs[workflowId] = []);
    for (const event of history.events ?? []) {
      const type = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '';
      // Reads the workflow repeats on purpose (the stall rule's looks, Sail's removal poll) are not work done twice.
      if (event.activityTaskScheduledEventAttributes && !POLLS.has(type)) {
        const payload = event.userMetadata?.summary;
        const summary = payload
          ? defaultPayloadConverter.fromPayload<string>(payload)
          : (event.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
        const run = { summary, attempt: 0 };
        scheduled.set(String(event.eventId), run);
        list.push(run);
      }
      const started = event.activityTaskStartedEventAttributes;
      if (started) {
        const run = scheduled.get(String(started.scheduledEventId));
        if (run) run.attempt = started.attempt ?? 0;
      }
      const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (child) await visit(child);
    }
  };
  await visit(handle.workflowId);
  return runs;
}

/** Writes our clients (workers and the tools they ran) sent, from the simulator's write log, that match. */
export function writesTo(
  cluster: SimCluster,
  match: { verb?: string; resource: string; namespace?: string; name?: string },
): number {
  return cluster.sim.writeLog.filter(
    (write) =>
      (match.verb === undefined || write.verb === match.verb) &&
      write.resource === match.resource &&
      (match.namespace === undefined || write.namespace === match.namespace) &&
      (match.name === undefined || write.name === match.name),
  ).length;
}
