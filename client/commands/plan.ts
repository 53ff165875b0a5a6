/**
 * `plan -f spec.yaml`: read the cluster (read-only: list calls only), plan the upgrade, run the
 * prechecks and print both. Exit 0 when clean or only warning, 2 when the spec or arguments are
 * invalid (naming the field), 3 when a precheck blocks, 1 when the cluster cannot be read.
 */
import { readFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { createKubeClients } from '../../activities/kubernetes/clients.js';
import { createInventoryActivities } from '../../activities/kubernetes/inventory.js';
import type { Inventory } from '../../core/inventory.js';
import { PlanError } from '../../core/plan/errors.js';
import { rollbackPoints } from '../../core/plan/rollback-points.js';
import type { RollbackSummary } from '../../core/plan/rollback-points.js';
import { describe } from '../../core/plan/steps.js';
import type { Plan, Step } from '../../core/plan/steps.js';
import { planUpgrade } from '../../core/plan/upgrade.js';
import { blocks } from '../../core/prechecks/catalog.js';
import { SEVERITIES } from '../../core/prechecks/finding.js';
import { formatProblems, parseSpec } from '../../core/spec/parse.js';
import type { SpecProblem } from '../../core/spec/parse.js';
import type { Spec } from '../../core/spec/schema.js';
import { formatDuration } from '../../core/spec/duration.js';
import { EXIT } from '../exit-codes.js';
import { reviewClusterAccess, withPermissionFindings, type ReviewPlanAccess } from './plan-permissions.js';

export interface PlanOptions {
  file: string;
  json?: boolean;
  kubeconfig?: string;
  context?: string;
  /** Hidden: plan against an inventory saved as JSON instead of reading a cluster. */
  inventory?: string;
}

export interface InventorySource {
  kubeconfig?: string;
  context?: string;
  controlPlaneNamespace: string;
}

/** How the command reaches the cluster; tests inject a recording or fixture reader. */
export interface PlanDeps {
  readInventory: (source: InventorySource) => Promise<Inventory>;
  readText: (path: string) => Promise<string>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Asks the cluster whether these credentials may do what the plan needs; absent: not asked. */
  reviewAccess?: ReviewPlanAccess;
}

/** The kubernetes adapter's reader: list calls only, so planning never writes to the cluster. */
export async function readClusterInventory(source: InventorySource): Promise<Inventory> {
  const kubeConfig = new KubeConfig();
  if (source.kubeconfig) kubeConfig.loadFromFile(source.kubeconfig);
  else kubeConfig.loadFromDefault();
  if (source.context) {
    if (kubeConfig.getContextObject(source.context) === null) throw new InvalidInput([{ path: '--context', message: `no context "${source.context}" in the kubeconfig` }]);
    kubeConfig.setCurrentContext(source.context);
  }
  return createInventoryActivities(createKubeClients(kubeConfig)).readInventory({ controlPlaneNamespace: source.controlPlaneNamespace });
}

const defaultDeps: PlanDeps = {
  readInventory: readClusterInventory,
  reviewAccess: reviewClusterAccess,
  readText: (path) => readFile(path, 'utf8'),
  stdout: (text) => console.log(text),
  stderr: (text) => console.error(text),
};

/** Bad input from the operator: the spec, its YAML, or an argument. Exit 2. */
export class InvalidInput extends Error {
  constructor(readonly problems: SpecProblem[]) {
    super(formatProblems(problems));
  }
}

/** Reads and validates a spec file; YAML syntax errors name the line, schema errors the field. */
export async function loadSpec(path: string, readText: (path: string) => Promise<string> = (p) => readFile(p, 'utf8')): Promise<Spec> {
  let text: string;
  try {
    text = await readText(path);
  } catch (err) {
    throw new InvalidInput([{ path: '-f', message: `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}` }]);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const where = err.linePos?.[0];
      throw new InvalidInput([{ path: where ? `${path}:${where.line}:${where.col}` : path, message: err.message.split('\n')[0] ?? 'invalid YAML' }]);
    }
    throw err;
  }
  const result = parseSpec(data);
  if (!result.ok) throw new InvalidInput(result.problems);
  return result.spec;
}

function marker(step: Step): string {
  switch (step.kind) {
    case 'gate':
      return `[GATE ${formatDuration(step.timeoutSeconds)}] `;
    case 'soak':
      return `[TIMER ${formatDuration(step.seconds)}] `;
    case 'precheck':
    case 'upgrade-base':
    case 'install-revision':
    case 'upgrade-control-plane':
    case 'upgrade-cni':
    case 'upgrade-ztunnel':
    case 'switch-gateways':
    case 'move-namespace':
    case 'move-tag':
    case 'restart-workload':
    case 'test-workload':
    case 'verify-proxies':
    case 'remove-old-revision':
      return '';
  }
}

/**
 * The rollback part: at each gate (where a rejection rolls back) and at the end, the steps that
 * undo what is done by then, and the step after which undoing is no longer planned.
 */
