/**
 * istio-cni and ztunnel: DaemonSets shared by every revision, so they are upgraded in place even
 * on a canary, after the control plane and never before it (a node agent may trail istiod by a
 * minor but never lead it). Each waits until every node runs the new pod, showing `2/3 nodes` as
 * it rolls; when no node progresses for the stall time the wait ends as RolloutStalled naming
 * the node, the pod and the reason, which stops at a failure gate.
 */
import { patched } from '@temporalio/workflow';
import { waits } from '../activities.js';
import { nodeAgentName, ROLLOUT_DEADLINE_SECONDS } from '../installers/installer.js';
import type { Installer, NodeAgentStep } from '../installers/installer.js';
import { STALL_RULE_PATCH, waitForWorkload } from '../wait-ready.js';
import { analyzeStep } from '../analysis.js';
import type { StepContext } from './context.js';

export async function upgradeNodeAgent(
  step: NodeAgentStep,
  context: StepContext,
  installer: Installer,
): Promise<string> {
  const label = nodeAgentName(step);
  const found = step.kind === 'upgrade-cni' ? context.inventory.cni : context.inventory.ztunnel;
  const daemonSet = await installer.upgradeNodeAgent(
    step,
    found ? { namespace: found.namespace, name: found.name } : null,
    context,
  );
  if (patched(STALL_RULE_PATCH)) {
    const rolled =
      daemonSet === null
        ? `${label} ready at ${step.version}`
        : await waitForWorkload({
            kind: 'DaemonSet',
            ...daemonSet,
            label,
            version: step.version,
            deadlineSeconds: context.spec.timeouts.nodeAgent,
            stallSeconds: context.spec.timeouts.stall,
            stepId: step.id,
            board: context.board,
          });
    await installer.nodeAgentReady?.(step, context);
    // After ztunnel, ambient traffic runs through the new node agents: judge it before going on.
    return rolled + (await analyzeStep(step.id, context));
  }
  if (daemonSet === null) return `${label} ready at ${step.version}`;
  const { namespace, name } = daemonSet;
  const rollout = await waits(`wait for ${label} to roll node by node`).waitForRollout({
    kind: 'DaemonSet',
    namespace,
    name,
    deadlineSeconds: ROLLOUT_DEADLINE_SECONDS,
  });
  return `${label} ${step.version}: ${rollout.message}`;
}
