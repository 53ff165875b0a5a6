/**
 * istioctl: one `istioctl install` per revision, which waits for istiod itself. In place, the same
 * command applies the whole installation, so the gateways it installed and, in ambient,
 * istio-cni and ztunnel roll with istiod; the step waits for each. Tags move with `istioctl tag set`.
 */
import { nodeAgentDaemonSet } from '../../core/plan/verification.js';
import type {
  InstallRevisionStep,
  MoveTagStep,
  PrecheckStep,
  RemoveOldRevisionStep,
  UpgradeControlPlaneStep,
} from '../../core/plan/steps.js';
import { patched } from '@temporalio/workflow';
import { cluster, waits } from '../activities.js';
import { workflowFailure, proxyMismatch } from '../failures.js';
import type { StepContext } from '../steps/context.js';
import { STALL_RULE_PATCH, waitForWorkload } from '../wait-ready.js';
import { installedDaemonSet, ROLLOUT_DEADLINE_SECONDS } from './installer.js';
import type { Installer } from './installer.js';

/** ztunnel is pointed at the step's revision by an install of it, where the step only waited before. */
export const ISTIOCTL_ZTUNNEL_REVISION = 'istioctl-ztunnel-revision';

const profile = (context: StepContext) => (context.spec.install.mode === 'ambient' ? { profile: 'ambient' } : {});

/** What `istioctl upgrade` rolled besides istiod: the step is done when each of them runs the version. */
async function waitForAlsoUpgraded(step: UpgradeControlPlaneStep, context: StepContext): Promise<string[]> {
  const rolled: string[] = [];
  const agents = [
    ...(step.alsoUpgrades.cni
      ? [{ label: 'istio-cni', found: context.inventory.cni, name: nodeAgentDaemonSet('istio-cni') }]
      : []),
    ...(step.alsoUpgrades.ztunnel
      ? [{ label: 'ztunnel', found: context.inventory.ztunnel, name: nodeAgentDaemonSet('ztunnel') }]
      : []),
  ];
  for (const agent of agents) {
    const namespace = agent.found?.namespace ?? step.namespace;
    const name = agent.found?.name ?? agent.name;
    if (patched(STALL_RULE_PATCH))
      await waitForWorkload({
        kind: 'DaemonSet',
        namespace,
        name,
        label: agent.label,
        version: step.version,
        deadlineSeconds: context.spec.timeouts.nodeAgent,
        stallSeconds: context.spec.timeouts.stall,
        stepId: step.id,
        board: context.board,
      });
    else
      await waits(`wait for ${agent.label} to roll node by node`).waitForRollout({
        kind: 'DaemonSet',
        namespace,
        name,
        deadlineSeconds: ROLLOUT_DEADLINE_SECONDS,
      });
    rolled.push(agent.label);
  }
  const gateways = step.alsoUpgrades.gateways.map((gateway) => `${gateway.namespace}/${gateway.name}`);
  for (const gateway of step.alsoUpgrades.gateways) {
    if (patched(STALL_RULE_PATCH))
      await waitForWorkload({
        kind: 'Deployment',
        namespace: gateway.namespace,
        name: gateway.name,
        label: `gateway ${gateway.namespace}/${gateway.name}`,
        version: step.version,
        deadlineSeconds: context.spec.timeouts.rollout,
        stallSeconds: context.spec.timeouts.stall,
        stepId: step.id,
        board: context.board,
      });
    else
      await waits(`wait for gateway ${gateway.namespace}/${gateway.name} to roll`).waitForRollout({
        kind: 'Deployment',
        namespace: gateway.namespace,
        name: gateway.name,
        deadlineSeconds: ROLLOUT_DEADLINE_SECONDS,
      });
  }
  if (gateways.length > 0) {
    const check = await cluster(`check gateways run ${step.version}`).checkProxies({
      namespaces: [],
      gateways,
      version: step.version,
      revision: null,
    });
    if (check.wrongCount > 0)
      throw proxyMismatch(`gateways not on ${step.version} after istioctl upgrade`, check.wrong, check.wrongCount);
    rolled.push(...gateways);
  }
  return rolled;
}

