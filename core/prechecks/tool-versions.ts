/**
 * Catches the wrong istioctl and a missing Helm chart before the first write. Operators keep one
 * istioctl per minor and download patches at different times, so `istioctl-1.28` is often
 * another 1.28 patch than the hop's target: it would install that patch, the control plane would
 * soak on it, and only the first restarted proxy would show the mismatch. A chart version the
 * repository lacks fails the same way, after the base chart already moved.
 *
 * Unlike the catalog's checks it reads what was found on a machine (the worker's, or the
 * operator's for `plan`), so it runs where the tools are: the activity `checkTools` and `plan`
 * collect a ToolCheck, this turns it into findings.
 */
import type { PlanTools } from '../plan/tools.js';
import type { Finding } from './finding.js';

export const TOOL_VERSIONS_CHECK = 'tool-versions';
export const CHART_VERSIONS_CHECK = 'chart-versions';
export const TERRAFORM_OWNER_CHECK = 'terraform-owner';

export const TOOL_CHECKS = [
  { id: TOOL_VERSIONS_CHECK, title: 'every istioctl the plan runs reports exactly the version it is used for' },
  { id: CHART_VERSIONS_CHECK, title: 'every Helm chart version the plan installs exists in the chart repository' },
] as const;

/** One istioctl the plan needs, as found on a machine. */
export interface IstioctlCheck {
  /** The release it is needed for. */
  version: string;
  /** The binary that would run; null when none was found. */
  path: string | null;
  /** What `istioctl version --remote=false` printed; null when it did not run or said nothing usable. */
  reports: string | null;
  /** Where it looked (first few), for a missing binary. */
  tried: string[];
  /** Why the binary could not tell its version. */
  error: string | null;
}

/** One chart version the plan installs, as helm found it. */
export interface ChartCheck {
  chart: string;
  version: string;
  /** null: not checked (no helm to ask). */
  found: boolean | null;
  detail: string | null;
}

/** The Terraform binary and root module a Terraform-owned plan needs, as found on a machine. */
export interface TerraformCheck {
  /** The binary that would run (TERRAFORM_PATH, else terraform or tofu on the search path); null when none. */
  path: string | null;
  /** What `terraform version -json` reported (`terraform_version`). */
  reports: string | null;
  error: string | null;
  tried: string[];
  workingDirectory: string;
  /** What is wrong with the spec's settings there, naming the field; null when the module declares the variable. */
  problem: { field: string; message: string } | null;
}

export interface ToolCheck {
  /** Whose tools these are, in words: "the worker's tools", "istioctl on this machine". */
  where: string;
  istioctl: IstioctlCheck[];
  /** The helm that answered for the charts; null without charts to check or without helm. */
  helm: string | null;
  charts: ChartCheck[];
  /** Only for plans whose releases Terraform owns. */
  terraform?: TerraformCheck;
}

export interface ToolFindingOptions {
  /**
   * Whether a missing binary blocks. The worker runs the tools, so a missing one blocks there;
   * `plan` on an operator's machine reports it without blocking (the worker's own check does).
   */
  missingBlocks: boolean;
  /**
   * What the tools were checked for (toolsForPlan, toolsForPlanAndRollback): a tool only a
   * rollback would run is named as such, since the upgrade itself would never fail on it.
   */
  needs?: PlanTools;
}

/** The rollback steps that would run a tool only a rollback needs ("rollback:ztunnel@1.26.4, …"), else null. */
function rollbackSteps(need: { steps: string[]; forRollback?: boolean } | undefined): string | null {
  if (need?.forRollback !== true) return null;
  return need.steps.slice(0, 3).join(', ') + (need.steps.length > 3 ? ', …' : '');
}

const UNDO = 'and an upgrade must not start what it cannot undo';

/** `1.28.3` wants exactly 1.28.3; a bare minor (`1.28`) names no patch, so any 1.28 release is it. */
function sameRelease(reports: string, wanted: string): boolean {
  const have = reports.replace(/^v/, '');
  const want = wanted.replace(/^v/, '');
  return have === want || (want.split('.').length === 2 && have.startsWith(`${want}.`));
}

/** Whether a checked istioctl is the one the plan needs. */
export function istioctlMatches(check: IstioctlCheck): boolean {
  return check.path !== null && check.reports !== null && sameRelease(check.reports, check.version);
}

