/**
 * `rehearse -f fleet.yaml (--scenario <cluster>=<file> | --context <cluster>=<context> …)`: the
 * real fleet workflow, unattended, on simulated copies of the fleet's clusters. Each cluster gets
 * its own simulator (from a scenario, or a read-only snapshot of the real cluster) and its own
 * worker, on that cluster's task queue and naming that cluster as its identity, holding only that
 * simulator's kubeconfig, as in production; one private dev server and a control worker run the
 * fleet workflow itself. Every gate, the fleet's before each stage and each cluster's own, is
 * answered as the `rehearsal` approver with a comment saying so; a failure gate is rejected, as
 * a single rehearsal does. Bakes run shortened and windows and freezes are ignored
 * (client/rehearsal/fleet-spec.ts); the estimate puts them back.
 *
 * It prints the stages, each cluster's outcome and why, the mesh on each simulator and the
 * estimate at real speed, and writes the fleet's HTML report with each cluster's report beside
 * it. Exit codes as a single rehearsal: 0 every cluster completed, 1 a cluster failed or the
 * fleet halted, 2 bad input (nothing started), 3 refused by a precheck.
 *
 * A fleet rehearsal always runs on a private dev server: its clusters' upgrades take the ids a
 * real fleet's do (`istio-upgrade-<cluster>`), which must never meet production's.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { parse as parseYaml } from 'yaml';
import { createActivities } from '../../activities/index.js';
import { defaultTaskQueue } from '../../core/fleet/spec.js';
import type { fleetUpgrade } from '../../workflows/fleet/fleet.js';
import { fleetStatusQuery } from '../../workflows/fleet/messages.js';
import type { FleetStatus } from '../../workflows/fleet/messages.js';
import { decideUpdate } from '../../workflows/messages.js';
import type { UpgradeResult } from '../../workflows/messages.js';
import { fleetIdKey } from '../../workflows/search-attributes.js';
import { readClusterInventory } from '../cluster.js';
import { cliFailure, messageOf, usage } from '../errors.js';
import { loadFleet } from '../fleet-file.js';
import { operatorName } from '../identity.js';
import { loadKubeConfig } from '../kubeconfig.js';
import { journalOf } from '../render/history.js';
import { renderFleetReport } from '../render/fleet.js';
import { openScratch, startPrivateTemporal, startSimulator, projectRoot } from '../rehearsal/environment.js';
import type { SimulatedCluster } from '../rehearsal/environment.js';
import { fleetEstimate, fleetExitCode } from '../rehearsal/fleet-outcome.js';
import type { FleetClusterRehearsal, FleetRehearsalOutcome } from '../rehearsal/fleet-outcome.js';
import { clusterSources, describeSource } from '../rehearsal/fleet-sources.js';
import type { ClusterSource, FleetSourceFlags } from '../rehearsal/fleet-sources.js';
import { rehearsalFleetSpec } from '../rehearsal/fleet-spec.js';
import { renderFleetRehearsal } from '../render/fleet-rehearsal.js';
import { estimate, meshStateOf } from '../rehearsal/outcome.js';
import { REHEARSAL_APPROVER, rehearsalPatches, soakTimerOf } from '../rehearsal/spec.js';
import type { Session } from '../temporal.js';
import { readUpgrade } from '../upgrades.js';
import { upgradeReportHtml, writeReport } from './report.js';
import { answerEveryGate, runRehearse, stepRow, timeScaleOf } from './rehearse.js';
import type { RehearseOptions } from './rehearse.js';
import { snapshotCluster } from './snapshot.js';

/** What `rehearse` takes on the command line: source flags repeat, `<cluster>=…` for a fleet. */
export interface RehearseCommandOptions
  extends Omit<RehearseOptions, 'kubeconfig' | 'context' | 'scenario' | 'faults'>, FleetSourceFlags {}

const FLEET_COMMENT =
  "rehearsal: answered unattended by istio-upgrade rehearse on simulated copies of the fleet's clusters";

/** A fleet spec has stages; an upgrade spec never does (its schema refuses unknown fields). */
async function isFleetFile(file: string): Promise<boolean> {
  try {
    const data: unknown = parseYaml(await readFile(file, 'utf8'));
    return typeof data === 'object' && data !== null && 'stages' in data;
  } catch {
    // Unreadable or not YAML: the upgrade spec's loader says so, naming the flag or the line.
    return false;
  }
}

function single(flag: string, values: string[] | undefined): string | undefined {
  if (values === undefined || values.length <= 1) return values?.[0];
  throw usage(
    `${flag}: given ${values.length} times; an upgrade spec rehearses one cluster (a fleet spec takes ${flag} <cluster>=… per cluster)`,
  );
}

