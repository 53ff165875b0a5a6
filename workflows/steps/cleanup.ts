/**
 * Removing the old revision, the step that cannot be undone. Right before it, the cluster is
 * asked again what still uses the revision (pods, gateways included, namespace labels, tags):
 * anything at all stops the step at a gate that names it. The installer decides when to ask:
 * Sail removes an unused revision by itself after its grace period, so it asks only when Sail
 * has not done so in time.
 */
import type { RemoveOldRevisionStep } from '../../core/plan/steps.js';
import { cluster } from '../activities.js';
import { workflowFailure } from '../failures.js';
import type { Installer } from '../installers/installer.js';
import { analyzeStep } from '../analysis.js';
import type { StepContext } from './context.js';

async function stillUsed(step: RemoveOldRevisionStep, context: StepContext): Promise<void> {
  const users = await cluster(`who still uses revision ${step.revision}`).revisionUsers({ revision: step.revision });
  context.board.setBlockers(users.users);
  if (users.count > 0) {
    const more = users.count > users.users.length ? ` and ${users.count - users.users.length} more` : '';
    throw workflowFailure(
      'RevisionInUse',
      `revision ${step.revision} is still used by ${users.users.join(', ')}${more}: it stays until they move (retry re-checks, skip keeps it)`,
      users,
    );
  }
}

export async function removeOldRevision(
  step: RemoveOldRevisionStep,
  context: StepContext,
  installer: Installer,
): Promise<string> {
  // The last look at the mesh's signals while the old revision could still take traffic back.
  const analysis = await analyzeStep(step.id, context);
  return (await installer.removeRevision(step, context, () => stillUsed(step, context))) + analysis;
}
