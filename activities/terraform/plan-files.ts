/**
 * Where the worker keeps Terraform's own files, outside the user's root module: saved plans per
 * upgrade (keyed by the upgrade and the step, so a retried step finds its own and no other
 * upgrade's) and the data directory `terraform init` fills (TF_DATA_DIR, per root module). The
 * folders are private to the worker's user: a saved plan holds every variable's value.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');

export const terraformRoot = (): string => join(tmpdir(), 'istio-upgrade-terraform');

function privateDir(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return path;
}

/** The saved plan of one try of one step of one upgrade. */
export function planFilePath(upgradeKey: string, stepKey: string): string {
  const dir = privateDir(join(terraformRoot(), 'plans', digest(upgradeKey).slice(0, 32)));
  return join(dir, `${stepKey.replace(/[^A-Za-z0-9._-]/g, '_')}.tfplan`);
}

/** A scratch plan for checking whether anything is left to apply; never applied. */
export function scratchPlanPath(planFile: string): string {
  return `${planFile}.check`;
}

/** TF_DATA_DIR for a root module: providers and backend settings `init` writes, kept out of the user's folder. */
export function dataDir(workingDirectory: string): string {
  return privateDir(join(terraformRoot(), 'data', digest(resolve(workingDirectory)).slice(0, 32)));
}

/** Whether `path` is a saved plan this worker wrote (an apply takes no other file). */
export function isOwnPlanFile(path: string): boolean {
  const rel = relative(join(terraformRoot(), 'plans'), resolve(path));
  return rel !== '' && !rel.startsWith('..') && rel.split(sep).length === 2 && rel.endsWith('.tfplan');
}

export function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