/** `rehearse`: a fleet spec is rehearsed as a fleet, an upgrade spec as one upgrade. */
export async function runRehearseCommand(options: RehearseCommandOptions): Promise<number> {
  if (await isFleetFile(options.file)) return runRehearseFleet(options);
  const { kubeconfig, context, scenario, faults, ...rest } = options;
  const one = {
    kubeconfig: single('--kubeconfig', kubeconfig),
    context: single('--context', context),
    scenario: single('--scenario', scenario),
    faults: single('--faults', faults),
  };
  return runRehearse({
    ...rest,
    ...Object.fromEntries(Object.entries(one).filter(([, value]) => value !== undefined)),
  });
}

function overridesOf(clusters: string[], given: string[] = []): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const pair of given) {
    const [cluster = '', id = ''] = pair.split(':', 2);
    if (!clusters.includes(cluster) || id === '')
      throw usage(`--override-precheck: expected <cluster>:<precheck id> naming a cluster of the fleet, got "${pair}"`);
    (result[cluster] ??= []).push(id);
  }
  return result;
}

interface ChildAnswers {
  gates: number;
  failureGates: string[];
}

/**
 * Answers the fleet's gates and, as each cluster's upgrade starts, that upgrade's gates, until the
 * fleet ends. A fleet gate that keeps refusing the rehearsal approver ends the rehearsal.
 */
async function answerFleet(client: Client, fleetId: string) {
  const handle: WorkflowHandle<typeof fleetUpgrade> = client.workflow.getHandle(fleetId);
  const result = handle.result();
  let ended = false;
  void result.finally(() => (ended = true)).catch(() => undefined);
  const answered = new Set<string>();
  const refusals = new Map<string, number>();
  const children = new Map<string, Promise<ChildAnswers>>();
  while (!ended) {
    const status: FleetStatus | null = await handle.query(fleetStatusQuery).catch(() => null);
    for (const gate of status?.pendingGates ?? []) {
      if (answered.has(gate.id)) continue;
      answered.add(gate.id);
      try {
        await handle.executeUpdate(decideUpdate, {
          args: [
            {
              gateId: gate.id,
              by: REHEARSAL_APPROVER,
              requestId: randomUUID(),
              decision: 'approve',
              comment: FLEET_COMMENT,
            },
          ],
        });
      } catch (err) {
        // The gate may have closed on its own meanwhile: the loop reads the status again.
        answered.delete(gate.id);
        const count = (refusals.get(gate.id) ?? 0) + 1;
        refusals.set(gate.id, count);
        if (count >= 5) {
          await handle.terminate(`rehearsal: fleet gate ${gate.id} refused the rehearsal approver: ${messageOf(err)}`);
          throw cliFailure(`the fleet refused the rehearsal's answer at gate ${gate.id}: ${messageOf(err)}`, err);
        }
      }
    }
    for (const cluster of status?.clusters ?? []) {
      if (cluster.state !== 'running' || children.has(cluster.name)) continue;
      // The fleet marks a cluster running just before it starts the child: wait until the child exists.
      const started = await client.workflow
        .getHandle(cluster.workflowId)
        .describe()
        .then(
          () => true,
          () => false,
        );
      if (!started) continue;
      const answers = answerEveryGate(client, cluster.workflowId).then(({ gates, failureGates }) => ({
        gates,
        failureGates,
      }));
      // Awaited once the fleet ends; until then a refusal must not surface as an unhandled rejection.
      answers.catch(() => undefined);
      children.set(cluster.name, answers);
    }
    if (!ended) await new Promise((done) => setTimeout(done, 250));
  }
  const byCluster: Record<string, ChildAnswers> = {};
  for (const [name, answers] of children) byCluster[name] = await answers;
  return { result: await result, fleetGates: answered.size, children: byCluster };
}

