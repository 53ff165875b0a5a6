/**
 * istio-cni and ztunnel: DaemonSets shared by every revision, so they are upgraded in place even
 * on a canary, after the control plane and never before it (a node agent may trail istiod by a
 * minor but never lead it). Each waits until every node runs the new pod; a node that does not
 * progress ends the wait as RolloutFailed naming it, which stops at a gate.
 */
import type { UpgradeCniStep, UpgradeZtunnelStep } from '../../core/plan/steps.js';
import { cluster, waits } from '../activities.js';
import { HELM_WAIT_SECONDS, sailVersion } from './control-plane.js';
import type { StepContext } from './context.js';

interface Agent {
  label: string;
  sailKind: 'IstioCNI' | 'ZTunnel';
  release: string;
  chart: string;
  values: Record<string, unknown>;
  daemonSet: { namespace: string; name: string } | null;
}

function agentOf(step: UpgradeCniStep | UpgradeZtunnelStep, context: StepContext): Agent {
  const namespace = context.spec.install.namespace;
  if (step.kind === 'upgrade-cni') {
    const found = context.inventory.cni;
    return {
      label: 'istio-cni',
      sailKind: 'IstioCNI',
      release: 'istio-cni',
      chart: 'istio/cni',
      values: context.spec.install.mode === 'ambient' ? { profile: 'ambient' } : {},
      daemonSet: found ? { namespace: found.namespace, name: found.name } : step.method === 'sail' ? null : { namespace, name: 'istio-cni-node' },
    };
  }
  const found = context.inventory.ztunnel;
  return {
    label: 'ztunnel',
    sailKind: 'ZTunnel',
    release: 'ztunnel',
    chart: 'istio/ztunnel',
    // The chart's `revision` is the istiod ztunnel takes its configuration from (its xDS address).
    values: step.revision === null || step.revision === 'default' ? {} : { revision: step.revision },
    daemonSet: found ? { namespace: found.namespace, name: found.name } : step.method === 'sail' ? null : { namespace, name: 'ztunnel' },
  };
}

export async function upgradeNodeAgent(step: UpgradeCniStep | UpgradeZtunnelStep, context: StepContext): Promise<string> {
  const agent = agentOf(step, context);
  switch (step.method) {
    case 'istioctl':
      // `istioctl install` of the control plane already rolled the node agents of the profile: only wait.
      break;
    case 'helm':
      await waits(`helm upgrade ${agent.release} to ${step.version}`).helmUpgradeInstall({
        version: step.version,
        release: agent.release,
        chart: agent.chart,
        namespace: agent.daemonSet?.namespace ?? context.spec.install.namespace,
        values: agent.values,
        waitSeconds: HELM_WAIT_SECONDS,
      });
      break;
    case 'sail': {
      const patch = await cluster(`set ${agent.sailKind} to ${step.version}`).patchSailResource({ kind: agent.sailKind, version: sailVersion(step.version) });
      await waits(`wait for ${agent.sailKind} ${step.version}`).waitSailReady({ kind: agent.sailKind, minGeneration: patch.generation });
      break;
    }
  }
  if (agent.daemonSet === null) return `${agent.label} ready at ${step.version}`;
  const { namespace, name } = agent.daemonSet;
  const rollout = await waits(`wait for ${agent.label} to roll node by node`).waitForRollout({ kind: 'DaemonSet', namespace, name, deadlineSeconds: HELM_WAIT_SECONDS });
  return `${agent.label} ${step.version}: ${rollout.message}`;
}
