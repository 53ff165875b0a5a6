/**
 * `plan -f spec.yaml`: read the cluster (read-only: list calls only), plan the upgrade, run the
 * prechecks and print both. Exit 0 when clean or only warning, 2 when the spec or arguments are
 * invalid (naming the field), 3 when a precheck blocks, 1 when the cluster cannot be read.
 */
import { readFile } from 'node:fs/promises';
import type { Inventory } from '../../core/inventory.js';
import { PlanError } from '../../core/plan/errors.js';
import { rollbackPoints } from '../../core/plan/rollback-points.js';
import { planUpgrade } from '../../core/plan/upgrade.js';
import { blocks } from '../../core/prechecks/catalog.js';
import { formatProblems } from '../../core/spec/parse.js';
import type { SpecProblem } from '../../core/spec/parse.js';
import { readClusterInventory, type InventorySource } from '../cluster.js';
import { CliError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { planJson, renderPlan } from '../render/plan.js';
import { loadSpec } from '../spec-file.js';
import { gitopsSettingsProblems } from '../../activities/git/operator-check.js';
import { terraformSettingsProblems } from '../../activities/terraform/operator-check.js';
import { reviewClusterAccess, withPermissionFindings, type ReviewPlanAccess } from './plan-permissions.js';
import { checkOperatorTools, withToolFindings, type CheckPlanTools } from './plan-tools.js';
import { operatorPrometheus, withAnalysisBaselines, type PrometheusFor } from './plan-analysis.js';

export interface PlanOptions {
  file: string;
  json?: boolean;
  kubeconfig?: string;
  context?: string;
  /** Hidden: plan against an inventory saved as JSON instead of reading a cluster. */
  inventory?: string;
}

/** How the command reaches the cluster; tests inject a recording or fixture reader. */
export interface PlanDeps {
  readInventory: (source: InventorySource) => Promise<Inventory>;
  readText: (path: string) => Promise<string>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Asks the cluster whether these credentials may do what the plan needs; absent: not asked. */
  reviewAccess?: ReviewPlanAccess;
  /** Asks this machine's istioctl and helm whether they are the releases the plan needs; absent: not asked. */
  checkTools?: CheckPlanTools;
  /** Reaches the Prometheus of the spec's analysis (queries validated, baselines read); absent: not asked. */
  prometheus?: PrometheusFor;
}

const defaultDeps: PlanDeps = {
  readInventory: readClusterInventory,
  reviewAccess: reviewClusterAccess,
  checkTools: checkOperatorTools,
  prometheus: operatorPrometheus,
  readText: (path) => readFile(path, 'utf8'),
  stdout: (text) => console.log(text),
  stderr: (text) => console.error(text),
};

/** Runs the command and returns its exit code (the caller sets process.exitCode). */
export async function runPlan(options: PlanOptions, deps: PlanDeps = defaultDeps): Promise<number> {
  const invalid = (problems: readonly SpecProblem[]) => {
    if (options.json) deps.stdout(JSON.stringify({ error: 'invalid-input', problems }, null, 2));
    else deps.stderr(`invalid input:\n${formatProblems(problems).replace(/^/gm, '  ')}`);
    return EXIT.invalidInput;
  };
  try {
    const spec = await loadSpec(options.file, deps.readText);
    const owner = [...(await gitopsSettingsProblems(spec)), ...terraformSettingsProblems(spec)];
    if (owner.length > 0) return invalid(owner);
    const inventory = options.inventory
      ? (JSON.parse(await deps.readText(options.inventory)) as Inventory)
      : await deps.readInventory({
          ...(options.kubeconfig && { kubeconfig: options.kubeconfig }),
          ...((options.context ?? spec.cluster.context) && { context: options.context ?? spec.cluster.context }),
          controlPlaneNamespace: spec.install.namespace,
        });
    // The tools are this machine's, so they are checked even against a saved inventory.
    const checked = await withToolFindings(planUpgrade(spec, inventory), deps.checkTools, spec.install);
    // A saved inventory has no cluster behind it to ask about permissions.
    const plan = await withPermissionFindings(checked.plan, options.inventory ? undefined : deps.reviewAccess, {
      ...(options.kubeconfig && { kubeconfig: options.kubeconfig }),
      ...((options.context ?? spec.cluster.context) && { context: options.context ?? spec.cluster.context }),
      controlPlaneNamespace: spec.install.namespace,
    });
    const analysed = await withAnalysisBaselines(plan, deps.prometheus);
    const rollback = rollbackPoints(analysed, inventory);
    const tools = checked.tools ?? undefined;
    deps.stdout(options.json ? planJson(analysed, rollback, tools) : renderPlan(analysed, rollback, tools));
    return blocks(analysed.findings) ? EXIT.precheckBlocks : EXIT.ok;
  } catch (err) {
    // The spec file, the kubeconfig or a flag (usage errors that name the field), or what the planner refuses.
    if ((err instanceof CliError && err.problems.length > 0) || err instanceof PlanError) return invalid(err.problems);
    deps.stderr(`cannot plan: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failure;
  }
}