export async function runRehearseFleet(options: RehearseCommandOptions): Promise<number> {
  if (options.temporal)
    throw usage(
      "--temporal: a fleet rehearsal runs on a private dev server only: its clusters' upgrades take the ids a real fleet's do (istio-upgrade-<cluster>)",
    );
  const timeScale = timeScaleOf(options.timeScale);
  const loaded = await loadFleet(options.file);
  const { fleet } = loaded;
  const names = Object.keys(fleet.clusters);
  const sources: Record<string, ClusterSource> = clusterSources(fleet, options);
  const overrides = overridesOf(names, options.overridePrecheck);
  const initiator = operatorName(options.as);
  if (initiator === REHEARSAL_APPROVER)
    throw usage(`--as: the initiator cannot be "${REHEARSAL_APPROVER}", the name the rehearsal answers gates with`);

  const root = projectRoot();
  // Ctrl-C stops the simulators, the dev server and the workers before the process goes.
  const workspace = await openScratch('istio-fleet-rehearsal-');
  const scratch = workspace.dir;
  const say = (line: string) => {
    if (!options.json) console.error(line);
  };
  try {
    // Every snapshot first (read-only): an unreachable cluster stops the rehearsal before any simulator starts.
    const scenarios: Record<string, string> = {};
    for (const name of names) {
      const source = sources[name];
      if (source === undefined) continue;
      if (source.kind === 'scenario') {
        scenarios[name] = resolve(source.scenario);
        continue;
      }
      const snapshot = await snapshotCluster({
        ...(source.kubeconfig !== undefined && { kubeconfig: source.kubeconfig }),
        ...(source.context !== undefined && { context: source.context }),
        istioNamespace: loaded.specs[name]?.install.namespace ?? 'istio-system',
      });
      scenarios[name] = join(scratch, `${name}.yaml`);
      await writeFile(scenarios[name], snapshot.yaml);
      say(
        `${name}: ${describeSource(source)} taken${snapshot.notes.length > 0 ? `; ${snapshot.notes.length} note(s): ${snapshot.notes.join('; ')}` : ''}`,
      );
    }
    const started = await Promise.allSettled(
      names.map(async (name) => {
        const spec = loaded.specs[name];
        const faults = sources[name]?.faults;
        const sim = await startSimulator(root, {
          scenario: scenarios[name] ?? '',
          timeScale,
          ...(spec && { patches: rehearsalPatches(spec) }),
          ...(faults !== undefined && { faults: resolve(faults) }),
        });
        workspace.onCleanup(() => sim.stop());
        return [name, sim] as const;
      }),
    );
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const sims = new Map(started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])));
    const simOf = (name: string): SimulatedCluster => {
      const sim = sims.get(name);
      if (sim === undefined) throw cliFailure(`no simulator for cluster ${name} (a bug in rehearse)`);
      return sim;
    };
    const kubeConfigs = new Map(
      await Promise.all(
        names.map(async (name) => [name, await loadKubeConfig({ kubeconfig: simOf(name).kubeconfig })] as const),
      ),
    );
    const copy = rehearsalFleetSpec(loaded.raw, fleet, loaded.specs, {
      timeScale,
      contexts: Object.fromEntries([...kubeConfigs].map(([name, kc]) => [name, kc.getCurrentContext()])),
    });

    const temporal = await startPrivateTemporal(root);
    workspace.onCleanup(() => temporal.stop());
    const connectionOptions = { address: temporal.address };
    // The control worker has no activities on purpose (no cluster's credentials): its warning saying so is noise here.
    const warnings = new DefaultLogger('WARN');
    Runtime.install({
      logger: new DefaultLogger('WARN', (entry) => {
        if (!entry.message.startsWith('No activities registered')) warnings.log(entry.level, entry.message, entry.meta);
      }),
    });
    const nativeConnection = await NativeConnection.connect(connectionOptions);
    workspace.onCleanup(() => nativeConnection.close());
    // One bundle for every worker: bundling costs seconds of CPU each time.
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(
        new URL(`../../workflows/index${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
      ),
      logger: Runtime.instance().logger,
    });
    const controlQueue = `rehearsal-fleet-${randomUUID()}`;
    // As in production: the fleet on the control queue with no cluster's credentials, each cluster's
    // upgrade on its own queue, served by a worker that holds only its simulator and names its cluster.
    const workers = await Promise.all([
      Worker.create({ connection: nativeConnection, taskQueue: controlQueue, workflowBundle }),
      ...names.map((name) => {
        const sim = simOf(name);
        const kubeConfig = kubeConfigs.get(name);
        if (kubeConfig === undefined) throw cliFailure(`no kubeconfig for cluster ${name} (a bug in rehearse)`);
        return Worker.create({
          connection: nativeConnection,
          taskQueue: fleet.clusters[name]?.taskQueue ?? defaultTaskQueue(name),
          workflowBundle,
          activities: createActivities({
            kubeConfig,
            cluster: name,
            tools: { kubeconfigPath: sim.kubeconfig, searchPath: [sim.tools] },
          }),
        });
      }),
    ]);
    for (const worker of workers) {
      const running = worker.run();
      workspace.onCleanup(async () => {
        worker.shutdown();
        await running;
      });
    }
    const connection = await Connection.connect(connectionOptions);
    workspace.onCleanup(() => connection.close());
    const client = new Client({ connection, namespace: 'default', identity: REHEARSAL_APPROVER });
    const session: Session = {
      client,
      target: { connectionOptions, namespace: 'default', taskQueue: controlQueue },
      address: temporal.address,
    };

    const fleetId = `rehearsal-fleet-${fleet.name}-${randomUUID().slice(0, 8)}`;
    say(
      `rehearsing fleet ${fleetId}: ${names.length} simulators (time scale ${timeScale}), private Temporal at ${temporal.address}`,
    );
    const startedAt = Date.now();
    await client.workflow.start('fleetUpgrade', {
      taskQueue: controlQueue,
      workflowId: fleetId,
      args: [{ fleet: copy.input, initiator, overridePrechecks: overrides }],
      typedSearchAttributes: new TypedSearchAttributes([{ key: fleetIdKey, value: fleetId }]),
    });
    const answered = await answerFleet(client, fleetId);
    const status = answered.result.status;

    const report = resolve(options.report ?? `${fleetId}.html`);
    const reportBase = basename(report, extname(report));
    const clusters: FleetClusterRehearsal[] = [];
    for (const cluster of status.clusters) {
      const spec = loaded.specs[cluster.name];
      const rehearsal = copy.clusters[cluster.name];
      const source = sources[cluster.name];
      const sim = simOf(cluster.name);
      const after = await readClusterInventory({
        kubeconfig: sim.kubeconfig,
        controlPlaneNamespace: spec?.install.namespace ?? 'istio-system',
      });
      const base = {
        name: cluster.name,
        stage: cluster.stage,
        source: source === undefined ? sim.scenario : describeSource(source),
        state: cluster.state,
        reason: cluster.reason,
        workflowId: cluster.workflowId,
        taskQueue: cluster.taskQueue,
        soaks: rehearsal?.soaks ?? [],
        specChanges: rehearsal?.changes ?? [],
        finalState: meshStateOf(after),
      };
      const exists = await client.workflow
        .getHandle(cluster.workflowId)
        .describe()
        .then(
          () => true,
          () => false,
        );
      if (!exists) {
        clusters.push({
          ...base,
          outcome: null,
          steps: null,
          rollback: null,
          failure: null,
          failureGates: [],
          refusedBy: [],
          restarts: 0,
          gates: 0,
          estimate: null,
          report: null,
        });
        continue;
      }
      const view = await readUpgrade(session, cluster.workflowId);
      const ended =
        view.execution === 'COMPLETED'
          ? ((await client.workflow
              .getHandle(cluster.workflowId)
              .result()
              .catch(() => null)) as UpgradeResult | null)
          : null;
      const answers = answered.children[cluster.name] ?? { gates: 0, failureGates: [] };
      const journal = journalOf(await client.workflow.getHandle(cluster.workflowId).fetchHistory());
      const file = `${reportBase}.${cluster.name}.html`;
      await writeReport(join(dirname(report), file), await upgradeReportHtml(session, cluster.workflowId));
      const soaksRun = view.status.steps.filter((s) => s.kind === 'soak' && s.state === 'done').map(soakTimerOf);
      clusters.push({
        ...base,
        outcome: view.status.outcome,
        steps: view.status.steps.map(stepRow),
        rollback: view.status.rollback?.map(stepRow) ?? null,
        failure: view.status.failure,
        failureGates: answers.failureGates,
        refusedBy:
          view.status.outcome === 'refused'
            ? (ended?.plan?.findings ?? [])
                .filter((f) => f.severity === 'block' && !(overrides[cluster.name] ?? []).includes(f.check))
                .map((f) => f.check)
            : [],
        restarts: view.status.workloads.reduce((sum, w) => sum + w.attempts, 0),
        gates: answers.gates,
        estimate: estimate(journal, base.soaks, { timeScale, gates: answers.gates, soaksRun }),
        report: file,
      });
    }
    const links = Object.fromEntries(clusters.flatMap((c) => (c.report === null ? [] : [[c.name, c.report]])));
    await writeReport(report, renderFleetReport(fleetId, status, links));
    const outcome: FleetRehearsalOutcome = {
      fleetId,
      name: fleet.name,
      target: fleet.target,
      outcome: status.outcome,
      reason: status.reason,
      exitCode: fleetExitCode(status),
      stages: status.stages.map((stage) => ({
        name: stage.name,
        state: stage.state,
        clusters: stage.clusters,
        failures: stage.failures,
        allowedFailures: stage.allowedFailures,
        bake: copy.bakes.find((b) => b.stage === stage.name) ?? {
          stage: stage.name,
          realSeconds: 0,
          rehearsedSeconds: 0,
        },
      })),
      clusters,
      fleetGates: answered.fleetGates,
      specChanges: copy.changes,
      estimate: fleetEstimate(fleet, clusters, { nowMs: startedAt, timeScale, fleetGates: answered.fleetGates }),
      report,
    };
    console.log(options.json ? JSON.stringify(outcome, null, 2) : renderFleetRehearsal(outcome));
    return outcome.exitCode;
  } finally {
    await workspace.close();
  }
}
