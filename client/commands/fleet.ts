/**
 * `fleet plan | start | status | watch | skip`: many clusters in stages. `plan` reads every
 * cluster (list calls only, through each cluster's kubeconfig context) and prints each cluster's
 * plan summary and blocking findings in stage order, before anything starts; `start` does the same
 * and then starts the fleet workflow on the control task queue; `status` and `watch` show stages,
 * clusters, windows and the exact commands that answer each pending gate. Pause, resume and abort
 * are the upgrade's own commands, given the fleet's id.
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Inventory } from '../../core/inventory.js';
import { PlanError } from '../../core/plan/errors.js';
import type { Plan } from '../../core/plan/steps.js';
import { planUpgrade } from '../../core/plan/upgrade.js';
import { formatProblems } from '../../core/spec/parse.js';
import type { SpecProblem } from '../../core/spec/parse.js';
import { defaultTaskQueue } from '../../core/fleet/spec.js';
import { fleetStatusQuery, skipClusterUpdate } from '../../workflows/fleet/messages.js';
import type { FleetInput, FleetResult, FleetStatus } from '../../workflows/fleet/messages.js';
import { statusQuery } from '../../workflows/messages.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import { fleetIdKey } from '../../workflows/search-attributes.js';
import { TypedSearchAttributes } from '@temporalio/common';
import { readInventory } from '../cluster.js';
import { invalidInput, messageOf, usage } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { loadFleet } from '../fleet-file.js';
import type { LoadedFleet } from '../fleet-file.js';
import { operatorName } from '../identity.js';
import { loadKubeConfig } from '../kubeconfig.js';
import { renderFleetPlan, renderFleetReport, renderFleetStatus } from '../render/fleet.js';
import { upgradeReportHtml, writeReport } from './report.js';
import type { ClusterPlan } from '../render/fleet.js';
import { existingWorkflow, webUiLink, withTemporal } from '../temporal.js';
import type { Session } from '../temporal.js';

export const FLEET_WORKFLOW = 'fleetUpgrade';

export function fleetWorkflowId(name: string): string {
  return `istio-fleet-${name}`;
}

export interface FleetPlanOptions {
  file: string;
  kubeconfig?: string;
  /** `<cluster>=<context>`, repeatable: overrides the fleet spec's context for that cluster. */
  context?: string[];
  json?: boolean;
}

export interface FleetStartOptions extends FleetPlanOptions {
  as?: string;
  /** `<cluster>:<precheck id>`, repeatable. */
  overridePrecheck?: string[];
}

/** Each cluster's context: the command line's, else the fleet spec's, else the cluster's name. */
function contexts(loaded: LoadedFleet, given: string[] = []): Map<string, string> {
  const result = new Map<string, string>();
  const problems: SpecProblem[] = [];
  for (const pair of given) {
    const [cluster = '', context = ''] = pair.split('=', 2);
    if (!(cluster in loaded.fleet.clusters) || context === '')
      problems.push({
        path: '--context',
        message: `expected <cluster>=<context> naming a cluster of the fleet, got "${pair}"`,
      });
    else result.set(cluster, context);
  }
  if (problems.length > 0) throw invalidInput(problems);
  for (const [cluster, settings] of Object.entries(loaded.fleet.clusters))
    if (!result.has(cluster)) result.set(cluster, settings.context ?? cluster);
  return result;
}

/** Every context is checked before any cluster is read: an unknown one names its field. */
async function checkContexts(loaded: LoadedFleet, chosen: Map<string, string>, kubeconfig?: string): Promise<void> {
  const problems: SpecProblem[] = [];
  for (const [cluster, context] of chosen) {
    try {
      await loadKubeConfig({ ...(kubeconfig && { kubeconfig }), context });
    } catch (err) {
      const where = loaded.fleet.clusters[cluster]?.context === context ? `clusters.${cluster}.context` : '--context';
      problems.push({ path: where, message: messageOf(err).replace(/^--context: /, '') });
    }
  }
  if (problems.length > 0) throw invalidInput(problems, { heading: 'invalid fleet spec' });
}

