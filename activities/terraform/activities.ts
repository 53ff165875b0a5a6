/**
 * Terraform adapters for Helm releases a Terraform root module owns. Per hop: `terraform plan`
 * with the version variable at the hop's version, saved to a worker-side file and summarised for
 * the gate (terraformPlan); after approval, exactly that saved file applied, checked by its hash
 * (terraformApply). Nothing is ever re-planned silently: a saved plan that is missing, changed or
 * stale fails, naming it.
 *
 * Every call runs with `-chdir` on the user's directory, `-input=false`, a lock timeout, and
 * TF_DATA_DIR in the worker's own folder; a state lock held by another run fails as StateLocked
 * with the lock's ID, holder and time. Retries are safe: the plan is only a file, and an apply
 * whose earlier attempt already went through is recognised (its mark, or a fresh plan with
 * nothing left to change) and not run twice.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ApplicationFailure } from '@temporalio/common';
import { activityFailure } from '../failure.js';
import { redact, tail } from '../redact.js';
import type { ToolsConfig } from '../tools/config.js';
import { resolveTerraform } from '../tools/resolve.js';
import { runTool, type RunResult } from '../tools/run.js';
import { dataDir, isOwnPlanFile, planFilePath, scratchPlanPath, sha256Of } from './plan-files.js';
import { describeChanges, summarizePlan, type PlannedResource } from './plan-summary.js';
import { stateLockOf } from './state-lock.js';
import { settingsProblem, type TerraformSettings } from './working-directory.js';

export interface TerraformPlanInput extends TerraformSettings {
  /** The Istio version of the hop, given as `-var <versionVariable>=<version>`. */
  version: string;
  /** Names the upgrade (workflow id and first run) and the step's try, for the saved plan's file. */
  upgradeKey: string;
  stepKey: string;
  /** The hop's Helm releases, `namespace/name`: the only resources its plan may change. */
  releases: string[];
  /** How long to wait for a state lock another run holds before failing with StateLocked. */
  lockTimeoutSeconds: number;
}

export interface TerraformPlanResult {
  /** The worker-side saved plan; null when the plan changes nothing (the hop is already applied). */
  planFile: string | null;
  /** sha256 of the saved plan file, checked before it is applied. */
  sha256: string | null;
  changes: PlannedResource[];
  /** `helm_release.istiod update: istio-system/istiod istiod 1.26.4 → 1.27.3`, one per change. */
  summary: string[];
}

export interface TerraformApplyInput extends TerraformSettings {
  version: string;
  planFile: string;
  sha256: string;
  lockTimeoutSeconds: number;
}

export interface TerraformApplyResult {
  /** False when an earlier attempt of this apply already went through. */
  applied: boolean;
  /** Terraform's closing line ("Apply complete! Resources: 0 added, 2 changed, 0 destroyed."), or why nothing ran. */
  outcome: string;
}

const VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** Terraform's diagnostic box taken off, so a failure's message is its words. */
const plain = (stderr: string): string =>
  stderr
    .split('\n')
    .map((line) => line.replace(/^[│╷╵]\s?/, ''))
    .filter((line) => line.trim() !== '')
    .join('\n');

function validate(input: TerraformPlanInput | TerraformApplyInput): void {
  const bad = (field: string, why: string) =>
    activityFailure('Validation', `terraform: ${field}: ${why}`, { details: { field } });
  if (typeof input.workingDirectory !== 'string' || input.workingDirectory === '')
    throw bad('install.terraform.workingDirectory', 'expected a directory');
  if (typeof input.versionVariable !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(input.versionVariable))
    throw bad('install.terraform.versionVariable', 'expected a Terraform variable name');
  if (typeof input.version !== 'string' || !VERSION.test(input.version))
    throw bad('version', 'expected an Istio version');
  if (!Number.isInteger(input.lockTimeoutSeconds) || input.lockTimeoutSeconds < 0)
    throw bad('lockTimeoutSeconds', 'expected a whole number of seconds');
}

