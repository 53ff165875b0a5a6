/**
 * istioctl: one `istioctl install` per revision, which waits for istiod itself. In place, the same
 * command applies the whole installation, so the gateways it installed and, in ambient,
 * istio-cni and ztunnel roll with istiod; the step waits for each. An ambient revision is
 * installed without its node agents: istio-cni and ztunnel move in their own steps, after their
 * gate, each with an install of the same revision that switches them on and leaves the waiting
 * to the workflow. Tags move with `istioctl tag set`.
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
import { installedDaemonSet, nodeAgentName, ROLLOUT_DEADLINE_SECONDS } from './installer.js';
import type { Installer, NodeAgentStep } from './installer.js';

/** ztunnel is pointed at the step's revision by an install of it, where the step only waited before. */
export const ISTIOCTL_ZTUNNEL_REVISION = 'istioctl-ztunnel-revision';

/**
 * An ambient revision is installed with `components.cni.enabled: false` and
 * `components.ztunnel.enabled: false`, and each node agent step installs its own. Before, the
 * revision's install rolled both, so a ztunnel stuck on one node held that install inside
 * istioctl's own readiness wait, before the gate ahead of ztunnel and out of the stall rule's sight.
 */
export const ISTIOCTL_REVISION_WITHOUT_NODE_AGENTS = 'istioctl-revision-without-node-agents';

/**
 * The runs (by status board: one per workflow run) whose revision this run installed without
 * node agents. Only those switch ztunnel off while istio-cni moves: a run that began before the
 * patch installed its revision with ztunnel, and istioctl prunes a disabled component's objects
 * that carry its own release and revision, so there the install keeps ztunnel on. Replay
 * rebuilds it: the install step's decision replays with its marker.
 */
const withoutNodeAgentsIn = new WeakSet<StepContext['board']>();

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
 * Rolls one node agent with `istioctl install` of the revision it serves: ztunnel's own revision
 * (the istiod it connects to), else the revision the plan ends on (the old one for a rollback).
 * istioctl only applies it; the node agent step watches it roll, node by node, under the stall
 * rule. On the way up istio-cni's install switches ztunnel off, so ztunnel waits for its own gate.
 * A rollback's never does: istioctl prunes a disabled component's objects that carry its own
 * release and revision, which is what the old ztunnel carries (as installed, or as the
 * rollback's ztunnel step just put it back), so the install keeps both on; ztunnel is then
 * already where it should be and stays. Nor does a run whose revision went in with ztunnel.
 */
async function installNodeAgent(step: NodeAgentStep, context: StepContext): Promise<void> {
  const revision =
    step.kind === 'upgrade-ztunnel' && step.revision !== null
      ? step.revision
      : (context.plan.revisions?.to ?? 'default');
  const leaveZtunnel =
    step.kind === 'upgrade-cni' && context.plan.kind !== 'rollback' && withoutNodeAgentsIn.has(context.board);
  await waits(
    `istioctl install: ${nodeAgentName(step)} ${step.version} with revision ${revision}${leaveZtunnel ? ' (ztunnel left to its own step)' : ''}`,
  ).istioctlInstall({
    version: step.version,
    revision,
    namespace: context.spec.install.namespace,
    profile: 'ambient',
    ...(leaveZtunnel && { components: { ztunnel: false } }),
    waitReady: false,
  });
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
    const withoutNodeAgents = context.spec.install.mode === 'ambient' && patched(ISTIOCTL_REVISION_WITHOUT_NODE_AGENTS);
    if (withoutNodeAgents) withoutNodeAgentsIn.add(context.board);
    const change = await waits(
      `istioctl install revision ${step.revision} (${step.version})${withoutNodeAgents ? ' without istio-cni and ztunnel' : ''}`,
    ).istioctlInstall({
      version: step.version,
      revision: step.revision,
      namespace: step.namespace,
      ...profile(context),
      ...(withoutNodeAgents && { components: { cni: false, ztunnel: false } }),
    });
    const left = withoutNodeAgents ? '; istio-cni and ztunnel are left to their own steps' : '';
    return `${change.changed ? `installed revision ${step.revision}` : `revision ${step.revision} already ran ${step.version}`}${left}`;
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
   * In ambient, each node agent is installed here (the revision went in without them), and the
   * step watches it roll. Histories from before that: `istioctl install` of the control plane
   * already rolled the node agents of the profile; ztunnel also takes the install's revision as
   * the istiod it connects to (its XDS_ADDRESS): installing the step's revision again points it
   * there, and the install counts as done only once the DaemonSet says so. Otherwise only wait.
   */
  async upgradeNodeAgent(step, found, context) {
    const daemonSet = found ?? installedDaemonSet(step, context);
    if (context.spec.install.mode === 'ambient' && patched(ISTIOCTL_REVISION_WITHOUT_NODE_AGENTS)) {
      await installNodeAgent(step, context);
      return daemonSet;
    }
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
