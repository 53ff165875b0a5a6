/**
 * The tools precheck of `plan`: every istioctl the plan will run is asked its release and helm
 * whether each chart version exists, on this machine (the same variables as the worker:
 * ISTIO_VERSIONS_DIR, ISTIO_TOOLS_PATH, else PATH). A binary that reports another release than
 * the plan needs blocks, as it will on the worker; one that is missing here is only reported,
 * since the worker, which runs the tools, checks its own before the first write.
 */
import { delimiter } from 'node:path';
import { checkPlanTools } from '../../activities/tools/check.js';
import type { ToolsConfig } from '../../activities/tools/config.js';
import type { Plan } from '../../core/plan/steps.js';
import { toolsForPlan, withOwnerTools, type PlanTools } from '../../core/plan/tools.js';
import type { Spec } from '../../core/spec/schema.js';
import { toolFindings, type ToolCheck } from '../../core/prechecks/tool-versions.js';

export type CheckPlanTools = (needs: PlanTools) => Promise<ToolCheck>;

/** Whose tools `plan` checks, as its text says. */
export const OPERATOR_TOOLS = 'istioctl and helm on this machine';

export function operatorToolsConfig(env: NodeJS.ProcessEnv = process.env): ToolsConfig {
  return {
    ...(env.ISTIO_VERSIONS_DIR && { versionsDir: env.ISTIO_VERSIONS_DIR }),
    ...(env.ISTIO_TOOLS_PATH && { searchPath: env.ISTIO_TOOLS_PATH.split(delimiter) }),
    ...(env.TERRAFORM_PATH && { terraformPath: env.TERRAFORM_PATH }),
  };
}

export const checkOperatorTools: CheckPlanTools = (needs) =>
  checkPlanTools(needs, operatorToolsConfig(), OPERATOR_TOOLS);

/** The plan with a blocking finding for each tool of the wrong release, and what was checked; null when the plan runs no tool. */
export async function withToolFindings(
  plan: Plan,
  check: CheckPlanTools | undefined,
  install?: Spec['install'],
): Promise<{ plan: Plan; tools: ToolCheck | null }> {
  // With the spec at hand, the owner's tools too (Terraform's binary and root module).
  const needs = install === undefined ? toolsForPlan(plan) : withOwnerTools(toolsForPlan(plan), plan, install);
  if (check === undefined || (needs.istioctl.length === 0 && needs.charts.length === 0)) return { plan, tools: null };
  const tools = await check(needs);
  const findings = toolFindings(tools, { missingBlocks: false });
  return { plan: findings.length === 0 ? plan : { ...plan, findings: [...plan.findings, ...findings] }, tools };
}