/** Reads and plans every cluster, in stage order. */
async function planFleet(loaded: LoadedFleet, options: FleetPlanOptions): Promise<ClusterPlan[]> {
  const chosen = contexts(loaded, options.context);
  await checkContexts(loaded, chosen, options.kubeconfig);
  const plans: ClusterPlan[] = [];
  for (const stage of loaded.fleet.stages) {
    for (const cluster of stage.clusters) {
      const spec = loaded.specs[cluster];
      const settings = loaded.fleet.clusters[cluster];
      if (spec === undefined || settings === undefined) continue;
      const context = chosen.get(cluster) ?? cluster;
      const base = {
        cluster,
        stage: stage.name,
        context,
        taskQueue: settings.taskQueue ?? defaultTaskQueue(cluster),
        windows: settings.windows.length,
        freezes: settings.freezes.length,
      };
      let inventory: Inventory;
      try {
        inventory = await readInventory(
          { ...(options.kubeconfig && { kubeconfig: options.kubeconfig }), context },
          spec.install.namespace,
        );
      } catch (err) {
        plans.push({ ...base, plan: null, error: messageOf(err) });
        continue;
      }
      try {
        plans.push({
          ...base,
          plan: planUpgrade({ ...spec, cluster: { ...spec.cluster, context } }, inventory),
          error: null,
        });
      } catch (err) {
        if (!(err instanceof PlanError)) throw err;
        plans.push({ ...base, plan: null, error: formatProblems(err.problems) });
      }
    }
  }
  return plans;
}

function blockingOf(plan: Plan | null): string[] {
  return [...new Set((plan?.findings ?? []).filter((f) => f.severity === 'block').map((f) => f.check))];
}

export async function runFleetPlan(options: FleetPlanOptions): Promise<number> {
  const loaded = await loadFleet(options.file);
  const plans = await planFleet(loaded, options);
  console.log(
    options.json
      ? JSON.stringify({ fleet: loaded.fleet, clusters: plans }, null, 2)
      : renderFleetPlan(loaded.fleet, plans),
  );
  if (plans.some((p) => p.error !== null && p.plan === null && p.error.startsWith('the cluster is not reachable')))
    return EXIT.failure;
  return plans.some((p) => p.plan === null || blockingOf(p.plan).length > 0) ? EXIT.precheckBlocks : EXIT.ok;
}

function overridesOf(loaded: LoadedFleet, given: string[] = []): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const pair of given) {
    const [cluster = '', id = ''] = pair.split(':', 2);
    if (!(cluster in loaded.fleet.clusters) || id === '')
      throw usage(`--override-precheck: expected <cluster>:<precheck id> naming a cluster of the fleet, got "${pair}"`);
    (result[cluster] ??= []).push(id);
  }
  return result;
}

