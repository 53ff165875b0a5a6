/**
 * After an install step, before the next step (and before any soak): read back what it produced.
 * istiod and the node agents must run the step's version and be available, Helm releases must
 * be `deployed` at its chart version. The checks are the plan's (core/plan/verification.ts), so
 * `plan` printed exactly what runs here. A mismatch fails the step with both versions named.
 */
import type { Step } from '../../core/plan/steps.js';
import { cluster, waits } from '../activities.js';
import { workflowFailure } from '../failures.js';
import type { StepContext } from './context.js';

export async function checkInstalled(step: Step, context: StepContext): Promise<string> {
  const verification = context.plan.verifications?.[step.id];
  if (verification === undefined) return '';
  const { version } = verification;
  const checked: string[] = [];
  const wrong: string[] = [];
  if (verification.releases.length > 0) {
    const releases = await waits(`check Helm releases are deployed at ${version}`).helmVerifyReleases({
      version,
      releases: verification.releases,
    });
    checked.push(...releases.checked);
    wrong.push(...releases.wrong);
  }
  if (verification.workloads.length > 0) {
    const workloads = await cluster(
      `check ${verification.workloads.map((w) => w.label).join(', ')} run ${version}`,
    ).verifyWorkloads({ version, workloads: verification.workloads });
    checked.push(...workloads.checked);
    wrong.push(...workloads.wrong);
  }
  if (wrong.length > 0) throw workflowFailure('VersionMismatch', `${step.id}: ${wrong.join('; ')}`, { wrong, checked });
  return checked.length > 0 ? `; checked: ${checked.join('; ')}` : '';
}