function istioctlFinding(check: IstioctlCheck, where: string, options: ToolFindingOptions): Finding | null {
  if (istioctlMatches(check)) return null;
  const rollback = rollbackSteps(options.needs?.istioctl.find((need) => need.version === check.version));
  if (check.path === null) {
    if (!options.missingBlocks) return null;
    return {
      check: TOOL_VERSIONS_CHECK,
      severity: 'block',
      message:
        rollback === null
          ? `no istioctl for Istio ${check.version} among ${where}: the steps that run it would fail after earlier steps changed the cluster.`
          : `no istioctl for Istio ${check.version} among ${where}: a rollback of this upgrade would run it (${rollback}), ${UNDO}.`,
      evidence: check.tried.map((path) => `${path}: not found`),
      remedy: `Install istioctl ${check.version} as istioctl-${check.version} on the search path (or <versions folder>/${check.version}/istioctl), then start again.`,
    };
  }
  const said = check.reports === null ? `no version (${check.error ?? 'no output'})` : check.reports;
  return {
    check: TOOL_VERSIONS_CHECK,
    severity: 'block',
    message:
      rollback === null
        ? `${check.path} reports ${said}, but the plan needs istioctl ${check.version}: it would install or act as ${check.reports ?? 'an unknown release'} where ${check.version} is the target.`
        : `${check.path} reports ${said}, but a rollback of this upgrade would run istioctl ${check.version} (${rollback}): it would go back to ${check.reports ?? 'an unknown release'} where ${check.version} ran, ${UNDO}.`,
    evidence: [`${check.path} version --remote=false -> ${said}`],
    remedy: `Put istioctl ${check.version} at istioctl-${check.version} on the search path (the exact patch name is preferred over istioctl-<minor>), then start again.`,
  };
}

function chartFinding(check: ChartCheck, tools: ToolCheck, options: ToolFindingOptions): Finding | null {
  if (check.found === true) return null;
  const rollback = rollbackSteps(
    options.needs?.charts.find((need) => need.chart === check.chart && need.version === check.version),
  );
  if (check.found === null) {
    if (!options.missingBlocks) return null;
    return {
      check: CHART_VERSIONS_CHECK,
      severity: 'block',
      message: `no helm among ${tools.where} to install chart ${check.chart} ${check.version}.`,
      evidence: [check.detail ?? 'helm: not found'],
      remedy: 'Install helm on the search path of the worker, then start again.',
    };
  }
  const helm = tools.helm;
  return {
    check: CHART_VERSIONS_CHECK,
    severity: 'block',
    message:
      rollback === null
        ? `chart ${check.chart} version ${check.version} is not in the configured repository: helm would fail at that step, after earlier releases were upgraded.`
        : `chart ${check.chart} version ${check.version} is not in the configured repository: a rollback of this upgrade would install it (${rollback}), ${UNDO}.`,
    evidence: [
      `${helm ?? 'helm'} show chart ${check.chart} --version ${check.version} -> ${check.detail ?? 'not found'}`,
    ],
    remedy: `Run helm repo update (or add the chart version to the chart folder), then plan again.`,
  };
}

function terraformFinding(check: TerraformCheck, where: string, options: ToolFindingOptions): Finding | null {
  if (check.problem !== null)
    return {
      check: TERRAFORM_OWNER_CHECK,
      severity: 'block',
      message: `${check.problem.field}: ${check.problem.message}.`,
      evidence: [`read ${check.workingDirectory} among ${where}`],
      remedy: `Fix ${check.problem.field} in the spec (or the root module), then start again.`,
    };
  if (check.path !== null && check.reports !== null) return null;
  if (check.path === null && !options.missingBlocks) return null;
  return {
    check: TERRAFORM_OWNER_CHECK,
    severity: 'block',
    message:
      check.path === null
        ? `no terraform or tofu among ${where}: every hop plans and applies the releases with it.`
        : `${check.path} did not say its version (${check.error ?? 'no output'}): it cannot be trusted to plan and apply the releases.`,
    evidence: check.path === null ? check.tried.map((path) => `${path}: not found`) : [`${check.path} version -json`],
    remedy: 'Install terraform or tofu on the search path, or set TERRAFORM_PATH, then start again.',
  };
}

/** Blocking findings for every tool that is missing or reports another release than the plan needs. */
export function toolFindings(check: ToolCheck, options: ToolFindingOptions): Finding[] {
  return [
    ...check.istioctl.map((c) => istioctlFinding(c, check.where, options)),
    ...check.charts.map((c) => chartFinding(c, check, options)),
    ...(check.terraform === undefined ? [] : [terraformFinding(check.terraform, check.where, options)]),
  ].filter((finding): finding is Finding => finding !== null);
}

/** One line per tool checked, as `plan` and the workflow's precheck note print them. */
export function describeToolCheck(check: ToolCheck): string[] {
  const lines = check.istioctl.map((c) => {
    if (c.path === null) return `istioctl ${c.version}: not found`;
    const said = c.reports ?? `no version (${c.error ?? 'no output'})`;
    return `istioctl ${c.version}: ${c.path} reports ${said}${istioctlMatches(c) ? '' : ' (MISMATCH)'}`;
  });
  for (const c of check.charts) {
    const state = c.found === null ? 'not checked (no helm)' : c.found ? 'found' : `NOT FOUND (${c.detail ?? ''})`;
    lines.push(`chart ${c.chart} ${c.version}: ${state}`);
  }
  const tf = check.terraform;
  if (tf !== undefined) {
    const binary =
      tf.path === null ? 'not found' : `${tf.path} reports ${tf.reports ?? `no version (${tf.error ?? 'no output'})`}`;
    lines.push(
      `terraform: ${binary}; root module ${tf.workingDirectory}: ${tf.problem === null ? 'declares the version variable' : `${tf.problem.field}: ${tf.problem.message}`}`,
    );
  }
  return lines;
}
