/**
 * `rehearse -f spec.yaml (--kubeconfig f [--context c] | --scenario s) [--faults f]`: the real
 * upgrade workflow, unattended, on a simulated copy of the cluster. It snapshots the cluster
 * (read-only) or loads a scenario, starts the simulator on it as a child process, a private
 * Temporal dev server and a worker whose activities act on the copy with the stand-in tools,
 * then starts the upgrade from the rehearsal's copy of the spec (client/rehearsal/spec.ts),
 * answers every gate as the `rehearsal` approver with a comment saying so, and prints the steps,
 * any failure or refusal, the restarts, the mesh it left and an estimate of the real duration.
 * It writes the same HTML report as a real upgrade. Exit codes as for `start` after `watch`:
 * 0 completed, 1 failed or rolled back, 2 bad input (nothing started), 3 refused by a precheck.
 *
 * A failure gate is answered with reject: the rehearsal shows the failure and the way back
 * rather than guessing whether a human would have gone on.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { parse as parseYaml } from 'yaml';
import { createActivities } from '../../activities/index.js';
import type { Spec } from '../../core/spec/schema.js';
import { formatDuration } from '../../core/spec/duration.js';
import { formatProblems, parseSpec } from '../../core/spec/parse.js';
import { UPGRADE_WORKFLOW, decideUpdate, statusQuery } from '../../workflows/messages.js';
import type { StepStatus, UpgradeInput, UpgradeResult, UpgradeStatus } from '../../workflows/messages.js';
import type { upgrade } from '../../workflows/upgrade.js';
import { temporalTarget } from '../connection.js';
import { failure, messageOf, usage } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { operatorName } from '../identity.js';
import { journalOf } from '../render/history.js';
import { renderReport } from '../render/report.js';
import { startPrivateTemporal, startSimulator, projectRoot, type PrivateTemporal, type SimulatedCluster } from '../rehearsal/environment.js';
import { estimate, meshStateOf, type Estimate, type MeshState } from '../rehearsal/outcome.js';
import { REHEARSAL_APPROVER, rehearsalSpec, type RehearsalSpec, type Soak } from '../rehearsal/spec.js';
import type { Session } from '../temporal.js';
import { readUpgrade } from '../upgrades.js';
import { exitCodeOf } from './watch.js';
import { InvalidInput, loadSpec, readClusterInventory } from './plan.js';
import { snapshotCluster } from './snapshot.js';

export interface RehearseOptions {
  file: string;
  kubeconfig?: string;
  context?: string;
  scenario?: string;
  faults?: string;
  timeScale?: string;
  overridePrecheck?: string[];
  temporal?: boolean;
  report?: string;
  json?: boolean;
  as?: string;
}

const STATE_MARK: Record<StepStatus['state'], string> = { pending: '[ ]', running: '[>]', waiting: '[?]', done: '[x]', skipped: '[-]', failed: '[!]' };
const REHEARSAL_COMMENT = 'rehearsal: answered unattended by istio-upgrade rehearse on a simulated copy of the cluster';

function timeScaleOf(text: string | undefined): number {
  const value = Number(text ?? '60');
  if (!Number.isFinite(value) || value < 1 || value > 1000) throw usage(`--time-scale: expected a number from 1 to 1000 (simulated seconds per real second), got "${text ?? ''}"`);
  return value;
}

async function validSpec(file: string): Promise<{ spec: Spec; raw: Record<string, unknown> }> {
  try {
    const spec = await loadSpec(file);
    return { spec, raw: parseYaml(await readFile(file, 'utf8')) as Record<string, unknown> };
  } catch (err) {
    if (err instanceof InvalidInput) throw usage(`invalid spec:\n${err.message.replace(/^/gm, '  ')}`, err);
    throw err;
  }
}

function checkSource(options: RehearseOptions): void {
  if (options.kubeconfig !== undefined && options.scenario !== undefined) throw usage('--kubeconfig and --scenario: give one of them, a cluster to snapshot or a scenario file');
  if (options.kubeconfig === undefined && options.scenario === undefined) throw usage('--kubeconfig or --scenario: give a cluster to snapshot (read-only) or a scenario file to rehearse on');
  if (options.context !== undefined && options.kubeconfig === undefined) throw usage('--context: only with --kubeconfig');
}

/** Which spec timer a soak step stands for: grace steps are `grace:<revision>`, soaks `soak:…`. */
const timerOf = (step: StepStatus): Soak['timer'] => (step.id.startsWith('grace:') ? 'graceBeforeRevisionRemoval' : 'soakAfterControlPlane');

