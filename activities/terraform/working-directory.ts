/**
 * Whether a root module can be driven with the spec's settings before anything is written: the
 * directory exists and declares the version variable (`variable "istio_version"` in a `.tf` file,
 * or a `variable` key in a `.tf.json` file). Terraform itself would only fail at the first plan,
 * after the upgrade had started; the CLI asks on the operator's machine and the worker's tool
 * check on its own. It reads the files and never writes to the directory.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface TerraformSettings {
  workingDirectory: string;
  versionVariable: string;
}

export interface SettingsProblem {
  /** The spec field to fix: `install.terraform.workingDirectory` or `install.terraform.versionVariable`. */
  field: string;
  message: string;
}

/** The variables a root module declares, from its `.tf` (HCL, by their `variable "name"` headers) and `.tf.json` files. */
export function declaredVariables(dir: string): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(dir)) {
    const path = join(dir, file);
    if (file.endsWith('.tf.json')) {
      try {
        const parsed = JSON.parse(readFileSync(path, 'utf8')) as { variable?: unknown };
        if (typeof parsed.variable === 'object' && parsed.variable !== null)
          for (const name of Object.keys(parsed.variable)) names.add(name);
      } catch {
        // Terraform reports a broken file itself, at plan; here it only declares nothing.
      }
    } else if (file.endsWith('.tf')) {
      for (const match of readFileSync(path, 'utf8').matchAll(/^\s*variable\s+"?([A-Za-z_][A-Za-z0-9_-]*)"?\s*\{/gm))
        names.add(match[1] ?? '');
    }
  }
  return names;
}

export function settingsProblem(settings: TerraformSettings, where: string): SettingsProblem | null {
  const dir = settings.workingDirectory;
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory)
    return {
      field: 'install.terraform.workingDirectory',
      message: `${dir} is not a directory ${where}: expected the root module that owns the Istio Helm releases`,
    };
  const declared = declaredVariables(dir);
  if (!declared.has(settings.versionVariable))
    return {
      field: 'install.terraform.versionVariable',
      message: `the root module in ${dir} declares no variable "${settings.versionVariable}" (${declared.size === 0 ? 'it declares none' : `it declares ${[...declared].sort().join(', ')}`}): each hop sets it with -var ${settings.versionVariable}=<version>, and Terraform refuses an undeclared one`,
    };
  return null;
}
