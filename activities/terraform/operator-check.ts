/**
 * The CLI's `plan` and `start` check a Terraform owner's root module on the operator's machine, as
 * the worker's tool check does on its own before the first write: the directory exists and
 * declares the version variable, each problem named by its spec field (exit 2).
 */
import type { SpecProblem } from '../../core/spec/parse.js';
import type { Spec } from '../../core/spec/schema.js';
import { settingsProblem } from './working-directory.js';

export function terraformSettingsProblems(spec: Spec): SpecProblem[] {
  const settings = spec.install.terraform;
  if (spec.install.owner !== 'terraform' || settings === undefined) return [];
  const problem = settingsProblem(settings, 'on this machine');
  return problem === null ? [] : [{ path: problem.field, message: problem.message }];
}