export async function runFleetStart(options: FleetStartOptions): Promise<number> {
  const initiator = operatorName(options.as);
  const loaded = await loadFleet(options.file);
  const overrides = overridesOf(loaded, options.overridePrecheck);
  const plans = await planFleet(loaded, options);
  console.log(renderFleetPlan(loaded.fleet, plans));
  const refusals = plans.flatMap((p) => {
    if (p.plan === null) return [`${p.cluster}: ${p.error ?? 'cannot be planned'}`];
    const blocking = blockingOf(p.plan).filter((id) => !(overrides[p.cluster] ?? []).includes(id));
    return blocking.length > 0
      ? [
          `${p.cluster}: precheck ${blocking.join(', ')} blocks (override with ${blocking.map((id) => `--override-precheck ${p.cluster}:${id}`).join(' ')})`,
        ]
      : [];
  });
  if (refusals.length > 0) {
    console.error(`refused: nothing started\n${refusals.map((line) => `  ${line}`).join('\n')}`);
    return EXIT.precheckBlocks;
  }
  // Each cluster's context as chosen here travels in its upgrade spec (its worker ignores it but status shows it).
  const chosen = contexts(loaded, options.context);
  const raw = {
    ...loaded.raw,
    clusters: Object.fromEntries(
      Object.entries(loaded.raw.clusters).map(([name, cluster]) => [name, { ...cluster, context: chosen.get(name) }]),
    ),
  };
  const input: FleetInput = { fleet: raw, initiator, overridePrechecks: overrides };
  const workflowId = fleetWorkflowId(loaded.fleet.name);
  return withTemporal(initiator, async (session) => {
    try {
      await session.client.workflow.start(FLEET_WORKFLOW, {
        taskQueue: session.target.taskQueue,
        workflowId,
        args: [input],
        typedSearchAttributes: new TypedSearchAttributes([{ key: fleetIdKey, value: workflowId }]),
        staticSummary: `fleet ${loaded.fleet.name}: Istio ${loaded.fleet.target} on ${Object.keys(loaded.fleet.clusters).length} clusters`,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw usage(`fleet ${loaded.fleet.name} is already running: ${workflowId}`, err);
      throw err;
    }
    console.log(`\nStarted ${workflowId}, initiated by ${initiator}`);
    console.log(`  web UI: ${webUiLink(session, workflowId)}`);
    console.log(`  next:   npx istio-upgrade fleet watch ${workflowId}`);
    return EXIT.ok;
  });
}

/** The fleet's status: its result once it ended (no worker needed), else its query. */
async function fleetStatusOf(session: Session, workflowId: string): Promise<FleetStatus> {
  const { handle, running } = await existingWorkflow(session, workflowId);
  if (!running) {
    const result = (await handle.result().catch(() => null)) as FleetResult | null;
    if (result !== null) return result.status;
  }
  return handle.query(fleetStatusQuery);
}

/** The fleet's status and, for each cluster whose upgrade is running or ended, that upgrade's. */
async function readFleet(
  session: Session,
  workflowId: string,
): Promise<{ fleet: FleetStatus; clusters: Record<string, UpgradeStatus | null> }> {
  const fleet = await fleetStatusOf(session, workflowId);
  const clusters: Record<string, UpgradeStatus | null> = {};
  for (const cluster of fleet.clusters) {
    if (
      cluster.state === 'pending' ||
      cluster.state === 'waiting-window' ||
      cluster.state === 'skipped' ||
      cluster.state === 'not-started'
    )
      continue;
    clusters[cluster.name] = await session.client.workflow
      .getHandle(cluster.workflowId)
      .query(statusQuery)
      .catch(() => null);
  }
  return { fleet, clusters };
}

export interface FleetStatusOptions {
  json?: boolean;
  as?: string;
}

export async function runFleetStatus(workflowId: string, options: FleetStatusOptions): Promise<number> {
  return withTemporal(operatorName(options.as), async (session) => {
    const view = await readFleet(session, workflowId);
    console.log(
      options.json ? JSON.stringify(view, null, 2) : renderFleetStatus(workflowId, view.fleet, view.clusters),
    );
    return view.fleet.outcome === null || view.fleet.outcome === 'completed' ? EXIT.ok : EXIT.failure;
  });
}

export async function runFleetWatch(workflowId: string, options: { interval?: string; as?: string }): Promise<number> {
  const seconds = Number(options.interval ?? 5);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw usage(`--interval: expected a number of seconds, got "${options.interval}"`);
  return withTemporal(operatorName(options.as), async (session) => {
    let last = '';
    for (;;) {
      const view = await readFleet(session, workflowId);
      const text = renderFleetStatus(workflowId, view.fleet, view.clusters);
      if (text !== last) console.log(`${new Date().toISOString()}\n${text}\n`);
      last = text;
      if (view.fleet.outcome !== null) return view.fleet.outcome === 'completed' ? EXIT.ok : EXIT.failure;
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  });
}

export async function runFleetSkip(
  workflowId: string,
  cluster: string,
  options: { as?: string; comment?: string; requestId?: string },
): Promise<number> {
  if (!options.comment) throw usage('--comment: say why the cluster is skipped (it is recorded)');
  const by = operatorName(options.as);
  return withTemporal(by, async (session) => {
    const { handle, running } = await existingWorkflow(session, workflowId);
    if (!running) throw usage(`fleet "${workflowId}" has ended: there is nothing to skip`);
    try {
      const record = await handle.executeUpdate(skipClusterUpdate, {
        args: [{ by, cluster, comment: options.comment ?? '', requestId: options.requestId ?? randomUUID() }],
      });
      console.log(`skip of ${cluster} accepted from ${record.by} at ${record.at}`);
      return EXIT.ok;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError)
        throw usage(`refused: ${err.cause ? messageOf(err.cause) : err.message}`, err);
      throw err;
    }
  });
}

/**
 * `fleet report <id> --out-dir dir`: the fleet's HTML page (stages, clusters, outcome, gates
 * decided) beside each started cluster's own upgrade report, which it links.
 */
export async function runFleetReport(workflowId: string, options: { outDir?: string; as?: string }): Promise<number> {
  const dir = resolve(options.outDir ?? '.');
  return withTemporal(operatorName(options.as), async (session) => {
    const fleet = await fleetStatusOf(session, workflowId);
    const links: Record<string, string> = {};
    for (const cluster of fleet.clusters) {
      if (['pending', 'waiting-window', 'skipped', 'not-started'].includes(cluster.state)) continue;
      const file = `${cluster.workflowId}.html`;
      try {
        await writeReport(join(dir, file), await upgradeReportHtml(session, cluster.workflowId));
        links[cluster.name] = file;
      } catch (err) {
        console.error(`no report for ${cluster.name} (${cluster.workflowId}): ${messageOf(err)}`);
      }
    }
    const out = join(dir, `${workflowId}.html`);
    await writeReport(out, renderFleetReport(workflowId, fleet, links));
    console.log(`fleet report written to ${out} (${Object.keys(links).length} cluster reports beside it)`);
    return EXIT.ok;
  });
}