/** Answers every gate as it opens until the workflow ends; the decisions carry the rehearsal's name and comment. */
async function answerGates(client: Client, workflowId: string): Promise<{ result: UpgradeResult | null; gates: number; failureGates: string[] }> {
  const handle = client.workflow.getHandle<typeof upgrade>(workflowId);
  let ended = false;
  const result = handle.result().then(
    (value) => value,
    (err: unknown) => {
      if (err instanceof WorkflowFailedError) return null;
      throw err;
    },
  );
  void result.finally(() => (ended = true)).catch(() => undefined);
  const answered = new Set<string>();
  const refusals = new Map<string, number>();
  const failureGates: string[] = [];
  while (!ended) {
    const status: UpgradeStatus | null = await handle.query(statusQuery).catch(() => null);
    for (const gate of status?.pendingGates ?? []) {
      if (answered.has(gate.id)) continue;
      answered.add(gate.id);
      const failed = gate.kind === 'failure';
      if (failed) failureGates.push(gate.description);
      await handle
        .executeUpdate(decideUpdate, {
          args: [{ gateId: gate.id, by: REHEARSAL_APPROVER, requestId: randomUUID(), decision: failed ? 'reject' : 'approve', comment: failed ? `${REHEARSAL_COMMENT}; a failure is rejected so the way back is rehearsed too` : REHEARSAL_COMMENT }],
        })
        // The gate may have closed on its own meanwhile; the loop reads the status again. A gate the
        // workflow keeps refusing to the rehearsal approver ends the rehearsal instead of looping.
        .catch(async (err: unknown) => {
          answered.delete(gate.id);
          const count = (refusals.get(gate.id) ?? 0) + 1;
          refusals.set(gate.id, count);
          if (count >= 5) {
            await handle.terminate(`rehearsal: gate ${gate.id} refused the rehearsal approver: ${messageOf(err)}`);
            throw failure(`the workflow refused the rehearsal's answer at gate ${gate.id}: ${messageOf(err)}`, err);
          }
        });
    }
    if (!ended) await new Promise((r) => setTimeout(r, 200));
  }
  return { result: await result, gates: answered.size, failureGates };
}

interface Outcome {
  workflowId: string;
  scenario: string;
  outcome: UpgradeStatus['outcome'];
  exitCode: number;
  steps: { id: string; kind: string; state: string; description: string; note?: string }[];
  rollback: { id: string; kind: string; state: string; description: string }[] | null;
  failure: UpgradeStatus['failure'];
  failureGates: string[];
  refusedBy: string[];
  restarts: number;
  gates: number;
  soaks: Soak[];
  estimate: Estimate;
  finalState: MeshState;
  specChanges: string[];
  report: string;
}

const stepRow = (s: StepStatus) => ({ id: s.id, kind: s.kind, state: s.state, description: s.description, ...(s.note && { note: s.note }) });

