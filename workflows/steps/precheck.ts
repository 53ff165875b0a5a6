/**
 * The precheck step: the catalog already ran on the inventory the plan rests on (a blocking
 * finding refuses the start unless overridden); here the installer adds its own analysis of the
 * target version (`istioctl x precheck` where istioctl installs). Its errors stop at a gate.
 */
import type { PrecheckStep } from '../../core/plan/steps.js';
import type { Installer } from '../installers/installer.js';
import type { StepContext } from './context.js';

export async function precheck(step: PrecheckStep, context: StepContext, installer: Installer): Promise<string> {
  const findings = `${context.plan.findings.length} catalog finding(s)`;
  const analysis = await installer.analyze(step, context);
  return analysis === null ? findings : `${findings}; ${analysis}`;
}