export function createTerraformActivities(tools: ToolsConfig) {
  const run = (settings: TerraformSettings, args: readonly string[], timeoutMs: number): Promise<RunResult> =>
    runTool(
      resolveTerraform(tools),
      [`-chdir=${settings.workingDirectory}`, ...args],
      // TF_DATA_DIR keeps `init`'s providers and backend settings out of the user's directory.
      {
        ...tools,
        env: { ...tools.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', TF_DATA_DIR: dataDir(settings.workingDirectory) },
      },
      { timeoutMs, okExitCodes: [1, 2] },
    );

  /** A non-zero exit that is not an answer: the lock (StateLocked, final) or Terraform's own error. */
  function failure(what: string, result: RunResult): ApplicationFailure {
    const lock = stateLockOf(result.stderr);
    if (lock !== null)
      return activityFailure(
        'StateLocked',
        `${what}: the Terraform state is locked by ${lock.who || 'another run'} since ${lock.created || 'an unknown time'} (lock ID ${lock.id || '?'}, ${lock.operation || 'an operation'} on ${lock.path || 'the state'}): nothing was changed; once that run is finished (or the lock is released with terraform force-unlock ${lock.id || '<ID>'}), retry the step`,
        { details: { lock } },
      );
    const said = tail(redact(plain(result.stderr)), 1500);
    return activityFailure('CommandFailed', `${what}: exit ${result.exitCode}: ${said}`, {
      details: { exitCode: result.exitCode },
    });
  }

  function requireSettings(input: TerraformSettings): void {
    const problem = settingsProblem(input, 'on the worker');
    if (problem !== null)
      throw activityFailure('Validation', `${problem.field}: ${problem.message}`, {
        details: { field: problem.field },
      });
  }

  async function init(input: TerraformSettings): Promise<void> {
    // -lockfile=readonly: the dependency lock file is the user's to change, never the runbook's.
    const result = await run(input, ['init', '-input=false', '-no-color', '-lockfile=readonly'], 10 * 60_000);
    if (result.exitCode !== 0) throw failure('terraform init', result);
  }

  /** `terraform plan` to `out`; returns whether it changes anything (-detailed-exitcode: 2). */
  async function plan(input: TerraformPlanInput | TerraformApplyInput, out: string): Promise<boolean> {
    const result = await run(
      input,
      [
        'plan',
        '-input=false',
        '-no-color',
        '-detailed-exitcode',
        `-lock-timeout=${input.lockTimeoutSeconds}s`,
        '-var',
        `${input.versionVariable}=${input.version}`,
        '-out',
        out,
      ],
      (input.lockTimeoutSeconds + 10 * 60) * 1000,
    );
    if (result.exitCode === 1) throw failure(`terraform plan with ${input.versionVariable}=${input.version}`, result);
    return result.exitCode === 2;
  }

  return {
    terraformPlan: async (input: TerraformPlanInput): Promise<TerraformPlanResult> => {
      validate(input);
      requireSettings(input);
      await init(input);
      const planFile = planFilePath(input.upgradeKey, input.stepKey);
      const changes = await plan(input, planFile);
      const shown = await run(input, ['show', '-json', '-no-color', planFile], 5 * 60_000);
      if (shown.exitCode !== 0) throw failure('terraform show -json', shown);
      let json: unknown;
      try {
        json = JSON.parse(shown.stdout);
      } catch {
        throw activityFailure('CommandFailed', 'terraform show -json: output is not JSON');
      }
      const summary = summarizePlan(json, input.releases);
      if (summary.unplanned.length > 0) {
        // Never left where an apply could pick it up.
        rmSync(planFile, { force: true });
        throw activityFailure(
          'UnplannedChange',
          `terraform plan with ${input.versionVariable}=${input.version} would change more than the hop's Helm releases: ${summary.unplanned.join('; ')}. Nothing was applied; change the Terraform configuration so the hop moves only ${input.releases.join(', ')}, then retry the step`,
          { details: { unplanned: summary.unplanned, changes: describeChanges(summary.changes) } },
        );
      }
      if (!changes || summary.changes.length === 0) {
        rmSync(planFile, { force: true });
        return { planFile: null, sha256: null, changes: [], summary: [] };
      }
      return {
        planFile,
        sha256: sha256Of(planFile),
        changes: summary.changes,
        summary: describeChanges(summary.changes),
      };
    },

    terraformApply: async (input: TerraformApplyInput): Promise<TerraformApplyResult> => {
      validate(input);
      requireSettings(input);
      if (!isOwnPlanFile(input.planFile))
        throw activityFailure('Validation', `terraform apply: ${input.planFile} is not a plan this worker saved`, {
          details: { field: 'planFile' },
        });
      const mark = `${input.planFile}.applied`;
      if (existsSync(mark) && readFileSync(mark, 'utf8') === input.sha256)
        return { applied: false, outcome: 'this saved plan was already applied by an earlier attempt' };
      if (!existsSync(input.planFile))
        throw activityFailure(
          'NotFound',
          `terraform apply: the saved plan ${input.planFile} is gone (a worker on another machine, or its temp folder cleaned): nothing was applied, and it is never re-planned silently; retry the step to plan and show it again`,
          { details: { planFile: input.planFile } },
        );
      const found = sha256Of(input.planFile);
      if (found !== input.sha256)
        throw activityFailure(
          'Validation',
          `terraform apply: the saved plan ${input.planFile} changed since it was shown at the gate (sha256 ${found.slice(0, 12)}…, shown ${input.sha256.slice(0, 12)}…): nothing was applied; retry the step to plan and show it again`,
          { details: { planFile: input.planFile } },
        );
      const result = await run(
        input,
        ['apply', '-input=false', '-no-color', `-lock-timeout=${input.lockTimeoutSeconds}s`, input.planFile],
        (input.lockTimeoutSeconds + 25 * 60) * 1000,
      );
      if (result.exitCode !== 0) {
        if (!plain(result.stderr).includes('Saved plan is stale'))
          throw failure('terraform apply of the saved plan', result);
        // Stale: the state moved since the plan. If an earlier attempt of this apply moved it, nothing is left to do.
        const scratch = scratchPlanPath(input.planFile);
        try {
          if (!(await plan(input, scratch)))
            return {
              applied: false,
              outcome: `already applied: a fresh plan with ${input.versionVariable}=${input.version} changes nothing`,
            };
        } finally {
          rmSync(scratch, { force: true });
        }
        throw activityFailure(
          'CommandFailed',
          `terraform apply: the saved plan is stale (the state changed after it was shown at the gate) and a fresh plan still has changes: nothing was applied; retry the step to plan and show it again`,
          { details: { planFile: input.planFile } },
        );
      }
      writeFileSync(mark, input.sha256, { mode: 0o600 });
      const complete = result.stdout.split('\n').find((line) => line.startsWith('Apply complete!'));
      return { applied: true, outcome: complete ?? 'applied' };
    },
  };
}