function render(o: Outcome): string {
  const lines = [`Rehearsal ${o.workflowId} on a simulated copy (${o.scenario}): ${o.outcome ?? 'did not end'}`, '', 'Differences from your spec (the rehearsal copy):'];
  lines.push(...(o.specChanges.length > 0 ? o.specChanges.map((c) => `  - ${c}`) : ['  none']));
  lines.push('', 'Steps:');
  o.steps.forEach((s, i) => {
    const soak = s.kind === 'soak' ? o.soaks.find((k) => k.timer === (s.id.startsWith('grace:') ? 'graceBeforeRevisionRemoval' : 'soakAfterControlPlane')) : undefined;
    const real = soak ? ` [real length ${formatDuration(soak.realSeconds)}]` : '';
    lines.push(`  ${String(i + 1).padStart(2)}. ${STATE_MARK[s.state as StepStatus['state']] ?? '[ ]'} ${s.description}${real}${s.note ? ` (${s.note})` : ''}`);
  });
  if (o.rollback) {
    lines.push('', 'Rollback:');
    o.rollback.forEach((s, i) => lines.push(`  ${String.fromCharCode(97 + (i % 26))}. ${STATE_MARK[s.state as StepStatus['state']] ?? '[ ]'} ${s.description}`));
  }
  if (o.refusedBy.length > 0) lines.push('', `Refused: precheck ${o.refusedBy.join(', ')} blocks this upgrade (a real start would be refused the same way)`);
  if (o.failure) lines.push('', `Failure: ${o.failure.type}: ${o.failure.message}`);
  for (const gate of o.failureGates) lines.push(`Failure gate (answered reject by the rehearsal): ${gate}`);
  const e = o.estimate;
  lines.push(
    '',
    `Restarts: ${o.restarts} workload rollout(s); gates: ${o.gates} answered as "${REHEARSAL_APPROVER}"`,
    `Soaks: ${o.soaks.map((s) => `${s.timer} ${formatDuration(s.realSeconds)} (rehearsed in ${formatDuration(s.rehearsedSeconds)})`).join(', ')}`,
    `Estimated duration at real speed: ${formatDuration(e.seconds)} = rollouts and steps ${formatDuration(e.simulatedWorkSeconds)} (${e.workWallSeconds.toFixed(1)} s of work here × time scale ${e.timeScale}) + soaks at their real length ${formatDuration(e.soakSeconds)};`,
    `  not counting the time people take at ${e.gates} gate(s); the tools' own start-up is scaled up too, so it errs long.`,
    '',
    'Mesh after the rehearsal:',
    `  revisions: ${o.finalState.revisions.join(', ') || 'none'}${o.finalState.tags.length > 0 ? `; tags: ${o.finalState.tags.join(', ')}` : ''}`,
    ...Object.entries(o.finalState.namespaces).map(([ns, labels]) => `  namespace ${ns}: ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(' ')}`),
    ...Object.entries(o.finalState.proxies).map(([workload, proxies]) => `  ${workload}: ${proxies.join(', ')}`),
    ...Object.entries(o.finalState.gateways).map(([gateway, proxy]) => `  gateway ${gateway}: ${proxy}`),
    ...Object.entries(o.finalState.nodeAgents).map(([agent, version]) => `  ${agent}: ${version ?? '?'}`),
    '',
    `Report: ${o.report}`,
  );
  return lines.join('\n');
}

