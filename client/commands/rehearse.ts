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
import { readFile, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { parse as parseYaml } from 'yaml';
import { createActivities } from '../../activities/index.js';
import type { Spec } from '../../core/spec/schema.js';
import { formatProblems, parseSpec } from '../../core/spec/parse.js';
import { UPGRADE_WORKFLOW } from '../../workflows/messages.js';
import type { StepStatus, UpgradeInput } from '../../workflows/messages.js';
import type { upgrade } from '../../workflows/upgrade.js';
import { answerGates } from '../answer-gates.js';
import { readClusterInventory } from '../cluster.js';
import { temporalTarget } from '../connection.js';
import { cliFailure, messageOf, usage } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { operatorName } from '../identity.js';
import { loadKubeConfig } from '../kubeconfig.js';
import { journalOf } from '../render/history.js';
import { renderRehearsal } from '../render/rehearsal.js';
import { renderReport } from '../render/report.js';
import {
  openScratch,
  startPrivateTemporal,
  startSimulator,
  projectRoot,
  type PrivateTemporal,
  type SimulatedCluster,
} from '../rehearsal/environment.js';
import { estimate, meshStateOf, type RehearsalOutcome } from '../rehearsal/outcome.js';
import {
  REHEARSAL_APPROVER,
  rehearsalPatches,
  rehearsalSpec,
  soakTimerOf,
  type RehearsalSpec,
} from '../rehearsal/spec.js';
import { loadSpec } from '../spec-file.js';
import type { Session } from '../temporal.js';
import { readUpgrade } from '../upgrades.js';
import { exitCodeOf } from './watch.js';
import { checkOperatorTools, withToolFindings } from './plan-tools.js';
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

const REHEARSAL_COMMENT = 'rehearsal: answered unattended by istio-upgrade rehearse on a simulated copy of the cluster';

export function timeScaleOf(text: string | undefined): number {
  const value = Number(text ?? '60');
  if (!Number.isFinite(value) || value < 1 || value > 1000)
    throw usage(
      `--time-scale: expected a number from 1 to 1000 (simulated seconds per real second), got "${text ?? ''}"`,
    );
  return value;
}

async function validSpec(file: string): Promise<{ spec: Spec; raw: Record<string, unknown> }> {
  const spec = await loadSpec(file);
  return { spec, raw: parseYaml(await readFile(file, 'utf8')) as Record<string, unknown> };
}

function checkSource(options: RehearseOptions): void {
  if (options.kubeconfig !== undefined && options.scenario !== undefined)
    throw usage('--kubeconfig and --scenario: give one of them, a cluster to snapshot or a scenario file');
  if (options.kubeconfig === undefined && options.scenario === undefined)
    throw usage('--kubeconfig or --scenario: give a cluster to snapshot (read-only) or a scenario file to rehearse on');
  if (options.context !== undefined && options.kubeconfig === undefined)
    throw usage('--context: only with --kubeconfig');
}

/**
 * Answers every gate as it opens, as the rehearsal approver with a comment saying so; a gate the
 * workflow keeps refusing to that approver ends the rehearsal instead of looping.
 */
export async function answerEveryGate(client: Client, workflowId: string) {
  const handle = client.workflow.getHandle<typeof upgrade>(workflowId);
  const failureGates: string[] = [];
  const { result, answered } = await answerGates(
    handle,
    (gate) => {
      if (gate.kind !== 'failure') return { decision: 'approve', by: REHEARSAL_APPROVER, comment: REHEARSAL_COMMENT };
      failureGates.push(gate.description);
      return {
        decision: 'reject',
        by: REHEARSAL_APPROVER,
        comment: `${REHEARSAL_COMMENT}; a failure is rejected so the way back is rehearsed too`,
      };
    },
    {
      pollMs: 200,
      // The gate may have closed on its own meanwhile: the loop reads the status again.
      onRefused: async (gate, err, refusals) => {
        if (refusals < 5) return;
        await handle.terminate(`rehearsal: gate ${gate.id} refused the rehearsal approver: ${messageOf(err)}`);
        throw cliFailure(`the workflow refused the rehearsal's answer at gate ${gate.id}: ${messageOf(err)}`, err);
      },
    },
  );
  const ended = await result.catch((err: unknown) => {
    if (err instanceof WorkflowFailedError) return null;
    throw err;
  });
  return { result: ended, gates: answered, failureGates };
}

export const stepRow = (s: StepStatus) => ({
  id: s.id,
  kind: s.kind,
  state: s.state,
  description: s.description,
  ...(s.note && { note: s.note }),
});

export async function runRehearse(options: RehearseOptions): Promise<number> {
  checkSource(options);
  const timeScale = timeScaleOf(options.timeScale);
  const { spec, raw } = await validSpec(options.file);
  const initiator = operatorName(options.as);
  if (initiator === REHEARSAL_APPROVER)
    throw usage(`--as: the initiator cannot be "${REHEARSAL_APPROVER}", the name the rehearsal answers gates with`);
  const root = projectRoot();
  // Ctrl-C stops the simulator, the dev server and the worker before the process goes.
  const workspace = await openScratch('istio-rehearsal-');
  const scratch = workspace.dir;
  try {
    let scenario = options.scenario === undefined ? undefined : resolve(options.scenario);
    if (scenario === undefined) {
      const snapshot = await snapshotCluster({
        ...(options.kubeconfig && { kubeconfig: options.kubeconfig }),
        ...(options.context && { context: options.context }),
        istioNamespace: spec.install.namespace,
      });
      scenario = join(scratch, 'scenario.yaml');
      await writeFile(scenario, snapshot.yaml);
      if (!options.json)
        console.error(
          `snapshot of ${options.kubeconfig ?? ''}${options.context ? ` (context ${options.context})` : ''} taken (read-only)${snapshot.notes.length > 0 ? `; ${snapshot.notes.length} note(s): ${snapshot.notes.join('; ')}` : ''}`,
        );
    }
    const sim: SimulatedCluster = await startSimulator(root, {
      scenario,
      timeScale,
      patches: rehearsalPatches(spec),
      ...(options.faults && { faults: resolve(options.faults) }),
    });
    workspace.onCleanup(() => sim.stop());
    const kubeConfig = await loadKubeConfig({ kubeconfig: sim.kubeconfig });
    const copy: RehearsalSpec = rehearsalSpec(raw, spec, { timeScale, context: kubeConfig.getCurrentContext() });
    const checked = parseSpec(copy.input);
    if (!checked.ok)
      throw cliFailure(
        `the rehearsal's copy of the spec is invalid (a bug in rehearse):\n${formatProblems(checked.problems)}`,
      );

    const temporal: PrivateTemporal | null = options.temporal ? null : await startPrivateTemporal(root);
    if (temporal) workspace.onCleanup(() => temporal.stop());
    const target = temporalTarget();
    const connectionOptions = temporal ? { address: temporal.address } : target.connectionOptions;
    const namespace = temporal ? 'default' : target.namespace;
    const dataConverter = temporal ? undefined : target.dataConverter;
    const taskQueue = `rehearsal-${randomUUID()}`;

    Runtime.install({ logger: new DefaultLogger('WARN') });
    const nativeConnection = await NativeConnection.connect(connectionOptions).catch((err: unknown) => {
      throw cliFailure(
        `Temporal is not reachable at ${connectionOptions.address ?? 'localhost:7233'}: ${messageOf(err)}`,
        err,
      );
    });
    workspace.onCleanup(() => nativeConnection.close());
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue,
      workflowsPath: fileURLToPath(
        new URL(`../../workflows/index${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
      ),
      activities: createActivities({ kubeConfig, tools: { kubeconfigPath: sim.kubeconfig, searchPath: [sim.tools] } }),
      ...(dataConverter === undefined ? {} : { dataConverter }),
    });
    const running = worker.run();
    workspace.onCleanup(async () => {
      worker.shutdown();
      await running;
    });
    const connection = await Connection.connect(connectionOptions);
    workspace.onCleanup(() => connection.close());
    const client = new Client({
      connection,
      namespace,
      identity: REHEARSAL_APPROVER,
      ...(dataConverter === undefined ? {} : { dataConverter }),
    });
    const session: Session = {
      client,
      target: { connectionOptions, namespace, taskQueue, ...(dataConverter === undefined ? {} : { dataConverter }) },
      address: connectionOptions.address ?? '',
    };

    const cluster = spec.cluster.name ?? spec.cluster.context ?? sim.scenario;
    const workflowId = `rehearsal-${cluster}-${randomUUID().slice(0, 8)}`;
    const input: UpgradeInput = {
      spec: copy.input,
      initiator,
      ...(options.overridePrecheck &&
        options.overridePrecheck.length > 0 && { overridePrechecks: options.overridePrecheck }),
    };
    if (!options.json)
      console.error(
        `rehearsing ${workflowId}: simulator at ${sim.url} (time scale ${timeScale}), ${temporal ? `private Temporal at ${temporal.address}` : `Temporal at ${session.address}`}`,
      );
    await client.workflow.start(UPGRADE_WORKFLOW, { taskQueue, workflowId, args: [input] });
    const answered = await answerEveryGate(client, workflowId);

    const view = await readUpgrade(session, workflowId);
    const status = view.status;
    const journal = journalOf(await client.workflow.getHandle(workflowId).fetchHistory());
    const report = resolve(options.report ?? `${workflowId}.html`);
    await writeFile(
      report,
      renderReport({ workflowId, execution: view.execution, status, journal, now: Date.now() }),
    ).catch((err: unknown) => {
      throw cliFailure(`cannot write the report to ${report}: ${messageOf(err)}`, err);
    });
    const after = await readClusterInventory({
      kubeconfig: sim.kubeconfig,
      controlPlaneNamespace: spec.install.namespace,
    });
    const soaksRun = status.steps.filter((s) => s.kind === 'soak' && s.state === 'done').map(soakTimerOf);
    // A real cluster will be upgraded with real tools: say whether this machine's match, as `plan` does.
    const rehearsedPlan = answered.result?.plan;
    const operatorTools =
      options.kubeconfig === undefined || rehearsedPlan == null
        ? null
        : (await withToolFindings(rehearsedPlan, checkOperatorTools)).tools;
    const outcome: RehearsalOutcome = {
      workflowId,
      scenario: sim.scenario,
      outcome: status.outcome,
      // A rollback the rehearsal itself chose at a failure gate is a failure (1), not a human's rejection (3).
      exitCode:
        answered.failureGates.length > 0 && status.outcome === 'rolled-back'
          ? EXIT.failure
          : exitCodeOf(status, view.execution),
      steps: status.steps.map(stepRow),
      rollback: status.rollback?.map(stepRow) ?? null,
      failure: status.failure,
      failureGates: answered.failureGates,
      refusedBy:
        status.outcome === 'refused'
          ? (answered.result?.plan?.findings ?? [])
              .filter((f) => f.severity === 'block' && !(options.overridePrecheck ?? []).includes(f.check))
              .map((f) => f.check)
          : [],
      restarts: status.workloads.reduce((sum, w) => sum + w.attempts, 0),
      gates: answered.gates,
      soaks: copy.soaks,
      estimate: estimate(journal, copy.soaks, { timeScale, gates: answered.gates, soaksRun }),
      finalState: meshStateOf(after),
      specChanges: copy.changes,
      ...(operatorTools !== null && { operatorTools }),
      report,
    };
    console.log(options.json ? JSON.stringify(outcome, null, 2) : renderRehearsal(outcome));
    return outcome.exitCode;
  } finally {
    await workspace.close();
  }
}
