/**
 * Asks the tools on this machine whether they are the ones a plan needs: each istioctl says its
 * release (`istioctl version --remote=false`, no cluster involved) and helm whether each chart
 * version is in the repository (`helm show chart --version`). The worker runs it before its
 * first write (activity `checkTools`); `plan` runs the same functions with the operator's tools.
 * Nothing here decides: core/prechecks/tool-versions.ts turns the answers into findings.
 *
 * Choosing an istioctl never falls back silently: a binary named for the exact patch is the one,
 * whatever it reports (a mismatch is a finding, not a reason to try the next); one named for the
 * minor is taken only when it reports the exact patch.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { PlanTools } from '../../core/plan/tools.js';
import type { TerraformNeed } from '../../core/plan/tools.js';
import type { ChartCheck, IstioctlCheck, TerraformCheck, ToolCheck } from '../../core/prechecks/tool-versions.js';
import { settingsProblem } from '../terraform/working-directory.js';
import { istioctlMatches } from '../../core/prechecks/tool-versions.js';
import { activityFailure } from '../failure.js';
import type { ToolsConfig } from './config.js';
import { candidates, isExecutable, istioctlCandidates, terraformCandidates } from './resolve.js';
import { runTool } from './run.js';

/** `version --remote=false` answers at once; a binary that hangs is broken, not slow. */
const VERSION_TIMEOUT_MS = 30_000;

/** The release in `istioctl version --remote=false` output: `1.28.3`, `client version: 1.28.3` or a BuildInfo. */
export function parseIstioctlVersion(stdout: string): string | null {
  const buildInfo = /Version:"v?(\d+\.\d+\.\d+[^"]*)"/.exec(stdout);
  if (buildInfo?.[1] !== undefined) return buildInfo[1];
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^(client version:\s*)?v?\d+\.\d+\.\d+/.test(l));
  return line === undefined ? null : (/v?(\d+\.\d+\.\d+\S*)/.exec(line)?.[1] ?? null);
}

async function reportOf(path: string, config: ToolsConfig): Promise<{ reports: string | null; error: string | null }> {
  try {
    const { stdout } = await runTool(path, ['version', '--remote=false'], config, { timeoutMs: VERSION_TIMEOUT_MS });
    const reports = parseIstioctlVersion(stdout);
    return { reports, error: reports === null ? `unrecognised output: ${stdout.slice(0, 120)}` : null };
  } catch (err) {
    if (err instanceof ApplicationFailure) return { reports: null, error: err.message };
    throw err;
  }
}

/** The istioctl that would run for `version`, and what it reports. */
export async function checkIstioctl(
  version: string,
  config: ToolsConfig,
  exists: (path: string) => boolean = isExecutable,
): Promise<IstioctlCheck> {
  const { exact, minor } = istioctlCandidates(version, config);
  const tried = [...exact, ...minor];
  const exactPath = exact.find(exists);
  if (exactPath !== undefined) return { version, path: exactPath, ...(await reportOf(exactPath, config)), tried };
  let first: IstioctlCheck | null = null;
  for (const path of minor.filter(exists)) {
    const check = { version, path, ...(await reportOf(path, config)), tried };
    if (istioctlMatches(check)) return check;
    first ??= check;
  }
  return first ?? { version, path: null, reports: null, error: null, tried: tried.slice(0, 10) };
}

/** Whether helm finds `chart` at `version` in its repositories. */
export async function checkChart(
  helm: string,
  chart: string,
  version: string,
  config: ToolsConfig,
): Promise<ChartCheck> {
  const result = await runTool(helm, ['show', 'chart', chart, '--version', version], config, {
    timeoutMs: 60_000,
    okExitCodes: [1],
  });
  if (result.exitCode === 0) return { chart, version, found: true, detail: null };
  const lastLine = result.stderr.trim().split('\n').pop() ?? '';
  return { chart, version, found: false, detail: lastLine.replace(/^Error:\s*/, '') };
}

