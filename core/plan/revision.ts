/**
 * The revision-based (canary) runbook: the Helm base chart, the new revision beside the old,
 * soak; in ambient istio-cni in place, then (behind a gate) ztunnel in place and pointed at the
 * new revision; gateways pinned to the old revision; then each namespace (by tag when every
 * namespace on the tag takes part, else by label), its workloads restarted (sidecar) or tested
 * through ztunnel (ambient), and the gateways and waypoints that follow the tag; the default
 * revision moves to the new one behind a gate; the old revision goes last, after a grace
 * period, and only if nothing (workload, gateway, waypoint, ztunnel, tag) still uses it.
 *
 * https://istio.io/latest/docs/setup/upgrade/canary/
 * https://istio.io/latest/docs/setup/upgrade/helm/
 * https://istio.io/latest/docs/ambient/upgrade/helm/
 * https://github.com/istio-ecosystem/sail-operator/blob/main/docs/README.md#revisionbased
 */
import { formatVersion } from '../version.js';
import {
  gate,
  restarts,
  soakAfterControlPlane,
  switchGateways,
  testWorkloads,
  upgradeBase,
  verifyProxies,
} from './builders.js';
import type { PlanContext, ScopedNamespace } from './context.js';
import type { MoveTagStep, Step } from './steps.js';

