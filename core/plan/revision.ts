/**
 * The revision-based (canary) runbook: install the new revision beside the old, upgrade
 * istio-cni and ztunnel in place (ambient), soak, move gateways, then move each namespace (by
 * tag when every namespace on the tag takes part, else by label) and restart its workloads;
 * the old revision goes last, after a grace period, and only if nothing still uses it.
 */
import { formatVersion } from '../version.js';
import { gate, restarts, soakAfterControlPlane, switchGateways, verifyProxies } from './builders.js';
import type { PlanContext } from './context.js';
import type { Step } from './steps.js';

export function revisionSteps(context: PlanContext, warnings: string[]): Step[] {
  const { spec, inventory, oldRevision, newRevision } = context;
  const method = spec.install.method;
  const version = formatVersion(context.target);
  const from = formatVersion(context.source);
  const steps: Step[] = [
    ...gate(context, spec.gates.beforeControlPlane, 'before-control-plane', `before-control-plane@${version}`, 'control-plane', `install revision ${newRevision} (${version}) beside ${oldRevision} (${from})`),
    {
      kind: 'install-revision',
      id: `install-revision:${newRevision}`,
      phase: 'control-plane',
      method,
      revision: newRevision,
      version,
      namespace: spec.install.namespace,
      sailIstioName: method === 'sail' ? spec.install.sailIstioName : null,
    },
  ];
  // istio-cni and ztunnel have no revisions: they are upgraded in place even here.
  if (spec.install.mode === 'ambient' || inventory.cni !== null) {
    steps.push({ kind: 'upgrade-cni', id: `cni@${version}`, phase: 'data-plane', method, fromVersion: inventory.cni?.version ?? inventory.sail?.cni?.version ?? null, version });
  }
  if (spec.install.mode === 'ambient') {
    steps.push({ kind: 'upgrade-ztunnel', id: `ztunnel@${version}`, phase: 'data-plane', method, fromVersion: inventory.ztunnel?.version ?? inventory.sail?.ztunnel?.version ?? null, version });
  }
  steps.push(...soakAfterControlPlane(context, version));
  if (context.gateways.length > 0) {
    steps.push(
      ...gate(context, spec.gates.beforeGateways, 'before-gateways', `before-gateways@${version}`, 'gateways', `move gateways to ${newRevision}`),
      ...switchGateways(context, version, newRevision),
    );
  }

  const movedByTag = new Set<string>();
  for (const tag of context.movableTags) {
    const followers = context.namespaces.filter((namespace) => namespace.injection === tag);
    followers.forEach((namespace) => movedByTag.add(namespace.name));
    steps.push(
      // A tag no namespace follows moves only so it does not dangle: nothing for a human to weigh.
      ...gate(context, spec.gates.perNamespace && followers.length > 0, 'namespace', `tag:${tag}@${version}`, 'workloads', `move tag ${tag} (namespaces: ${followers.map((n) => n.name).join(', ') || 'none'}) to ${newRevision}`),
      {
        kind: 'move-tag',
        id: `move-tag:${tag}@${newRevision}`,
        phase: 'workloads',
        method,
        tag,
        fromRevision: oldRevision,
        toRevision: newRevision,
        namespaces: followers.map((namespace) => namespace.name),
      },
      ...followers.flatMap((namespace) => restarts(context, namespace, version, newRevision)),
    );
  }
  for (const namespace of context.namespaces) {
    if (movedByTag.has(namespace.name)) continue;
    const needsLabel = namespace.injection !== null && namespace.injection !== newRevision;
    if (!needsLabel && namespace.workloads.length === 0) continue;
    steps.push(
      ...gate(context, spec.gates.perNamespace, 'namespace', `namespace:${namespace.name}@${version}`, 'workloads', `move ${namespace.name} to ${newRevision} and restart its workloads`),
    );
    if (needsLabel) {
      steps.push({
        kind: 'move-namespace',
        id: `move-namespace:${namespace.name}@${newRevision}`,
        phase: 'workloads',
        namespace: namespace.name,
        from: namespace.injection ?? oldRevision,
        toRevision: newRevision,
        injectionLabel: namespace.hasInjectionLabel ? 'remove' : 'unchanged',
      });
    }
    steps.push(...restarts(context, namespace, version, newRevision));
  }
  for (const tag of context.stuckTags) {
    warnings.push(`revision tag ${tag} stays on ${oldRevision}: namespaces outside the scope follow it`);
  }
  steps.push(...verifyProxies(context, version, newRevision));

  if (context.oldRevisionKeptBy.length > 0) {
    warnings.push(`revision ${oldRevision} is kept: still used by ${context.oldRevisionKeptBy.join(', ')}`);
    return steps;
  }
  const removal: Step = { kind: 'remove-old-revision', id: `remove-revision:${oldRevision}`, phase: 'cleanup', method, revision: oldRevision, version: from, namespace: spec.install.namespace };
  if (method === 'sail') {
    // Sail deletes an unused revision by itself after its grace period: a gate could not stop it.
    const grace = inventory.sail?.istio?.inactiveRevisionDeletionGracePeriodSeconds;
    warnings.push(`Sail deletes revision ${oldRevision} by itself ${grace ?? 30}s after it is unused; gates.beforeRemovingOldRevision and timers.graceBeforeRevisionRemoval do not apply`);
    steps.push(removal);
    return steps;
  }
  const grace = spec.timers.graceBeforeRevisionRemoval;
  if (grace > 0) {
    steps.push({ kind: 'soak', id: `grace:${oldRevision}`, phase: 'cleanup', seconds: grace, pauseReason: 'grace-period', reason: `grace period before removing revision ${oldRevision}` });
  }
  steps.push(
    ...gate(context, spec.gates.beforeRemovingOldRevision, 'before-old-revision-removal', `before-removing:${oldRevision}`, 'cleanup', `remove revision ${oldRevision} (${from})`),
    removal,
  );
  return steps;
}
