/**
 * The saved plan. Real plan files are zip archives nobody reads but Terraform; the stand-in's is
 * JSON, equally opaque to its callers, who read it only through `terraform show -json`. It
 * records the state it was made against (lineage and serial), so an apply after anything else
 * wrote the state is refused as stale, as Terraform refuses it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { TerraformError } from './errors.js';
import type { PlannedChange } from './changes.js';

export const PLAN_FORMAT = 'terraform-stand-in-plan/1';

export interface SavedPlan {
  format: typeof PLAN_FORMAT;
  terraform_version: string;
  /** The root module's directory the plan belongs to. */
  dir: string;
  lineage: string;
  serial: number;
  variables: Record<string, { value: unknown }>;
  sensitiveVariables: string[];
  kube: { configPath?: string; configContext?: string };
  changes: PlannedChange[];
}

export function writePlan(path: string, plan: SavedPlan): void {
  writeFileSync(path, JSON.stringify(plan));
}

export function readPlan(path: string): SavedPlan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new TerraformError('Failed to load "' + path + '" as a plan file', `stat ${path}: no such file or directory`);
  }
  try {
    const plan = JSON.parse(text) as SavedPlan;
    if (plan.format === PLAN_FORMAT) return plan;
  } catch {
    // Falls through to Terraform's own wording.
  }
  throw new TerraformError(
    `Failed to load "${path}" as a plan file`,
    'Error: the given plan file is not a valid Terraform plan (zip: not a valid zip file)',
  );
}
