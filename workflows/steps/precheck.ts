/**
 * The precheck step: the catalog already ran on the inventory the plan rests on (a blocking
 * finding refuses the start unless overridden); here `istioctl x precheck` of the target
 * version adds istioctl's own analysis where istioctl installs. Its errors stop at a gate.
 */
import type { PrecheckStep } from '../../core/plan/steps.js';
import { waits } from '../activities.js';
import { fail } from '../failures.js';
import type { StepContext } from './context.js';

export async function precheck(step: PrecheckStep, context: StepContext): Promise<string> {
  const findings = context.plan.findings.length;
  if (context.spec.install.method !== 'istioctl') return `${findings} catalog finding(s)`;
  const report = await waits(`istioctl x precheck for ${step.targetVersion}`).istioctlPrecheck({ version: step.targetVersion });
  const errors = report.findings.filter((finding) => finding.level === 'Error');
  if (errors.length > 0) throw fail('PrecheckBlocked', `istioctl x precheck: ${errors.map((e) => `${e.code} ${e.message}`).join('; ')}`, report);
  return `${findings} catalog finding(s); istioctl x precheck: ${report.findings.length === 0 ? 'clean' : report.findings.map((f) => `${f.level} ${f.code}`).join(', ')}`;
}
