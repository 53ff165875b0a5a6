/**
 * The in-place runbook, once per hop (one minor at a time): gate, control plane, then istio-cni
 * and ztunnel (ambient), soak, gateways, then every namespace's workloads restarted so no proxy
 * is left more than one minor behind before the next hop.
 */
import { formatVersion } from '../version.js';
import type { Version } from '../version.js';
import { gate, restarts, soakAfterControlPlane, switchGateways, verifyProxies } from './builders.js';
import type { PlanContext } from './context.js';
import type { Step } from './steps.js';

export function inPlaceSteps(context: PlanContext, hops: readonly Version[]): Step[] {
  const { spec, inventory } = context;
  const method = spec.install.method;
  const sailIstioName = method === 'sail' ? spec.install.sailIstioName : null;
  const withCni = spec.install.mode === 'ambient' || inventory.cni !== null;
  const withZtunnel = spec.install.mode === 'ambient';
  let from = formatVersion(context.source);
  let cniFrom = inventory.cni?.version ?? inventory.sail?.cni?.version ?? null;
  let ztunnelFrom = inventory.ztunnel?.version ?? inventory.sail?.ztunnel?.version ?? null;
  const steps: Step[] = [];

  for (const hop of hops) {
    const version = formatVersion(hop);
    steps.push(
      ...gate(context, spec.gates.beforeControlPlane, 'before-control-plane', `before-control-plane@${version}`, 'control-plane', `upgrade the control plane in place from ${from} to ${version}`),
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
      },
    );
    // After the control plane and never before it: data-plane components may not run ahead.
    if (withCni) steps.push({ kind: 'upgrade-cni', id: `cni@${version}`, phase: 'data-plane', method, fromVersion: cniFrom, version });
    if (withZtunnel) steps.push({ kind: 'upgrade-ztunnel', id: `ztunnel@${version}`, phase: 'data-plane', method, fromVersion: ztunnelFrom, version });
    steps.push(...soakAfterControlPlane(context, version));
    if (context.gateways.length > 0) {
      steps.push(
        ...gate(context, spec.gates.beforeGateways, 'before-gateways', `before-gateways@${version}`, 'gateways', `restart gateways on ${version}`),
        ...switchGateways(context, version, null),
      );
    }
    for (const namespace of context.namespaces) {
      if (namespace.workloads.length === 0) continue;
      steps.push(
        ...gate(context, spec.gates.perNamespace, 'namespace', `namespace:${namespace.name}@${version}`, 'workloads', `restart the workloads of ${namespace.name} on ${version}`),
        ...restarts(context, namespace, version, null),
      );
    }
    steps.push(...verifyProxies(context, version, null));
    from = version;
    cniFrom = version;
    ztunnelFrom = version;
  }
  return steps;
}