/** The terraform (or tofu) that would run and what `terraform version -json` says; the root module read, never written. */
export async function checkTerraform(
  need: TerraformNeed,
  config: ToolsConfig,
  where: string,
  exists: (path: string) => boolean = isExecutable,
): Promise<TerraformCheck> {
  const tried = terraformCandidates(config);
  const path = tried.find(exists) ?? null;
  const problem = settingsProblem(need, `as seen by ${where}`);
  if (path === null)
    return {
      path,
      reports: null,
      error: null,
      tried: tried.slice(0, 10),
      workingDirectory: need.workingDirectory,
      problem,
    };
  let reports: string | null = null;
  let error: string | null = null;
  try {
    const { stdout } = await runTool(path, ['version', '-json'], config, { timeoutMs: VERSION_TIMEOUT_MS });
    const parsed = JSON.parse(stdout) as { terraform_version?: unknown };
    reports = typeof parsed.terraform_version === 'string' ? parsed.terraform_version : null;
    if (reports === null) error = `unrecognised output: ${stdout.slice(0, 120)}`;
  } catch (err) {
    if (!(err instanceof ApplicationFailure) && !(err instanceof SyntaxError)) throw err;
    error = err.message;
  }
  return { path, reports, error, tried: [], workingDirectory: need.workingDirectory, problem };
}

/** Every tool and chart version `needs` lists, as found with `config`; `where` names whose tools they are. */
export async function checkPlanTools(
  needs: PlanTools,
  config: ToolsConfig,
  where: string,
  exists: (path: string) => boolean = isExecutable,
): Promise<ToolCheck> {
  const istioctl: IstioctlCheck[] = [];
  for (const need of needs.istioctl) istioctl.push(await checkIstioctl(need.version, config, exists));
  const helm = needs.charts.length === 0 ? undefined : candidates('helm', undefined, config).find(exists);
  const charts: ChartCheck[] = [];
  for (const need of needs.charts) {
    charts.push(
      helm === undefined
        ? { chart: need.chart, version: need.version, found: null, detail: 'helm: not found on the search path' }
        : await checkChart(helm, need.chart, need.version, config),
    );
  }
  const terraform =
    needs.terraform === undefined ? undefined : await checkTerraform(needs.terraform, config, where, exists);
  return { where, istioctl, helm: helm ?? null, charts, ...(terraform !== undefined && { terraform }) };
}

/**
 * The istioctl to run for `version`, checked: a failure naming the binary, what it reports and
 * the target rather than a control plane installed at another patch. Binaries that matched once
 * are remembered for the worker's life; a mismatch is asked again next time (it may be fixed).
 */
export function verifiedIstioctl(config: ToolsConfig): (version: string) => Promise<string> {
  const verified = new Map<string, string>();
  return async (version) => {
    const known = verified.get(version);
    if (known !== undefined) return known;
    const check = await checkIstioctl(version, config);
    if (check.path === null)
      throw activityFailure(
        'Validation',
        `no istioctl for Istio ${version}: configure a versions folder or put istioctl-${version} on PATH`,
        { details: { tool: 'istioctl', version, tried: check.tried.slice(0, 20) } },
      );
    if (!istioctlMatches(check))
      throw activityFailure(
        'Validation',
        `${check.path} reports ${check.reports ?? `no version (${check.error ?? 'no output'})`}, not ${version}: put istioctl ${version} at istioctl-${version}`,
        { details: { tool: 'istioctl', version, path: check.path, reports: check.reports } },
      );
    verified.set(version, check.path);
    return check.path;
  };
}

export function createToolCheckActivities(tools: ToolsConfig) {
  return {
    /** What the worker's tools are, for the plan's tools (core/plan/tools.ts); findings are made by the workflow. */
    checkTools: (input: { needs: PlanTools }): Promise<ToolCheck> =>
      checkPlanTools(input.needs, tools, "the worker's tools"),
  };
}