export async function runRehearse(options: RehearseOptions): Promise<number> {
  checkSource(options);
  const timeScale = timeScaleOf(options.timeScale);
  const { spec, raw } = await validSpec(options.file);
  const initiator = operatorName(options.as);
  if (initiator === REHEARSAL_APPROVER) throw usage(`--as: the initiator cannot be "${REHEARSAL_APPROVER}", the name the rehearsal answers gates with`);
  const root = projectRoot();
  const scratch = await mkdtemp(join(tmpdir(), 'istio-rehearsal-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(scratch, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  // Ctrl-C stops the simulator, the dev server and the worker before the process goes.
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let scenario = options.scenario === undefined ? undefined : resolve(options.scenario);
    if (scenario === undefined) {
      const snapshot = await snapshotCluster({ ...(options.kubeconfig && { kubeconfig: options.kubeconfig }), ...(options.context && { context: options.context }), istioNamespace: spec.install.namespace });
      scenario = join(scratch, 'scenario.yaml');
      await writeFile(scenario, snapshot.yaml);
      if (!options.json) console.error(`snapshot of ${options.kubeconfig ?? ''}${options.context ? ` (context ${options.context})` : ''} taken (read-only)${snapshot.notes.length > 0 ? `; ${snapshot.notes.length} note(s): ${snapshot.notes.join('; ')}` : ''}`);
    }
    const sim: SimulatedCluster = await startSimulator(root, { scenario, timeScale, ...(options.faults && { faults: resolve(options.faults) }) });
    cleanups.push(() => sim.stop());
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(sim.kubeconfig);
    const copy: RehearsalSpec = rehearsalSpec(raw, spec, { timeScale, context: kubeConfig.getCurrentContext() });
    const checked = parseSpec(copy.input);
    if (!checked.ok) throw failure(`the rehearsal's copy of the spec is invalid (a bug in rehearse):\n${formatProblems(checked.problems)}`);

    const temporal: PrivateTemporal | null = options.temporal ? null : await startPrivateTemporal(root);
    if (temporal) cleanups.push(() => temporal.stop());
    const target = temporalTarget();
    const connectionOptions = temporal ? { address: temporal.address } : target.connectionOptions;
    const namespace = temporal ? 'default' : target.namespace;
    const dataConverter = temporal ? undefined : target.dataConverter;
    const taskQueue = `rehearsal-${randomUUID()}`;

    Runtime.install({ logger: new DefaultLogger('WARN') });
    const nativeConnection = await NativeConnection.connect(connectionOptions).catch((err: unknown) => {
      throw failure(`Temporal is not reachable at ${connectionOptions.address ?? 'localhost:7233'}: ${messageOf(err)}`, err);
    });
    cleanups.push(() => nativeConnection.close());
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue,
      workflowsPath: fileURLToPath(new URL(`../../workflows/index${extname(fileURLToPath(import.meta.url))}`, import.meta.url)),
      activities: createActivities({ kubeConfig, tools: { kubeconfigPath: sim.kubeconfig, searchPath: [sim.tools] } }),
      ...(dataConverter === undefined ? {} : { dataConverter }),
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });
    const connection = await Connection.connect(connectionOptions);
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace, identity: REHEARSAL_APPROVER, ...(dataConverter === undefined ? {} : { dataConverter }) });
    const session: Session = { client, target: { connectionOptions, namespace, taskQueue, ...(dataConverter === undefined ? {} : { dataConverter }) }, address: connectionOptions.address ?? '' };

    const cluster = spec.cluster.name ?? spec.cluster.context ?? sim.scenario;
    const workflowId = `rehearsal-${cluster}-${randomUUID().slice(0, 8)}`;
    const input: UpgradeInput = { spec: copy.input, initiator, ...(options.overridePrecheck && options.overridePrecheck.length > 0 && { overridePrechecks: options.overridePrecheck }) };
    if (!options.json) console.error(`rehearsing ${workflowId}: simulator at ${sim.url} (time scale ${timeScale}), ${temporal ? `private Temporal at ${temporal.address}` : `Temporal at ${session.address}`}`);
    await client.workflow.start(UPGRADE_WORKFLOW, { taskQueue, workflowId, args: [input] });
    const answered = await answerGates(client, workflowId);

    const view = await readUpgrade(session, workflowId);
    const status = view.status;
    const journal = journalOf(await client.workflow.getHandle(workflowId).fetchHistory());
    const report = resolve(options.report ?? `${workflowId}.html`);
    await writeFile(report, renderReport({ workflowId, execution: view.execution, status, journal, now: Date.now() })).catch((err: unknown) => {
      throw failure(`cannot write the report to ${report}: ${messageOf(err)}`, err);
    });
    const after = await readClusterInventory({ kubeconfig: sim.kubeconfig, controlPlaneNamespace: spec.install.namespace });
    const soaksRun = status.steps.filter((s) => s.kind === 'soak' && s.state === 'done').map(timerOf);
    const outcome: Outcome = {
      workflowId,
      scenario: sim.scenario,
      outcome: status.outcome,
      // A rollback the rehearsal itself chose at a failure gate is a failure (1), not a human's rejection (3).
      exitCode: answered.failureGates.length > 0 && status.outcome === 'rolled-back' ? EXIT.failure : exitCodeOf(status, view.execution),
      steps: status.steps.map(stepRow),
      rollback: status.rollback?.map(stepRow) ?? null,
      failure: status.failure,
      failureGates: answered.failureGates,
      refusedBy: status.outcome === 'refused' ? (answered.result?.plan?.findings ?? []).filter((f) => f.severity === 'block' && !(options.overridePrecheck ?? []).includes(f.check)).map((f) => f.check) : [],
      restarts: status.workloads.reduce((sum, w) => sum + w.attempts, 0),
      gates: answered.gates,
      soaks: copy.soaks,
      estimate: estimate(journal, copy.soaks, { timeScale, gates: answered.gates, soaksRun }),
      finalState: meshStateOf(after),
      specChanges: copy.changes,
      report,
    };
    console.log(options.json ? JSON.stringify(outcome, null, 2) : render(outcome));
    return outcome.exitCode;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanup();
  }
}
