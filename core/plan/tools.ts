/**
 * The command-line tools a plan will run, derived from its steps alone, so the worker (before
 * its first write) and `plan` (on the operator's machine) check the same list. istioctl must be
 * the exact patch of the control plane it acts for: an `istioctl-1.28` that is 1.28.0 installs
 * 1.28.0 for a 1.28.3 upgrade, and nothing notices until a restarted proxy is on the wrong patch.
 * Helm is version-agnostic, but each chart version it installs must exist where it looks.
 *
 * What each installer runs (workflows/installers/): istioctl installs, upgrades, prechecks
 * (`x precheck`), moves tags and uninstalls with the istioctl of the step's version (tags and
 * uninstall with the plan's target), and in ambient installs istio-cni and ztunnel in their own
 * steps; Helm installs charts and moves tags with `istioctl tag set` of the target; Sail runs no
 * tool. A rollback plan is a plan too: its target is the version it goes back to. When Terraform
 * owns the releases, one terraform (or tofu) binary plans and applies each hop, in the spec's
 * root module, which must declare the version variable (withOwnerTools).
 */
import type { Inventory } from '../inventory.js';
import type { Spec } from '../spec/schema.js';
import { predictInventory } from './rollback-points.js';
import { planRollback } from './rollback.js';
import { isOwnable } from './steps.js';
import type { Plan, Step } from './steps.js';

/** The charts the Helm installer installs, by the step that installs them. */
export const HELM_CHARTS = {
  base: 'istio/base',
  istiod: 'istio/istiod',
  cni: 'istio/cni',
  ztunnel: 'istio/ztunnel',
} as const;

export interface IstioctlNeed {
  /** The exact release the binary must report (`istioctl version --remote=false`). */
  version: string;
  /** The step ids that run it, in plan order. */
  steps: string[];
  /** Only a rollback of the plan would run it (toolsForRollback): the upgrade itself does not. */
  forRollback?: boolean;
}

export interface ChartNeed {
  chart: string;
  version: string;
  steps: string[];
  forRollback?: boolean;
}

/** The Terraform root module a plan changes, and the versions it sets its version variable to. */
export interface TerraformNeed {
  workingDirectory: string;
  versionVariable: string;
  /** Each hop's version, in plan order. */
  versions: string[];
  /** The steps that plan and apply it. */
  steps: string[];
}

export interface PlanTools {
  istioctl: IstioctlNeed[];
  charts: ChartNeed[];
  /** Present when Terraform owns the releases (install.owner terraform). */
  terraform?: TerraformNeed;
}

interface Use {
  istioctl?: string;
  chart?: { chart: string; version: string };
}

function usesOf(step: Step, plan: Plan): Use[] {
  switch (step.kind) {
    case 'precheck':
      return plan.method === 'istioctl' ? [{ istioctl: step.targetVersion }] : [];
    case 'upgrade-base':
      return [{ chart: { chart: HELM_CHARTS.base, version: step.version } }];
    case 'install-revision':
    case 'upgrade-control-plane':
      if (step.method === 'istioctl') return [{ istioctl: step.version }];
      return step.method === 'helm' ? [{ chart: { chart: HELM_CHARTS.istiod, version: step.version } }] : [];
    case 'upgrade-cni':
      if (step.method === 'istioctl') return plan.mode === 'ambient' ? [{ istioctl: step.version }] : [];
      return step.method === 'helm' ? [{ chart: { chart: HELM_CHARTS.cni, version: step.version } }] : [];
    case 'upgrade-ztunnel':
      if (step.method === 'istioctl') return [{ istioctl: step.version }];
      return step.method === 'helm' ? [{ chart: { chart: HELM_CHARTS.ztunnel, version: step.version } }] : [];
    case 'move-tag':
      return step.method === 'sail' ? [] : [{ istioctl: plan.target }];
    case 'remove-old-revision':
      return step.method === 'istioctl' ? [{ istioctl: plan.target }] : [];
    case 'gate':
    case 'switch-gateways':
    case 'move-namespace':
    case 'restart-workload':
    case 'test-workload':
    case 'verify-proxies':
    case 'soak':
      return [];
  }
}

