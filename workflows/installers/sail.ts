/**
 * Sail operator: the runbook sets versions on its resources (`Istio`, `IstioCNI`, `ZTunnel`) and
 * waits for their Ready condition; Sail does the installing. Under RevisionBased, setting
 * `Istio.spec.version` is what installs the new revision, and Sail deletes an unused revision by
 * itself after its grace period, so removal only waits for that.
 */
import { sleep } from '@temporalio/workflow';
import type {
  InstallRevisionStep,
  MoveTagStep,
  RemoveOldRevisionStep,
  UpgradeControlPlaneStep,
} from '../../core/plan/steps.js';
import { cluster, waits } from '../activities.js';
import { workflowFailure } from '../failures.js';
import type { StepContext } from '../steps/context.js';
import type { Installer } from './installer.js';

/** How often to ask whether Sail has deleted the revision, and for how long before a human must look. */
const POLL_MS = 15_000;
const MARGIN_MS = 10 * 60_000;

const sailVersion = (version: string) => `v${version.replace(/^v/, '')}`;

async function istio(step: InstallRevisionStep | UpgradeControlPlaneStep, context: StepContext): Promise<string> {
  const name = step.sailIstioName ?? context.spec.install.sailIstioName;
  const patch = await cluster(`set Istio ${name} to ${step.version}`).patchSailResource({
    kind: 'Istio',
    name,
    version: sailVersion(step.version),
  });
  await waits(`wait for Istio ${name} ${step.version} to be ready`).waitSailReady({
    kind: 'Istio',
    name,
    minGeneration: patch.generation,
  });
  return `Sail reports Istio ready at ${step.version}`;
}

export const sail: Installer = {
  recreatesRemovedRevision: true,

  analyze: () => Promise.resolve(null),

  installRevision: istio,

  upgradeControlPlane: istio,

  async upgradeNodeAgent(step, found) {
    const kind = step.kind === 'upgrade-cni' ? 'IstioCNI' : 'ZTunnel';
    const patch = await cluster(`set ${kind} to ${step.version}`).patchSailResource({
      kind,
      version: sailVersion(step.version),
    });
    await waits(`wait for ${kind} ${step.version}`).waitSailReady({ kind, minGeneration: patch.generation });
    return found;
  },

  async moveTag(step: MoveTagStep, context: StepContext): Promise<string> {
    // An upgrade points the tag at the Istio resource, so it follows the active revision from now on;
    // a rollback pins it back to the revision it came from.
    const targetRef =
      step.sailTargetRef ??
      (context.plan.kind === 'upgrade'
        ? { kind: 'Istio' as const, name: context.spec.install.sailIstioName }
        : { kind: 'IstioRevision' as const, name: step.toRevision });
    const change = await cluster(
      `point IstioRevisionTag ${step.tag} at ${targetRef.kind} ${targetRef.name}`,
    ).setSailRevisionTag({ name: step.tag, targetRef });
    return change.changed
      ? `tag ${step.tag} → ${targetRef.kind} ${targetRef.name}`
      : `tag ${step.tag} already on ${targetRef.name}`;
  },

  async removeRevision(
    step: RemoveOldRevisionStep,
    context: StepContext,
    assertUnused: () => Promise<void>,
  ): Promise<string> {
    const grace = context.inventory.sail?.istio?.inactiveRevisionDeletionGracePeriodSeconds ?? 30;
    const deadline = Date.now() + grace * 1000 + MARGIN_MS;
    for (;;) {
      const revisions = await cluster(`is IstioRevision ${step.revision} gone`).listIstioRevisions();
      const old = revisions.find((revision) => revision.name === step.revision);
      if (old === undefined) {
        context.board.setBlockers([]);
        return `Sail deleted revision ${step.revision}`;
      }
      if (Date.now() >= deadline) {
        await assertUnused();
        throw workflowFailure(
          'RevisionInUse',
          `Sail has not deleted revision ${step.revision} ${Math.round((Date.now() - deadline) / 1000) + MARGIN_MS / 1000}s after its grace period${old.inUse ? ': Sail reports it in use' : ''}`,
        );
      }
      await sleep(POLL_MS, { summary: `wait for Sail to delete ${step.revision}` });
    }
  },
};
