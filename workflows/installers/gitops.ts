/**
 * GitOps owns the Helm releases (install.owner: gitops): Argo CD or Flux syncs them from Git, so
 * a `helm upgrade` by the runbook would be put back. Per hop the runbook proposes instead: the
 * hop's chart version committed to the change branch (a revert commit on the way back), shown
 * at the hop's gate with its branch and diff for the team to merge by their usual review; then it
 * waits, durably, for the cluster to reach the version. The step executors then verify and
 * restart exactly as for Helm.
 */
import { sleep, workflowInfo } from '@temporalio/workflow';
import type { GitChange, GitRepositoryInput } from '../../activities/index.js';
import { isOwnable } from '../../core/plan/steps.js';
import type { OwnerChange, PrecheckStep, Step } from '../../core/plan/steps.js';
import type { ReleaseCheck, WorkloadCheck } from '../../core/plan/verification.js';
import { formatDuration } from '../../core/spec/duration.js';
import { cluster, waits } from '../activities.js';
import { workflowFailure } from '../failures.js';
import { approvalGate } from '../steps/approval.js';
import type { StepContext } from '../steps/context.js';
import { pollCeilingMs } from '../wait-ready.js';
import type { Installer } from './installer.js';
import { ownedInstaller, type OwnedStep } from './owned.js';

function repositoryOf(context: StepContext): GitRepositoryInput & { syncTimeout: number } {
  const settings = context.spec.install.gitops;
  if (settings === undefined)
    throw workflowFailure('Validation', 'install.gitops: required when install.owner is gitops');
  return settings;
}

/** The releases the hop's change moves and the istiod that must run it: what a sync is judged by. */
function hopChecks(
  change: OwnerChange,
  context: StepContext,
): { releases: ReleaseCheck[]; workloads: WorkloadCheck[] } {
  const ofHop = context.plan.steps.filter((step: Step) => isOwnable(step) && step.appliedBy?.change === change.change);
  const releases = new Map<string, ReleaseCheck>();
  const workloads: WorkloadCheck[] = [];
  for (const step of ofHop) {
    const verification = context.plan.verifications?.[step.id];
    if (verification === undefined) continue;
    for (const release of verification.releases) releases.set(`${release.namespace}/${release.release}`, release);
    // istio-cni and ztunnel roll node by node afterwards, each watched by its own step under the stall rule.
    if (step.kind === 'upgrade-control-plane') workloads.push(...verification.workloads);
  }
  return { releases: [...releases.values()], workloads };
}

/**
 * Until every release of the hop is deployed at its chart version and istiod runs it. Each look
 * that finds something new shows it on the step; nothing reaching the cluster by the spec's
 * `syncTimeout` fails as NotSynced naming what is still on the old version (the change not merged,
 * or the syncer not syncing), which stops at a failure gate whose retry waits again.
 */
async function waitForSync(
  step: OwnedStep,
  version: string,
  proposed: string,
  deadlineSeconds: number,
  change: OwnerChange,
  context: StepContext,
): Promise<string> {
  const { releases, workloads } = hopChecks(change, context);
  // Nothing to look at would read as synced at once: a plan without its checks is a bug, not a sync.
  if (releases.length === 0 && workloads.length === 0)
    throw workflowFailure('Validation', `${step.id}: the plan has no releases to judge the ${version} sync by`);
  const start = Date.now();
  const ceiling = pollCeilingMs(deadlineSeconds);
  let interval = 1_000;
  let seen: string | null = null;
  for (;;) {
    const wrong: string[] = [];
    const checked: string[] = [];
    if (releases.length > 0) {
      const read = await cluster(`look for Helm releases at ${version}`).helmVerifyReleases({ version, releases });
      wrong.push(...read.wrong);
      checked.push(...read.checked);
    }
    if (workloads.length > 0) {
      const read = await cluster(`look for istiod on ${version}`).verifyWorkloads({ version, workloads });
      wrong.push(...read.wrong);
      checked.push(...read.checked);
    }
    const waited = formatDuration(Math.max(1, Math.round((Date.now() - start) / 1000)));
    if (wrong.length === 0) return `synced after ${waited}: ${checked.join('; ')}`;
    const now = Date.now();
    if (wrong.join('; ') !== seen) {
      seen = wrong.join('; ');
      context.board.stepProgress(step.id, `waiting for ${proposed} to sync (${waited}): ${seen}`);
    }
    if (now - start >= deadlineSeconds * 1000)
      throw workflowFailure(
        'NotSynced',
        `${proposed} did not reach the cluster within ${formatDuration(deadlineSeconds)} (not merged, or not synced): ${seen}`,
        { wrong },
      );
    await sleep(Math.max(1, Math.min(interval, start + deadlineSeconds * 1000 - now)), {
      summary: `look for the ${version} sync again`,
    });
    interval = Math.min(ceiling, interval * 2);
  }
}

