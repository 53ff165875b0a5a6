/**
 * The control plane, by installer: install a revision beside the old one, or upgrade one in
 * place. Each returns once istiod runs the new version: istioctl and `helm --wait` wait for it
 * themselves, Sail is waited for through its Ready condition.
 */
import type { InstallRevisionStep, UpgradeBaseStep, UpgradeControlPlaneStep } from '../../core/plan/steps.js';
import { proxyMismatch } from '../failures.js';
import { cluster, waits } from '../activities.js';
import type { StepContext } from './context.js';

/** How long helm may wait for istiod (and the node agents) to be ready. */
export const HELM_WAIT_SECONDS = 600;

export const sailVersion = (version: string) => `v${version.replace(/^v/, '')}`;
export const istiodRelease = (revision: string) => (revision === 'default' ? 'istiod' : `istiod-${revision}`);

/** Helm's `base` chart (CRDs, the default validating webhook); the plan puts it before any istiod of its version. */
export async function upgradeBase(step: UpgradeBaseStep): Promise<string> {
  const values = step.defaultRevision === null ? {} : { defaultRevision: step.defaultRevision };
  const change = await waits(`helm upgrade ${step.release} ${step.fromVersion} → ${step.version}`).helmUpgradeInstall({ version: step.version, release: step.release, chart: 'istio/base', namespace: step.namespace, values });
  return change.changed ? `release ${step.release} at revision ${change.revision ?? '?'}` : `release ${step.release} already at ${step.version}`;
}

/**
 * `istioctl upgrade` applies the whole installation: the gateways it installed and, in ambient,
 * istio-cni and ztunnel roll with istiod. The step is done when each of them runs the version.
 */
async function waitForAlsoUpgraded(step: UpgradeControlPlaneStep, context: StepContext): Promise<string[]> {
  const rolled: string[] = [];
  const agents = [
    ...(step.alsoUpgrades.cni ? [{ label: 'istio-cni', found: context.inventory.cni, name: 'istio-cni-node' }] : []),
    ...(step.alsoUpgrades.ztunnel ? [{ label: 'ztunnel', found: context.inventory.ztunnel, name: 'ztunnel' }] : []),
  ];
  for (const agent of agents) {
    const namespace = agent.found?.namespace ?? step.namespace;
    const name = agent.found?.name ?? agent.name;
    await waits(`wait for ${agent.label} to roll node by node`).waitForRollout({ kind: 'DaemonSet', namespace, name, deadlineSeconds: HELM_WAIT_SECONDS });
    rolled.push(agent.label);
  }
  const gateways = step.alsoUpgrades.gateways.map((gateway) => `${gateway.namespace}/${gateway.name}`);
  for (const gateway of step.alsoUpgrades.gateways) {
    await waits(`wait for gateway ${gateway.namespace}/${gateway.name} to roll`).waitForRollout({ kind: 'Deployment', namespace: gateway.namespace, name: gateway.name, deadlineSeconds: HELM_WAIT_SECONDS });
  }
  if (gateways.length > 0) {
    const check = await cluster(`check gateways run ${step.version}`).checkProxies({ namespaces: [], gateways, version: step.version, revision: null });
    if (check.wrongCount > 0) throw proxyMismatch(`gateways not on ${step.version} after istioctl upgrade`, check.wrong, check.wrongCount);
    rolled.push(...gateways);
  }
  return rolled;
}

function istiodValues(context: StepContext, revision: string): Record<string, unknown> {
  return {
    ...(revision === 'default' ? {} : { revision }),
    ...(context.spec.install.mode === 'ambient' ? { profile: 'ambient' } : {}),
  };
}

async function sailIstio(context: StepContext, name: string, version: string): Promise<void> {
  const patch = await cluster(`set Istio ${name} to ${version}`).patchSailResource({ kind: 'Istio', name, version: sailVersion(version) });
  await waits(`wait for Istio ${name} ${version} to be ready`).waitSailReady({ kind: 'Istio', name, minGeneration: patch.generation });
}

export async function installRevision(step: InstallRevisionStep, context: StepContext): Promise<string> {
  switch (step.method) {
    case 'istioctl': {
      const profile = context.spec.install.mode === 'ambient' ? { profile: 'ambient' } : {};
      const change = await waits(`istioctl install revision ${step.revision} (${step.version})`).istioctlInstall({ version: step.version, revision: step.revision, namespace: step.namespace, ...profile });
      return change.changed ? `installed revision ${step.revision}` : `revision ${step.revision} already ran ${step.version}`;
    }
    case 'helm': {
      const change = await waits(`helm install ${istiodRelease(step.revision)} ${step.version}`).helmUpgradeInstall({
        version: step.version,
        release: istiodRelease(step.revision),
        chart: 'istio/istiod',
        namespace: step.namespace,
        values: istiodValues(context, step.revision),
        waitSeconds: HELM_WAIT_SECONDS,
      });
      return change.changed ? `release ${istiodRelease(step.revision)} at revision ${change.revision ?? '?'}` : `release ${istiodRelease(step.revision)} already at ${step.version}`;
    }
    case 'sail':
      await sailIstio(context, step.sailIstioName ?? context.spec.install.sailIstioName, step.version);
      return `Sail reports Istio ready at ${step.version}`;
  }
}

export async function upgradeControlPlane(step: UpgradeControlPlaneStep, context: StepContext): Promise<string> {
  switch (step.method) {
    case 'istioctl': {
      const profile = context.spec.install.mode === 'ambient' ? { profile: 'ambient' } : {};
      const change = await waits(`istioctl upgrade ${step.revision} ${step.fromVersion} → ${step.version}`).istioctlInstall({ version: step.version, revision: step.revision, namespace: step.namespace, ...profile });
      const also = await waitForAlsoUpgraded(step, context);
      const rolled = also.length > 0 ? `; ${also.join(', ')} rolled` : '';
      return `${change.changed ? `istiod ${step.revision} upgraded to ${step.version}` : `istiod ${step.revision} already ran ${step.version}`}${rolled}`;
    }
    case 'helm': {
      const change = await waits(`helm upgrade ${istiodRelease(step.revision)} ${step.fromVersion} → ${step.version}`).helmUpgradeInstall({
        version: step.version,
        release: istiodRelease(step.revision),
        chart: 'istio/istiod',
        namespace: step.namespace,
        values: istiodValues(context, step.revision),
        waitSeconds: HELM_WAIT_SECONDS,
      });
      return change.changed ? `release ${istiodRelease(step.revision)} at revision ${change.revision ?? '?'}` : `release ${istiodRelease(step.revision)} already at ${step.version}`;
    }
    case 'sail':
      await sailIstio(context, step.sailIstioName ?? context.spec.install.sailIstioName, step.version);
      return `Sail reports Istio ready at ${step.version}`;
  }
}
