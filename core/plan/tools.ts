/**
 * The command-line tools a plan will run, derived from its steps alone, so the worker (before
 * its first write) and `plan` (on the operator's machine) check the same list. istioctl must be
 * the exact patch of the control plane it acts for: an `istioctl-1.28` that is 1.28.0 installs
 * 1.28.0 for a 1.28.3 upgrade, and nothing notices until a restarted proxy is on the wrong patch.
 * Helm is version-agnostic, but each chart version it installs must exist where it looks.
 *
 * What each installer runs (workflows/installers/): istioctl installs, upgrades, prechecks
 * (`x precheck`), moves tags and uninstalls with the istioctl of the step's version (tags and
 * uninstall with the plan's target); Helm installs charts and moves tags with `istioctl tag set`
 * of the target; Sail runs no tool.
 */
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
}

export interface ChartNeed {
  chart: string;
  version: string;
  steps: string[];
}

export interface PlanTools {
  istioctl: IstioctlNeed[];
  charts: ChartNeed[];
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
      return step.method === 'helm' ? [{ chart: { chart: HELM_CHARTS.cni, version: step.version } }] : [];
    case 'upgrade-ztunnel':
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