/** An operator's retry after NotSynced waits again: the change was already shown and approved. */
function approvedBefore(gateId: string, context: StepContext): boolean {
  return context.board
    .snapshot()
    .decisions.some(
      (decision) =>
        (decision.gateId === gateId || decision.gateId.startsWith(`${gateId}#`)) && decision.outcome === 'approved',
    );
}

function proposal(repository: GitRepositoryInput, change: GitChange, version: string): string {
  if (change.commit === null)
    return `branch ${change.branch} of ${repository.repository}: the files already hold ${version}, nothing to commit`;
  const again = change.outcome === 'found' ? ', pushed by an earlier attempt' : '';
  return `commit ${change.commit.slice(0, 12)} on branch ${change.branch} of ${repository.repository}${again}`;
}

async function propose(step: OwnedStep, change: OwnerChange, context: StepContext): Promise<string> {
  const settings = repositoryOf(context);
  const repository: GitRepositoryInput = {
    repository: settings.repository,
    branch: settings.branch,
    baseBranch: settings.baseBranch,
    files: settings.files,
  };
  const upgrade = { key: context.upgradeKey, workflowId: workflowInfo().workflowId, cluster: context.plan.cluster };
  const rollback = context.plan.kind === 'rollback';
  const left = step.fromVersion ?? context.plan.source;
  const proposed = rollback
    ? await waits(`git revert the ${left} commit on ${settings.branch}`).gitRevertChange({
        ...repository,
        version: step.version,
        fromVersion: left,
        upgrade,
        change: `revert ${change.change}`,
      })
    : await waits(`git commit ${step.version} to ${settings.branch}`).gitProposeChange({
        ...repository,
        version: step.version,
        fromVersion: step.fromVersion,
        upgrade,
        change: change.change,
      });
  const shown = proposal(repository, proposed, step.version);
  const merge = `merge ${settings.branch} into ${settings.baseBranch} for the syncer to apply ${step.version}`;
  context.board.stepProgress(step.id, `${shown}: ${merge}`);
  let approved = '';
  if (change.gate !== null && !approvedBefore(change.gate.id, context)) {
    const diff = proposed.diff === '' ? '' : `\n${proposed.diff}`;
    approved = `; ${await approvalGate(
      { ...change.gate, subject: `${change.gate.subject}: ${shown}; ${merge}, then approve${diff}` },
      context,
    )}`;
  }
  const synced = await waitForSync(step, step.version, shown, settings.syncTimeout, change, context);
  return `${shown}${approved}; ${synced}`;
}

/**
 * The workflow's precheck, before the first write: git on the worker reads the repository, finds
 * each file and field on the base branch, and may push the change branch.
 */
async function checkAccess(_step: PrecheckStep, context: StepContext): Promise<string> {
  const settings = repositoryOf(context);
  // A clone, so the long group: a large repository takes longer than a quick call's two minutes.
  const access = await waits(`check git can read and push ${settings.repository}`).gitCheckAccess({
    repository: settings.repository,
    branch: settings.branch,
    baseBranch: settings.baseBranch,
    files: settings.files,
  });
  return `git: ${access.checked.join('; ')}`;
}

export const gitops: Installer = { ...ownedInstaller({ apply: propose }), analyze: checkAccess };
