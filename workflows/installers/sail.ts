/**
 * Sail operator: the runbook sets versions on its resources (`Istio`, `IstioCNI`, `ZTunnel`) and
 * waits for their Ready condition; Sail does the installing. Under RevisionBased, setting
 * `Istio.spec.version` is what installs the new revision, and Sail deletes an unused revision by
 * itself after its grace period, so removal only waits for that.
 */
import { patched, sleep } from '@temporalio/workflow';
import { formatDuration } from '../../core/spec/duration.js';
import type {
  InstallRevisionStep,
  MoveTagStep,
  RemoveOldRevisionStep,
  UpgradeControlPlaneStep,
} from '../../core/plan/steps.js';
import { cluster, waits } from '../activities.js';
import { workflowFailure } from '../failures.js';
import type { StepContext } from '../steps/context.js';
import { STALL_RULE_PATCH, waitForSail } from '../wait-ready.js';
import type { Installer } from './installer.js';

/** How often to ask whether Sail has deleted the revision, and for how long before a human must look. */
const POLL_MS = 15_000;
const MARGIN_MS = 10 * 60_000;

const sailVersion = (version: string) => `v${version.replace(/^v/, '')}`;

/** Histories from before the hold replay without its two writes. */
const HOLD_PATCH = 'sail-hold-old-revision';

/**
 * The grace period that holds the old revision while the upgrade runs: longer than any upgrade
 * waits for its humans, so only the cleanup step (or a rollback) decides when Sail may delete it.
 */
const HOLD_SECONDS = 30 * 86_400;

/**
 * Sail deletes a revision nothing it counts uses after the grace period, and it does not count
 * ztunnel: raise the grace period before the new revision exists, so a node still on the old
 * ztunnel, a stalled step or a rollback keeps its control plane. The original is recorded on the
 * Istio (activities/sail/activities.ts) and restored at cleanup.
 */
async function holdOldRevision(name: string): Promise<string> {
  const hold = await cluster(`hold the old revision of Istio ${name}`).holdSailRevisions({
    name,
    graceSeconds: HOLD_SECONDS,
  });
  return `; old revision held (grace period ${hold.original === null ? 'default' : formatDuration(hold.original)} → ${formatDuration(hold.held)} until cleanup)`;
}

async function releaseOldRevision(name: string): Promise<string> {
  const release = await cluster(`release the old revision of Istio ${name}`).releaseSailRevisions({ name });
  if (!release.changed) return '';
  return `grace period restored to ${release.restored === null ? 'the default' : formatDuration(release.restored)}`;
}

async function istio(step: InstallRevisionStep | UpgradeControlPlaneStep, context: StepContext): Promise<string> {
  const name = step.sailIstioName ?? context.spec.install.sailIstioName;
  const held =
    step.kind === 'install-revision' && context.plan.kind === 'upgrade' && patched(HOLD_PATCH)
      ? await holdOldRevision(name)
      : '';
  const patch = await cluster(`set Istio ${name} to ${step.version}`).patchSailResource({
    kind: 'Istio',
    name,
    version: sailVersion(step.version),
  });
  if (patched(STALL_RULE_PATCH))
    await waitForSail({
      kind: 'Istio',
      name,
      minGeneration: patch.generation,
      deadlineSeconds: context.spec.timeouts.sail,
      stallSeconds: context.spec.timeouts.stall,
      stepId: step.id,
      board: context.board,
    });
  else
    await waits(`wait for Istio ${name} ${step.version} to be ready`).waitSailReady({
      kind: 'Istio',
      name,
      minGeneration: patch.generation,
    });
  // A rollback with no new revision left to remove has no cleanup step: it gives the hold back here.
  const rollbackRelease =
    step.kind === 'install-revision' &&
    context.plan.kind === 'rollback' &&
    !context.plan.steps.some((other) => other.kind === 'remove-old-revision') &&
    patched(HOLD_PATCH)
      ? await releaseOldRevision(name)
      : '';
  return `Sail reports Istio ready at ${step.version}${held}${rollbackRelease ? `; ${rollbackRelease}` : ''}`;
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
    // Under the stall rule the DaemonSet is watched first (its pods say which node is stuck and
    // why, where Sail only says "not ready"), then Sail's verdict (nodeAgentReady).
    if (!patched(STALL_RULE_PATCH))
      await waits(`wait for ${kind} ${step.version}`).waitSailReady({ kind, minGeneration: patch.generation });
    return found;
  },

  async nodeAgentReady(step, context) {
    await waitForSail({
      kind: step.kind === 'upgrade-cni' ? 'IstioCNI' : 'ZTunnel',
      name: 'default',
      minGeneration: 0,
      deadlineSeconds: context.spec.timeouts.sail,
      stallSeconds: context.spec.timeouts.stall,
      stepId: step.id,
      board: context.board,
    });
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
    // The whole data plane is verified by now: Sail may delete the old revision once unused.
    const released = patched(HOLD_PATCH) ? await releaseOldRevision(context.spec.install.sailIstioName) : '';
    const grace = context.inventory.sail?.istio?.inactiveRevisionDeletionGracePeriodSeconds ?? 30;
    const deadline = Date.now() + grace * 1000 + MARGIN_MS;
    for (;;) {
      const revisions = await cluster(`is IstioRevision ${step.revision} gone`).listIstioRevisions();
      const old = revisions.find((revision) => revision.name === step.revision);
      if (old === undefined) {
        context.board.setBlockers([]);
        return `Sail deleted revision ${step.revision}${released ? ` (${released})` : ''}`;
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
