/**
 * The in-place runbook, once per hop (one minor at a time): gate, the Helm base chart, the
 * control plane, soak, then istio-cni and (behind a gate) ztunnel in ambient, gateways, then
 * every namespace: sidecar workloads restarted so no proxy is left more than one minor behind
 * before the next hop, ambient workloads tested through the new ztunnel.
 *
 * istioctl is different: `istioctl upgrade` applies the whole installation at once, so its
 * gateways, istio-cni and ztunnel roll with istiod in the same step.
 * https://istio.io/latest/docs/setup/upgrade/in-place/
 * https://istio.io/latest/docs/ambient/upgrade/helm/ (istiod, then istio-cni and ztunnel)
 */
import type { GatewayInfo } from '../inventory.js';
import { formatVersion } from '../version.js';
import type { Version } from '../version.js';
import {
  gate,
  restarts,
  soakAfterControlPlane,
  switchGateways,
  testWorkloads,
  upgradeBase,
  verifyProxies,
} from './builders.js';
import type { PlanContext } from './context.js';
import { isOwnable } from './steps.js';
import type { GateStep, OwnerChange, ReleaseOwner, Step } from './steps.js';
import type { Spec } from '../spec/schema.js';

/** Terraform or GitOps when either owns the Helm releases; null when the runbook applies them itself. */
export function releaseOwner(spec: Spec): ReleaseOwner | null {
  const { owner } = spec.install;
  return owner === 'terraform' || owner === 'gitops' ? owner : null;
}

/**
 * A hop through an owner: its one change moves base, istiod, istio-cni and ztunnel together (in the
 * owner's own dependency order), so the control-plane gate moves onto the step that shows the
 * prepared change, and the ztunnel gate would come after ztunnel already moved: it goes.
 */
function ownedHop(owner: ReleaseOwner, version: string, hop: Step[]): Step[] {
  const isGate = (step: Step, kind: GateStep['gate']): step is GateStep => step.kind === 'gate' && step.gate === kind;
  const gate = hop.find((step): step is GateStep => isGate(step, 'before-control-plane')) ?? null;
  const kept = hop.filter((step) => !isGate(step, 'before-control-plane') && !isGate(step, 'before-ztunnel'));
  return ownedBy(owner, version, kept, gate);
}

/** Marks a hop's control-plane steps as applied by the owner's one change, the first one applying it. */
function ownedBy(owner: ReleaseOwner, version: string, steps: Step[], gate: GateStep | null): Step[] {
  let first = true;
  return steps.map((step) => {
    if (!isOwnable(step)) return step;
    const appliedBy: OwnerChange = { owner, change: `owner@${version}`, applies: first, gate: first ? gate : null };
    first = false;
    return { ...step, appliedBy };
  });
}

/** What `istioctl upgrade` rolls besides istiod: the gateways it installed live in the control-plane namespace. */
function istioctlGateways(context: PlanContext): GatewayInfo[] {
  return context.gateways.filter(
    (gateway) => gateway.kind !== 'waypoint' && gateway.namespace === context.inventory.controlPlane.namespace,
  );
}

export function inPlaceSteps(context: PlanContext, hops: readonly Version[]): Step[] {
  const { spec, inventory } = context;
  const method = spec.install.method;
  const sailIstioName = method === 'sail' ? spec.install.sailIstioName : null;
  const withCni = spec.install.mode === 'ambient' || inventory.cni !== null;
  const withZtunnel = spec.install.mode === 'ambient';
  const oneCommand = method === 'istioctl';
  const rolledByCommand = oneCommand ? istioctlGateways(context) : [];
  const restartedGateways = context.gateways.filter((gateway) => !rolledByCommand.includes(gateway));
  let from = formatVersion(context.source);
  let cniFrom = inventory.cni?.version ?? inventory.sail?.cni?.version ?? null;
  let ztunnelFrom = inventory.ztunnel?.version ?? inventory.sail?.ztunnel?.version ?? null;
  const steps: Step[] = [];

  const owner = releaseOwner(spec);
  for (const hop of hops) {
    const version = formatVersion(hop);
    const hopStart = steps.length;
    const subject =
      oneCommand && (withCni || withZtunnel || rolledByCommand.length > 0)
        ? `upgrade the control plane in place from ${from} to ${version} (istioctl upgrade also rolls ${[...(rolledByCommand.length > 0 ? ['its gateways'] : []), ...(withCni ? ['istio-cni'] : []), ...(withZtunnel ? ['ztunnel'] : [])].join(', ')})`
        : `upgrade the control plane in place from ${from} to ${version}`;
    steps.push(
      ...gate(
        context,
        spec.gates.beforeControlPlane,
        'before-control-plane',
        `before-control-plane@${version}`,
        'control-plane',
        subject,
      ),
      // Helm: CRDs and the validating webhook before istiod; in place the default revision does not change.
      ...upgradeBase(context, from, version, null),
      {
        kind: 'upgrade-control-plane',
        id: `control-plane@${version}`,
        phase: 'control-plane',
        method,
        revision: context.oldRevision,
        fromVersion: from,
        version,
        namespace: spec.install.namespace,
        sailIstioName,
        alsoUpgrades: {
          gateways: rolledByCommand.map(({ namespace, name, kind }) => ({ namespace, name, kind, revLabel: null })),
          cni: oneCommand && withCni,
          ztunnel: oneCommand && withZtunnel,
        },
      },
      ...soakAfterControlPlane(context, version),
    );
    // After the control plane has soaked and never before it: data-plane components may not run ahead.
    if (!oneCommand && withCni)
      steps.push({
        kind: 'upgrade-cni',
        id: `cni@${version}`,
        phase: 'data-plane',
        method,
        fromVersion: cniFrom,
        version,
      });
    if (!oneCommand && withZtunnel) {
      steps.push(
        ...gate(
          context,
          spec.gates.beforeZtunnel,
          'before-ztunnel',
          `before-ztunnel@${version}`,
          'data-plane',
          `roll ztunnel to ${version} node by node (every ambient pod's traffic)`,
        ),
        {
          kind: 'upgrade-ztunnel',
          id: `ztunnel@${version}`,
          phase: 'data-plane',
          method,
          fromVersion: ztunnelFrom,
          version,
          revision: null,
        },
      );
    }
    if (restartedGateways.length > 0) {
      steps.push(
        ...gate(
          context,
          spec.gates.beforeGateways,
          'before-gateways',
          `before-gateways@${version}`,
          'gateways',
          `restart gateways on ${version}`,
        ),
        ...switchGateways(context, restartedGateways, `gateways@${version}`, version, null),
      );
    }
    for (const namespace of context.namespaces) {
      if (namespace.workloads.length === 0 && namespace.tested.length === 0) continue;
      steps.push(
        ...gate(
          context,
          spec.gates.perNamespace,
          'namespace',
          `namespace:${namespace.name}@${version}`,
          'workloads',
          namespace.workloads.length > 0
            ? `restart the workloads of ${namespace.name} on ${version}`
            : `test the workloads of ${namespace.name} through ztunnel ${version}`,
        ),
        ...restarts(context, namespace, version, null),
        ...testWorkloads(context, namespace, version),
      );
    }
    steps.push(...verifyProxies(context, version, null));
    if (owner !== null)
      steps.splice(hopStart, steps.length - hopStart, ...ownedHop(owner, version, steps.slice(hopStart)));
    from = version;
    cniFrom = version;
    ztunnelFrom = version;
  }
  return steps;
}