export function revisionSteps(context: PlanContext, warnings: string[]): Step[] {
  const { spec, inventory, oldRevision, newRevision } = context;
  const method = spec.install.method;
  const version = formatVersion(context.target);
  const from = formatVersion(context.source);
  const ambient = spec.install.mode === 'ambient';
  const sailIstioName = method === 'sail' ? spec.install.sailIstioName : null;
  const routeOf = (gateway: { namespace: string; name: string }) =>
    context.gatewayRoutes.get(`${gateway.namespace}/${gateway.name}`);
  // A continuation finds the new revision installed and soaked, and the node agents on the target
  // already: it installs nothing and goes straight to what was reverted.
  const continues = context.continuation !== null;
  const atTarget = (running: string | null | undefined) => continues && running === version;
  const steps: Step[] = continues
    ? []
    : [
        ...gate(
          context,
          spec.gates.beforeControlPlane,
          'before-control-plane',
          `before-control-plane@${version}`,
          'control-plane',
          `install revision ${newRevision} (${version}) beside ${oldRevision} (${from})`,
        ),
        // The default revision's base values stay on the old revision until the default tag moves.
        ...upgradeBase(context, from, version, context.defaultRevision),
        {
          kind: 'install-revision',
          id: `install-revision:${newRevision}`,
          phase: 'control-plane',
          method,
          revision: newRevision,
          version,
          namespace: spec.install.namespace,
          sailIstioName,
          ...(method === 'istioctl' && ambient && { withoutNodeAgents: true }),
        },
        ...soakAfterControlPlane(context, version),
      ];
  // istio-cni and ztunnel have no revisions: they are upgraded in place even here, after the
  // new istiod is ready and has soaked, ztunnel last and pointed at the new revision.
  if ((ambient || inventory.cni !== null) && !atTarget(inventory.cni?.version ?? inventory.sail?.cni?.version)) {
    steps.push({
      kind: 'upgrade-cni',
      id: `cni@${version}`,
      phase: 'data-plane',
      method,
      fromVersion: inventory.cni?.version ?? inventory.sail?.cni?.version ?? null,
      version,
    });
  }
  if (ambient && !atTarget(inventory.ztunnel?.version ?? inventory.sail?.ztunnel?.version)) {
    steps.push(
      ...gate(
        context,
        spec.gates.beforeZtunnel,
        'before-ztunnel',
        `before-ztunnel@${version}`,
        'data-plane',
        `roll ztunnel to ${version} node by node and point it at ${newRevision}`,
      ),
      {
        kind: 'upgrade-ztunnel',
        id: `ztunnel@${version}`,
        phase: 'data-plane',
        method,
        fromVersion: inventory.ztunnel?.version ?? inventory.sail?.ztunnel?.version ?? null,
        version,
        revision: newRevision,
      },
    );
  }
  const pinned = context.gateways.filter((gateway) => routeOf(gateway)?.via !== 'tag');
  if (pinned.length > 0) {
    steps.push(
      ...gate(
        context,
        spec.gates.beforeGateways,
        'before-gateways',
        `before-gateways@${version}`,
        'gateways',
        `move gateways pinned to ${oldRevision} to ${newRevision}`,
      ),
      ...switchGateways(context, pinned, `gateways@${version}`, version, newRevision),
    );
  }

  const afterMove = (namespace: ScopedNamespace) => [
    ...restarts(context, namespace, version, newRevision),
    ...testWorkloads(context, namespace, version),
  ];
  const onTag = (tag: string) =>
    context.gateways.filter((gateway) => {
      const route = routeOf(gateway);
      return route?.via === 'tag' && route.tag === tag;
    });
  const moveTag = (tag: string, followers: ScopedNamespace[]): MoveTagStep => ({
    kind: 'move-tag',
    id: `move-tag:${tag}@${newRevision}`,
    phase: 'workloads',
    method,
    tag,
    fromRevision: oldRevision,
    toRevision: newRevision,
    namespaces: followers.map((namespace) => namespace.name),
    // A Sail tag aimed at the Istio resource follows its active revision from now on.
    sailTargetRef: sailIstioName === null ? null : { kind: 'Istio', name: sailIstioName },
  });

  const movedByTag = new Set<string>();
  const defaultTag = context.movableTags.includes('default') || context.createsDefaultTag;
  for (const tag of context.movableTags.filter((name) => name !== 'default')) {
    const followers = context.namespaces.filter((namespace) => namespace.injection === tag);
    followers.forEach((namespace) => movedByTag.add(namespace.name));
    const gateways = onTag(tag);
    steps.push(
      // A tag nothing follows moves only so it does not dangle: nothing for a human to weigh.
      ...gate(
        context,
        spec.gates.perNamespace && (followers.length > 0 || gateways.length > 0),
        'namespace',
        `tag:${tag}@${version}`,
        'workloads',
        `move tag ${tag} (namespaces: ${followers.map((n) => n.name).join(', ') || 'none'}) to ${newRevision}`,
      ),
      moveTag(tag, followers),
      ...switchGateways(context, gateways, `gateways:tag:${tag}@${version}`, version, newRevision, 'workloads'),
      ...followers.flatMap(afterMove),
    );
    const existing = inventory.sail?.revisionTags.find((sailTag) => sailTag.name === tag);
    if (existing?.targetRef?.kind === 'Istio') {
      warnings.push(
        `IstioRevisionTag ${tag} already follows Istio ${existing.targetRef.name}: its namespaces take ${newRevision} at their next restart as soon as Sail activates it`,
      );
    }
  }
  if (context.movableTags.includes('default')) {
    // Namespaces on the default tag move with it (below), not one by one.
    context.namespaces
      .filter((namespace) => namespace.injection === 'default')
      .forEach((namespace) => movedByTag.add(namespace.name));
  }
  for (const namespace of context.namespaces) {
    if (movedByTag.has(namespace.name)) continue;
    const needsLabel = namespace.injection !== null && namespace.injection !== newRevision;
    if (!needsLabel && namespace.workloads.length === 0 && namespace.tested.length === 0) continue;
    steps.push(
      ...gate(
        context,
        spec.gates.perNamespace,
        'namespace',
        `namespace:${namespace.name}@${version}`,
        'workloads',
        `move ${namespace.name} to ${newRevision} and ${namespace.workloads.length > 0 ? 'restart' : 'test'} its workloads`,
      ),
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
    steps.push(...afterMove(namespace));
  }
  if (defaultTag) {
    // The default revision serves istio-injection=enabled namespaces, pods without a revision
    // label, new namespaces and the default validating webhook: it must be the new revision
    // before the old one goes. https://istio.io/latest/docs/setup/upgrade/canary/#default-tag
    // A revision-less istiod's namespaces were moved by label above: the new tag carries none yet.
    const followers = context.movableTags.includes('default')
      ? context.namespaces.filter((namespace) => namespace.injection === 'default')
      : [];
    steps.push(
      ...gate(
        context,
        spec.gates.beforeDefaultTag,
        'default-tag',
        `default-tag@${version}`,
        'workloads',
        `make ${newRevision} the default revision (istio-injection=enabled namespaces, new namespaces, validation)`,
      ),
      moveTag('default', followers),
      ...switchGateways(
        context,
        onTag('default'),
        `gateways:tag:default@${version}`,
        version,
        newRevision,
        'workloads',
      ),
      ...followers.flatMap(afterMove),
    );
  }
  for (const tag of context.stuckTags) {
    warnings.push(`revision tag ${tag} stays on ${oldRevision}: namespaces outside the scope follow it`);
  }
  steps.push(...verifyProxies(context, version, newRevision));

  if (context.oldRevisionKeptBy.length > 0) {
    warnings.push(`revision ${oldRevision} is kept: still used by ${context.oldRevisionKeptBy.join(', ')}`);
    return steps;
  }
  const removal: Step = {
    kind: 'remove-old-revision',
    id: `remove-revision:${oldRevision}`,
    phase: 'cleanup',
    method,
    revision: oldRevision,
    version: from,
    namespace: spec.install.namespace,
  };
  if (method === 'sail') {
    // Sail deletes an unused revision by itself after its grace period: a gate could not stop it.
    const grace = inventory.sail?.istio?.inactiveRevisionDeletionGracePeriodSeconds;
    warnings.push(
      `Sail deletes revision ${oldRevision} by itself ${grace ?? 30}s after it is unused; gates.beforeRemovingOldRevision and timers.graceBeforeRevisionRemoval do not apply`,
    );
    steps.push(removal);
    return steps;
  }
  const grace = spec.timers.graceBeforeRevisionRemoval;
  if (grace > 0) {
    steps.push({
      kind: 'soak',
      id: `grace:${oldRevision}`,
      phase: 'cleanup',
      seconds: grace,
      pauseReason: 'grace-period',
      reason: `grace period before removing revision ${oldRevision}`,
    });
  }
  steps.push(
    ...gate(
      context,
      spec.gates.beforeRemovingOldRevision,
      'before-old-revision-removal',
      `before-removing:${oldRevision}`,
      'cleanup',
      `remove revision ${oldRevision} (${from})`,
    ),
    removal,
  );
  return steps;
}
