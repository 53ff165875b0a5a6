/**
 * Removing the old revision, the step that cannot be undone. Right before it, the cluster is
 * asked again what still uses the revision (pods, gateways included, namespace labels, tags):
 * anything at all stops the step at a gate that names it. Sail removes an unused revision by
 * itself after its grace period, so for Sail the step only waits for that to happen.
 */
import { sleep } from '@temporalio/workflow';
import type { RemoveOldRevisionStep } from '../../core/plan/steps.js';
import { cluster, waits } from '../activities.js';
import { fail } from '../failures.js';
import { istiodRelease } from './control-plane.js';
import type { StepContext } from './context.js';

/** How often to ask whether Sail has deleted the revision, and for how long before a human must look. */
const SAIL_POLL_MS = 15_000;
const SAIL_MARGIN_MS = 10 * 60_000;

async function stillUsed(step: RemoveOldRevisionStep, context: StepContext): Promise<void> {
  const users = await cluster(`who still uses revision ${step.revision}`).revisionUsers({ revision: step.revision });
  context.board.setBlockers(users.users);
  if (users.count > 0) {
    const more = users.count > users.users.length ? ` and ${users.count - users.users.length} more` : '';
    throw fail('RevisionInUse', `revision ${step.revision} is still used by ${users.users.join(', ')}${more}: it stays until they move (retry re-checks, skip keeps it)`, users);
  }
}

export async function removeOldRevision(step: RemoveOldRevisionStep, context: StepContext): Promise<string> {
  if (step.method === 'sail') return waitForSail(step, context);
  await stillUsed(step, context);
  switch (step.method) {
    case 'istioctl': {
      const change = await waits(`istioctl uninstall --revision ${step.revision}`).istioctlUninstallRevision({ version: context.plan.target, revision: step.revision, namespace: step.namespace });
      return change.changed ? `revision ${step.revision} uninstalled` : `revision ${step.revision} was already gone`;
    }
    case 'helm': {
      const change = await waits(`helm uninstall ${istiodRelease(step.revision)}`).helmUninstall({ version: step.version, release: istiodRelease(step.revision), namespace: step.namespace });
      return change.changed ? `release ${istiodRelease(step.revision)} uninstalled` : `release ${istiodRelease(step.revision)} was already gone`;
    }
  }
}

async function waitForSail(step: RemoveOldRevisionStep, context: StepContext): Promise<string> {
  const grace = context.inventory.sail?.istio?.inactiveRevisionDeletionGracePeriodSeconds ?? 30;
  const deadline = Date.now() + grace * 1000 + SAIL_MARGIN_MS;
  for (;;) {
    const revisions = await cluster(`is IstioRevision ${step.revision} gone`).listIstioRevisions();
    const old = revisions.find((revision) => revision.name === step.revision);
    if (old === undefined) {
      context.board.setBlockers([]);
      return `Sail deleted revision ${step.revision}`;
    }
    if (Date.now() >= deadline) {
      await stillUsed(step, context);
      throw fail('RevisionInUse', `Sail has not deleted revision ${step.revision} ${Math.round((Date.now() - deadline) / 1000) + SAIL_MARGIN_MS / 1000}s after its grace period${old.inUse ? ': Sail reports it in use' : ''}`);
    }
    await sleep(SAIL_POLL_MS, { summary: `wait for Sail to delete ${step.revision}` });
  }
}