function renderRollback(plan: Plan, rollback: RollbackSummary): string[] {
  const lines = ['', 'Rollback (no gates, no timers; undoes only what is done):'];
  if (rollback.points.length === 0) lines.push('  nothing to undo before the first change');
  for (const point of rollback.points) {
    const where = point.done === plan.steps.length || point.before === null ? `after step ${point.done}` : `stopped before step ${point.done + 1}`;
    lines.push(`  ${where}:`);
    point.steps.forEach((step, index) => lines.push(`    ${String.fromCharCode(97 + (index % 26))}. ${describe(step)}`));
  }
  if (rollback.noReturnAfter !== null) {
    const index = plan.steps.findIndex((step) => step.id === rollback.noReturnAfter);
    lines.push(`  after step ${index + 1} no rollback is planned: revision ${plan.revisions?.from ?? ''} is gone; going back to ${plan.source} is a new installation`);
  }
  return lines;
}

/** The plan as an operator reads it: header, numbered steps with gates and timers marked, its rollback, findings by severity. */
export function renderPlan(plan: Plan, rollback?: RollbackSummary): string {
  const lines: string[] = [];
  const strategy = plan.revisions ? `revision-based (${plan.revisions.from} -> ${plan.revisions.to})` : 'in-place';
  lines.push(`${plan.kind === 'upgrade' ? 'Upgrade' : 'Rollback'} plan for ${plan.cluster ?? 'the current context'}: Istio ${plan.source} -> ${plan.target}`);
  lines.push(`  ${plan.method}, ${plan.mode}, ${strategy}; restarts ${plan.concurrency === 1 ? 'one at a time' : `${plan.concurrency} at a time`}`);
  lines.push(`  control plane hops: ${plan.hops.map((hop) => (hop.patchFrom === 'target' ? hop.version : `${hop.version} (patch from ${hop.patchFrom})`)).join(' -> ')}`);
  lines.push(`  cluster read at ${plan.observedAt}`, '', 'Steps:');
  const width = String(plan.steps.length).length;
  plan.steps.forEach((step, index) => {
    lines.push(`  ${String(index + 1).padStart(width)}. ${marker(step)}${describe(step)}`);
  });
  if (rollback !== undefined) lines.push(...renderRollback(plan, rollback));
  if (plan.warnings.length > 0) {
    lines.push('', 'Warnings:', ...plan.warnings.map((warning) => `  - ${warning}`));
  }
  lines.push('', 'Precheck findings:');
  if (plan.findings.length === 0) lines.push('  none');
  for (const severity of SEVERITIES) {
    const group = plan.findings.filter((finding) => finding.severity === severity);
    if (group.length === 0) continue;
    lines.push(`  ${severity.toUpperCase()} (${group.length})`);
    for (const finding of group) {
      lines.push(`    ${finding.check}: ${finding.message}`);
      for (const evidence of finding.evidence) lines.push(`      evidence: ${evidence}`);
      lines.push(`      remedy: ${finding.remedy}`);
    }
  }
  const blocked = plan.findings.filter((finding) => finding.severity === 'block').length;
  lines.push('', blocked > 0 ? `Refused: ${blocked} blocking precheck finding(s).` : 'Ready: no precheck blocks this plan.');
  return lines.join('\n');
}

/** The same plan as data, each step with its sentence, for scripts; `rollback` as renderPlan prints it. */
export function planJson(plan: Plan, rollback?: RollbackSummary): string {
  const described = (steps: readonly Step[]) => steps.map((step) => ({ ...step, description: describe(step) }));
  return JSON.stringify(
    {
      ...plan,
      steps: described(plan.steps),
      ...(rollback && { rollback: { points: rollback.points.map((point) => ({ ...point, steps: described(point.steps) })), noReturnAfter: rollback.noReturnAfter } }),
    },
    null,
    2,
  );
}

/** Runs the command and returns its exit code (the caller sets process.exitCode). */
export async function runPlan(options: PlanOptions, deps: PlanDeps = defaultDeps): Promise<number> {
  const invalid = (problems: SpecProblem[]) => {
    if (options.json) deps.stdout(JSON.stringify({ error: 'invalid-input', problems }, null, 2));
    else deps.stderr(`invalid input:\n${formatProblems(problems).replace(/^/gm, '  ')}`);
    return EXIT.invalidInput;
  };
  try {
    const spec = await loadSpec(options.file, deps.readText);
    const inventory = options.inventory
      ? (JSON.parse(await deps.readText(options.inventory)) as Inventory)
      : await deps.readInventory({
          ...(options.kubeconfig && { kubeconfig: options.kubeconfig }),
          ...((options.context ?? spec.cluster.context) && { context: options.context ?? spec.cluster.context }),
          controlPlaneNamespace: spec.install.namespace,
        });
    // A saved inventory has no cluster behind it to ask about permissions.
    const plan = await withPermissionFindings(planUpgrade(spec, inventory), options.inventory ? undefined : deps.reviewAccess, {
      ...(options.kubeconfig && { kubeconfig: options.kubeconfig }),
      ...((options.context ?? spec.cluster.context) && { context: options.context ?? spec.cluster.context }),
      controlPlaneNamespace: spec.install.namespace,
    });
    const rollback = rollbackPoints(plan, inventory);
    deps.stdout(options.json ? planJson(plan, rollback) : renderPlan(plan, rollback));
    return blocks(plan.findings) ? EXIT.precheckBlocks : EXIT.ok;
  } catch (err) {
    if (err instanceof InvalidInput || err instanceof PlanError) return invalid(err.problems);
    deps.stderr(`cannot plan: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failure;
  }
}
