/**
 * Helm: one release per component (`istio-base`, `istiod[-<revision>]`, `istio-cni`, `ztunnel`),
 * each upgraded with `--wait` so it returns once the release's pods are ready. Every hop upgrades
 * `base` before istiod; tags move with `istioctl tag set`, as Istio's canary guide does.
 */
import type {
  InstallRevisionStep,
  RemoveOldRevisionStep,
  UpgradeBaseStep,
  UpgradeControlPlaneStep,
} from '../../core/plan/steps.js';
import { patched } from '@temporalio/workflow';
import { HELM_CHARTS } from '../../core/plan/tools.js';
import { istiodRelease } from '../../core/plan/verification.js';
import { waits } from '../activities.js';
import type { StepContext } from '../steps/context.js';
import { STALL_RULE_PATCH } from '../wait-ready.js';
import { installedDaemonSet } from './installer.js';
import type { Installer, NodeAgentStep } from './installer.js';
import { istioctlMoveTag } from './istioctl.js';

function istiodValues(context: StepContext, revision: string): Record<string, unknown> {
  return {
    ...(revision === 'default' ? {} : { revision }),
    ...(context.spec.install.mode === 'ambient' ? { profile: 'ambient' } : {}),
  };
}

/** The istiod release of a revision at a version: a new revision installs it, an in-place hop upgrades it. */
async function istiod(
  summary: string,
  step: InstallRevisionStep | UpgradeControlPlaneStep,
  context: StepContext,
): Promise<string> {
  const release = istiodRelease(step.revision);
  const change = await waits(summary).helmUpgradeInstall({
    version: step.version,
    release,
    chart: HELM_CHARTS.istiod,
    namespace: step.namespace,
    values: istiodValues(context, step.revision),
    waitSeconds: context.spec.timeouts.helm,
  });
  return change.changed
    ? `release ${release} at revision ${change.revision ?? '?'}`
    : `release ${release} already at ${step.version}`;
}

function nodeAgentChart(
  step: NodeAgentStep,
  context: StepContext,
): { release: string; chart: string; values: Record<string, unknown> } {
  if (step.kind === 'upgrade-cni')
    return {
      release: 'istio-cni',
      chart: HELM_CHARTS.cni,
      values: context.spec.install.mode === 'ambient' ? { profile: 'ambient' } : {},
    };
  // The chart's `revision` is the istiod ztunnel takes its configuration from (its xDS address).
  return {
    release: 'ztunnel',
    chart: HELM_CHARTS.ztunnel,
    values: step.revision === null || step.revision === 'default' ? {} : { revision: step.revision },
  };
}

export const helm: Installer = {
  recreatesRemovedRevision: false,

  analyze: () => Promise.resolve(null),

  async upgradeBase(step: UpgradeBaseStep): Promise<string> {
    const values = step.defaultRevision === null ? {} : { defaultRevision: step.defaultRevision };
    const change = await waits(`helm upgrade ${step.release} ${step.fromVersion} → ${step.version}`).helmUpgradeInstall(
      { version: step.version, release: step.release, chart: HELM_CHARTS.base, namespace: step.namespace, values },
    );
    return change.changed
      ? `release ${step.release} at revision ${change.revision ?? '?'}`
      : `release ${step.release} already at ${step.version}`;
  },

  installRevision: (step, context) =>
    istiod(`helm install ${istiodRelease(step.revision)} ${step.version}`, step, context),

  upgradeControlPlane: (step, context) =>
    istiod(`helm upgrade ${istiodRelease(step.revision)} ${step.fromVersion} → ${step.version}`, step, context),

  async upgradeNodeAgent(step, found, context) {
    const daemonSet = found ?? installedDaemonSet(step, context);
    const { release, chart, values } = nodeAgentChart(step, context);
    await waits(`helm upgrade ${release} to ${step.version}`).helmUpgradeInstall({
      version: step.version,
      release,
      chart,
      namespace: daemonSet.namespace,
      values,
      // Under the stall rule the step watches the DaemonSet itself, node by node, and names a
      // stuck node; `helm --wait` would only say it timed out, after the whole deadline.
      ...(!patched(STALL_RULE_PATCH) && { waitSeconds: context.spec.timeouts.helm }),
    });
    return daemonSet;
  },

  moveTag: istioctlMoveTag,

  async removeRevision(
    step: RemoveOldRevisionStep,
    _context: StepContext,
    assertUnused: () => Promise<void>,
  ): Promise<string> {
    await assertUnused();
    const release = istiodRelease(step.revision);
    const change = await waits(`helm uninstall ${release}`).helmUninstall({
      version: step.version,
      release,
      namespace: step.namespace,
    });
    return change.changed ? `release ${release} uninstalled` : `release ${release} was already gone`;
  },
};