/** Every istioctl release and Helm chart version the plan runs, each once, in the order first used. */
export function toolsForPlan(plan: Plan): PlanTools {
  const istioctl = new Map<string, IstioctlNeed>();
  const charts = new Map<string, ChartNeed>();
  for (const step of plan.steps) {
    for (const use of usesOf(step, plan)) {
      if (use.istioctl !== undefined) {
        const version = use.istioctl.replace(/^v/, '');
        const need = istioctl.get(version) ?? { version, steps: [] };
        need.steps.push(step.id);
        istioctl.set(version, need);
      }
      if (use.chart !== undefined) {
        const version = use.chart.version.replace(/^v/, '');
        const key = `${use.chart.chart}@${version}`;
        const need = charts.get(key) ?? { chart: use.chart.chart, version, steps: [] };
        need.steps.push(step.id);
        charts.set(key, need);
      }
    }
  }
  return { istioctl: [...istioctl.values()], charts: [...charts.values()] };
}

/** Steps whose undo runs a tool: the points where what a rollback needs can change. */
const UNDONE_WITH_A_TOOL = new Set<Step['kind']>([
  'upgrade-base',
  'install-revision',
  'upgrade-control-plane',
  'upgrade-cni',
  'upgrade-ztunnel',
  'move-tag',
]);

function mergeNeeds<T extends { steps: string[]; forRollback?: boolean }>(
  into: readonly T[],
  from: readonly T[],
  key: (need: T) => string,
): T[] {
  const needs = new Map(into.map((need) => [key(need), { ...need, steps: [...need.steps] }]));
  for (const need of from) {
    const known = needs.get(key(need));
    if (known === undefined) {
      needs.set(key(need), { ...need, steps: [...need.steps] });
      continue;
    }
    known.steps.push(...need.steps.filter((id) => !known.steps.includes(id)));
    if (known.forRollback === true && need.forRollback !== true) delete known.forRollback;
  }
  return [...needs.values()];
}

function merge(into: PlanTools, from: PlanTools): PlanTools {
  return {
    istioctl: mergeNeeds(into.istioctl, from.istioctl, (need) => need.version),
    charts: mergeNeeds(into.charts, from.charts, (need) => `${need.chart}@${need.version}`),
  };
}

/**
 * What a rollback of `plan` would run, wherever the upgrade stops before the old revision is
 * removed (after that there is no rollback): the tools of `planRollback` of each such prefix,
 * against the inventory that prefix would leave, the same plan the workflow would run there.
 * Step ids are the rollback's (`rollback:…`). The going back runs the source version's istioctl
 * (a canary's tags move back with it, even with Helm) and charts, which the upgrade itself never
 * needs: checked only for the upgrade, a missing one shows only when the rollback is under way.
 */
export function toolsForRollback(plan: Plan, inventory: Inventory): PlanTools {
  const removal = plan.steps.findIndex((step) => step.kind === 'remove-old-revision');
  const end = removal === -1 ? plan.steps.length : removal;
  let tools: PlanTools = { istioctl: [], charts: [] };
  plan.steps.slice(0, end).forEach((step, index) => {
    if (!UNDONE_WITH_A_TOOL.has(step.kind)) return;
    const done = plan.steps.slice(0, index + 1);
    const back = toolsForPlan(planRollback({ ...plan, steps: done }, predictInventory(inventory, done)));
    tools = merge(tools, {
      istioctl: back.istioctl.map((need) => ({ ...need, forRollback: true })),
      charts: back.charts.map((need) => ({ ...need, forRollback: true })),
    });
  });
  return tools;
}

/** The upgrade's tools and its rollback's: an upgrade must not start what it cannot undo. */
export function toolsForPlanAndRollback(plan: Plan, inventory: Inventory): PlanTools {
  return merge(toolsForPlan(plan), toolsForRollback(plan, inventory));
}

/**
 * `needs` with what the owner of the releases runs: for Terraform, the binary (`terraform version
 * -json`) and the root module with its version variable, checked where the tools are before the
 * first write. The owner's settings live in the spec, not the plan, hence the second argument.
 */
export function withOwnerTools(needs: PlanTools, plan: Plan, install: Spec['install']): PlanTools {
  if (plan.owner !== 'terraform' || install.terraform === undefined) return needs;
  const versions: string[] = [];
  const steps: string[] = [];
  for (const step of plan.steps) {
    if (!isOwnable(step) || step.appliedBy?.applies !== true) continue;
    steps.push(step.id);
    if (!versions.includes(step.version)) versions.push(step.version);
  }
  return {
    ...needs,
    terraform: {
      workingDirectory: install.terraform.workingDirectory,
      versionVariable: install.terraform.versionVariable,
      versions,
      steps,
    },
  };
}