/**
 * Helm installs tags with the istiod chart's revisionTags, but `istioctl tag set` is what Istio's
 * canary guide uses to move one, whatever installed it: the Helm installer moves tags this way too.
 */
export async function istioctlMoveTag(step: MoveTagStep, context: StepContext): Promise<string> {
  const change = await waits(`istioctl tag set ${step.tag} --revision ${step.toRevision}`).istioctlTagSet({
    version: context.plan.target,
    tag: step.tag,
    revision: step.toRevision,
  });
  return change.changed ? `tag ${step.tag} → ${step.toRevision}` : `tag ${step.tag} already on ${step.toRevision}`;
}

export const istioctl: Installer = {
  recreatesRemovedRevision: false,

  async analyze(step: PrecheckStep): Promise<string> {
    const report = await waits(`istioctl x precheck for ${step.targetVersion}`).istioctlPrecheck({
      version: step.targetVersion,
    });
    const errors = report.findings.filter((finding) => finding.level === 'Error');
    if (errors.length > 0)
      throw workflowFailure(
        'PrecheckBlocked',
        `istioctl x precheck: ${errors.map((e) => `${e.code} ${e.message}`).join('; ')}`,
        report,
      );
    return `istioctl x precheck: ${report.findings.length === 0 ? 'clean' : report.findings.map((f) => `${f.level} ${f.code}`).join(', ')}`;
  },

  async installRevision(step: InstallRevisionStep, context: StepContext): Promise<string> {
    const change = await waits(`istioctl install revision ${step.revision} (${step.version})`).istioctlInstall({
      version: step.version,
      revision: step.revision,
      namespace: step.namespace,
      ...profile(context),
    });
    return change.changed
      ? `installed revision ${step.revision}`
      : `revision ${step.revision} already ran ${step.version}`;
  },

  async upgradeControlPlane(step: UpgradeControlPlaneStep, context: StepContext): Promise<string> {
    const change = await waits(
      `istioctl upgrade ${step.revision} ${step.fromVersion} → ${step.version}`,
    ).istioctlInstall({
      version: step.version,
      revision: step.revision,
      namespace: step.namespace,
      ...profile(context),
    });
    const also = await waitForAlsoUpgraded(step, context);
    const rolled = also.length > 0 ? `; ${also.join(', ')} rolled` : '';
    return `${change.changed ? `istiod ${step.revision} upgraded to ${step.version}` : `istiod ${step.revision} already ran ${step.version}`}${rolled}`;
  },

  /**
   * `istioctl install` of the control plane already rolled the node agents of the profile. ztunnel
   * also takes the install's revision as the istiod it connects to (its XDS_ADDRESS): installing
   * the step's revision again points it there, and the install counts as done only once the
   * DaemonSet says so. Otherwise only wait.
   */
  async upgradeNodeAgent(step, found, context) {
    const daemonSet = found ?? installedDaemonSet(step, context);
    if (step.kind === 'upgrade-ztunnel' && step.revision !== null && patched(ISTIOCTL_ZTUNNEL_REVISION)) {
      await waits(`istioctl install: ztunnel ${step.version} on istiod ${step.revision}`).istioctlInstall({
        version: step.version,
        revision: step.revision,
        namespace: context.spec.install.namespace,
        profile: 'ambient',
      });
    }
    return daemonSet;
  },

  moveTag: istioctlMoveTag,

  async removeRevision(
    step: RemoveOldRevisionStep,
    context: StepContext,
    assertUnused: () => Promise<void>,
  ): Promise<string> {
    await assertUnused();
    const change = await waits(`istioctl uninstall --revision ${step.revision}`).istioctlUninstallRevision({
      version: context.plan.target,
      revision: step.revision,
      namespace: step.namespace,
    });
    return change.changed ? `revision ${step.revision} uninstalled` : `revision ${step.revision} was already gone`;
  },
};
