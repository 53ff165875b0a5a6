/**
 * planRollback: the reverse of an upgrade plan, from wherever the cluster is now back to the
 * version that was running. Downgrades exist only here. Data-plane components go first
 * (ztunnel, then istio-cni, then the control plane) so they are never ahead of it. No gates,
 * no soaks: a rollback is the answer to a rejection or a failure and runs to the end.
 */
import type { Inventory } from '../inventory.js';
import { compareVersions, formatVersion, parseVersion, tryParseVersion } from '../version.js';
import { verificationsOf } from './verification.js';
import { isOwnable } from './steps.js';
import type {
  GatewayTarget,
  GateStep,
  MoveNamespaceStep,
  OwnerChange,
  MoveTagStep,
  Plan,
  RestartWorkloadStep,
  Step,
  TestWorkloadStep,
  UpgradeCniStep,
  UpgradeZtunnelStep,
} from './steps.js';

const PHASE = 'rolling-back' as const;

function stepsOf<K extends Step['kind']>(plan: Plan, kind: K): Extract<Step, { kind: K }>[] {
  return plan.steps.filter((step): step is Extract<Step, { kind: K }> => step.kind === kind);
}

/** Each workload once, in the order the upgrade restarted it. */
function restartedWorkloads(plan: Plan): RestartWorkloadStep[] {
  const seen = new Map<string, RestartWorkloadStep>();
  for (const step of stepsOf(plan, 'restart-workload'))
    if (!seen.has(`${step.namespace}/${step.name}`)) seen.set(`${step.namespace}/${step.name}`, step);
  return [...seen.values()];
}

/** Every gateway a done step switched, once, in the order they were switched. */
function switchedGateways(plan: Plan): GatewayTarget[] {
  const seen = new Map<string, GatewayTarget>();
  for (const gateway of stepsOf(plan, 'switch-gateways').flatMap((step) => step.gateways)) {
    if (!seen.has(`${gateway.namespace}/${gateway.name}`)) seen.set(`${gateway.namespace}/${gateway.name}`, gateway);
  }
  return [...seen.values()];
}

function restartsBack(plan: Plan, version: string, revision: string | null): Step[] {
  return restartedWorkloads(plan).map((step) => ({
    ...step,
    id: `rollback:restart:${step.namespace}/${step.name}@${version}`,
    phase: PHASE,
    expectedVersion: version,
    expectedRevision: revision,
    // A failing test during a rollback has nowhere further back to go: a human must look.
    onTestFailure: 'gate' as const,
    onFailure: 'gate' as const,
    // A workload pinned by its pod label goes back by that label.
    ...(step.podRevLabel !== undefined && revision !== null && { podRevLabel: revision }),
  }));
}

/** Gateways back where they were: pinned ones relabelled to the old revision; those on a tag stay on it (the tag moves back). */
function gatewaysBack(plan: Plan, version: string, revision: string | null): Step[] {
  const gateways = switchedGateways(plan).map((gateway) => ({
    ...gateway,
    revLabel:
      revision !== null && plan.revisions !== null && gateway.revLabel === plan.revisions.to
        ? revision
        : gateway.revLabel,
  }));
  return gateways.length === 0
    ? []
    : [{ kind: 'switch-gateways', id: `rollback:gateways@${version}`, phase: PHASE, gateways, version, revision }];
}

function verifyBack(plan: Plan, version: string, revision: string | null): Step[] {
  const namespaces = [...new Set(restartedWorkloads(plan).map((step) => step.namespace))];
  if (namespaces.length === 0 && switchedGateways(plan).length === 0) return [];
  return [
    { kind: 'verify-proxies', id: `rollback:verify-proxies@${version}`, phase: PHASE, version, revision, namespaces },
  ];
}

/** Each ambient test once, run again where the workloads are once the data plane is back. */
function testsBack(plan: Plan, version: string): Step[] {
  const seen = new Map<string, TestWorkloadStep>();
  for (const step of stepsOf(plan, 'test-workload'))
    if (!seen.has(`${step.namespace}/${step.name}`)) seen.set(`${step.namespace}/${step.name}`, step);
  return [...seen.values()].map((step) => ({
    ...step,
    id: `rollback:test:${step.namespace}/${step.name}@${version}`,
    phase: PHASE,
    onTestFailure: 'gate' as const,
    onFailure: 'gate' as const,
  }));
}

/**
 * ztunnel, then istio-cni, back to the version each really ran before the upgrade touched it
 * (its step's `fromVersion`, else `version`), when a done step upgraded it and it is not there
 * yet. Data-plane components may never run ahead of the control plane, so they go first.
 */
function dataPlaneBack(
  plan: Plan,
  inventory: Inventory,
  done: { ztunnel: UpgradeZtunnelStep | undefined; cni: UpgradeCniStep | undefined },
  version: string,
  ztunnelRevision: string | null,
): Step[] {
  const steps: Step[] = [];
  const ztunnel = inventory.ztunnel?.version ?? inventory.sail?.ztunnel?.version ?? null;
  const cni = inventory.cni?.version ?? inventory.sail?.cni?.version ?? null;
  if (done.ztunnel !== undefined) {
    const back = done.ztunnel.fromVersion ?? version;
    if (ztunnel !== back || done.ztunnel.revision !== null) {
      steps.push({
        kind: 'upgrade-ztunnel',
        id: `rollback:ztunnel@${back}`,
        phase: PHASE,
        method: plan.method,
        fromVersion: ztunnel,
        version: back,
        revision: done.ztunnel.revision === null ? null : ztunnelRevision,
      });
    }
  }
  if (done.cni !== undefined) {
    const back = done.cni.fromVersion ?? version;
    if (cni !== back)
      steps.push({
        kind: 'upgrade-cni',
        id: `rollback:cni@${back}`,
        phase: PHASE,
        method: plan.method,
        fromVersion: cni,
        version: back,
      });
  }
  return steps;
}

function revisionRollback(plan: Plan, inventory: Inventory, revisions: { from: string; to: string }): Step[] {
  const [install] = stepsOf(plan, 'install-revision');
  const namespace = install?.namespace ?? inventory.controlPlane.namespace;
  const sailIstioName = install?.sailIstioName ?? null;
  const oldStillRuns = inventory.controlPlane.revisions.some((revision) => revision.name === revisions.from);
  const steps: Step[] = [];
  // Sail serves one active revision per Istio: setting the version back is what reactivates the old one.
  if (install !== undefined && (plan.method === 'sail' || !oldStillRuns)) {
    steps.push({
      kind: 'install-revision',
      id: `rollback:install-revision:${revisions.from}`,
      phase: PHASE,
      method: plan.method,
      revision: revisions.from,
      version: plan.source,
      namespace,
      sailIstioName,
      ...(plan.method === 'istioctl' && plan.mode === 'ambient' && { withoutNodeAgents: true }),
    });
  }
  // ztunnel goes back to the old revision only once that istiod runs again.
  steps.push(
    ...dataPlaneBack(
      plan,
      inventory,
      { ztunnel: stepsOf(plan, 'upgrade-ztunnel')[0], cni: stepsOf(plan, 'upgrade-cni')[0] },
      plan.source,
      revisions.from,
    ),
  );
  for (const move of [...stepsOf(plan, 'move-tag')].reverse()) {
    const back: MoveTagStep = {
      ...move,
      id: `rollback:move-tag:${move.tag}@${revisions.from}`,
      phase: PHASE,
      fromRevision: revisions.to,
      toRevision: move.fromRevision,
      sailTargetRef: move.sailTargetRef === null ? null : { kind: 'IstioRevision', name: move.fromRevision },
    };
    steps.push(back);
  }
  for (const move of stepsOf(plan, 'move-namespace')) {
    const back: MoveNamespaceStep = {
      ...move,
      id: `rollback:move-namespace:${move.namespace}@${revisions.from}`,
      phase: PHASE,
      from: revisions.to,
      toRevision: revisions.from,
      injectionLabel: move.injectionLabel === 'remove' ? 'restore' : 'unchanged',
    };
    steps.push(back);
  }
  steps.push(
    ...gatewaysBack(plan, plan.source, revisions.from),
    ...restartsBack(plan, plan.source, revisions.from),
    ...testsBack(plan, plan.source),
    ...verifyBack(plan, plan.source, revisions.from),
  );
  // A continuation found the new revision installed by the upgrade it finishes, with namespaces
  // that upgrade moved for good still on it: undoing the continuation leaves it.
  if (
    plan.continues === undefined &&
    inventory.controlPlane.revisions.some((revision) => revision.name === revisions.to)
  ) {
    steps.push({
      kind: 'remove-old-revision',
      id: `rollback:remove-revision:${revisions.to}`,
      phase: PHASE,
      method: plan.method,
      revision: revisions.to,
      version: plan.target,
      namespace,
    });
  }
  // The base chart went first on the way up, so it comes back last.
  for (const base of stepsOf(plan, 'upgrade-base')) {
    steps.push({
      ...base,
      id: `rollback:base@${base.fromVersion}`,
      phase: PHASE,
      fromVersion: base.version,
      version: base.fromVersion,
    });
  }
  return steps;
}

/**
 * A hop going back through the owner that made it (Terraform, GitOps): its release steps are
 * marked as the owner's one change back to `version`, the first applying it, behind the gate the
 * hop went up through (so the way back's change, a saved plan or a commit, is shown before it is
 * applied; a timeout there stops for a human instead of rolling back a rollback). Without an
 * owner the steps are left as they are, minus any mark copied from the way up.
 */
function ownedBack(plan: Plan, hop: { version: string }, version: string, steps: Step[]): Step[] {
  const owner = plan.owner;
  const up = [...stepsOf(plan, 'upgrade-base'), ...stepsOf(plan, 'upgrade-control-plane')]
    .map((step) => step.appliedBy)
    .find((owned) => owned?.applies === true && owned.change === `owner@${hop.version}`);
  const gate: GateStep | null =
    up === undefined || up.gate === null
      ? null
      : {
          ...up.gate,
          id: `rollback:${up.gate.id}`,
          phase: PHASE,
          subject: `go back from ${hop.version} to ${version} through ${up.owner}`,
          onTimeout: 'fail',
        };
  let first = true;
  return steps.map((step) => {
    if (!isOwnable(step)) return step;
    const { appliedBy: _up, ...rest } = step;
    if (owner === undefined) return rest;
    const appliedBy: OwnerChange = { owner, change: `owner@${version}`, applies: first, gate: first ? gate : null };
    first = false;
    return { ...rest, appliedBy };
  });
}

/**
 * A hop whose owner's change applied on its base step (moving istiod and the node agents with it)
 * while its control-plane step never began: a failure at the base step's read-back, say. The
 * cluster says whether the change went through (istiod runs the hop's version); if it did, the
 * way back is the owner's change back to the version the hop left. null when there is none.
 */
function ownerChangeOnly(plan: Plan, inventory: Inventory): { steps: Step[]; back: string } | null {
  const base = stepsOf(plan, 'upgrade-base').at(-1);
  if (plan.owner === undefined || base?.appliedBy?.applies !== true) return null;
  if (stepsOf(plan, 'upgrade-control-plane').some((step) => step.version === base.version)) return null;
  if (!inventory.controlPlane.revisions.some((revision) => revision.version === base.version)) return null;
  const back = base.fromVersion;
  const step: Step = { ...base, id: `rollback:base@${back}`, phase: PHASE, fromVersion: base.version, version: back };
  return { steps: ownedBack(plan, base, back, [step]), back };
}

/**
 * In place: every done hop undone in reverse, each back to the version it really left (its
 * step's `fromVersion`), so a rollback planned after the first hop of a chain goes back to what
 * that hop replaced and no further. Hops that did not start are not touched.
 */
function inPlaceRollback(plan: Plan, inventory: Inventory, warnings: string[]): Step[] {
  const ups = stepsOf(plan, 'upgrade-control-plane');
  const partial = ownerChangeOnly(plan, inventory);
  const [first] = ups;
  if (first === undefined) return partial?.steps ?? [];
  const running =
    inventory.controlPlane.revisions.find((revision) => revision.name === first.revision)?.version ??
    tryParseVersion(inventory.sail?.istio?.version) ??
    null;
  const current = typeof running === 'string' ? tryParseVersion(running) : running;
  if (current === null) {
    warnings.push(`the version of revision ${first.revision} is unknown: assuming every done hop ran`);
  }
  const reached = current ?? parseVersion(ups[ups.length - 1]?.version ?? plan.target);
  const undo = ups.filter((step) => compareVersions(parseVersion(step.fromVersion), reached) < 0).reverse();
  const steps: Step[] = [...(partial?.steps ?? [])];
  let currentText = partial?.back ?? formatVersion(reached);
  for (const hop of undo) {
    const version = hop.fromVersion;
    const ofHop = (step: { version: string }) => step.version === hop.version;
    const releases: Step[] = [
      ...dataPlaneBack(
        plan,
        inventory,
        { ztunnel: stepsOf(plan, 'upgrade-ztunnel').find(ofHop), cni: stepsOf(plan, 'upgrade-cni').find(ofHop) },
        version,
        null,
      ),
      { ...hop, id: `rollback:control-plane@${version}`, phase: PHASE, fromVersion: currentText, version },
    ];
    const base = stepsOf(plan, 'upgrade-base').find(ofHop);
    if (base !== undefined)
      releases.push({ ...base, id: `rollback:base@${version}`, phase: PHASE, fromVersion: base.version, version });
    steps.push(
      ...(plan.owner === undefined ? releases : ownedBack(plan, hop, version, releases)),
      ...gatewaysBack(plan, version, null),
      ...restartsBack(plan, version, null),
      ...testsBack(plan, version),
      ...verifyBack(plan, version, null),
    );
    currentText = version;
  }
  return steps;
}

/**
 * The plan that takes the cluster back to `original.source`, given what runs now. The
 * workflows' compensation stack undoes what they did step by step; this is the same path as
 * a whole, for the operator to read or to run after a crash.
 */
export function planRollback(original: Plan, inventory: Inventory): Plan {
  const warnings: string[] = [];
  const steps = original.revisions
    ? revisionRollback(original, inventory, original.revisions)
    : inPlaceRollback(original, inventory, warnings);
  if (steps.length === 0) warnings.push(`nothing to roll back: the control plane already runs ${original.source}`);
  if (original.strategy === 'in-place' && original.mode === 'sidecar' && steps.length > 0) {
    warnings.push(
      'an in-place downgrade leaves sidecars briefly ahead of istiod until each workload restarts: restarts follow each hop at once',
    );
  }
  return {
    ...original,
    kind: 'rollback',
    source: original.target,
    target: original.source,
    hops: [...original.hops]
      .reverse()
      .slice(1)
      .map((hop) => ({ ...hop, patchFrom: 'target' as const }))
      .concat([{ version: original.source, patchFrom: 'target' }]),
    revisions: original.revisions ? { from: original.revisions.to, to: original.revisions.from } : null,
    steps,
    warnings,
    findings: [],
    verifications: verificationsOf(steps, inventory),
    observedAt: inventory.observedAt,
    // A rollback is judged by its own waits and tests: analysis is for the way forward.
    analysis: undefined,
  };
}

/** What a revert put back on the old revision, as the upgrade's status lists it. */
export interface RevertedPart {
  kind: 'namespace' | 'workload' | 'waypoint';
  namespace: string;
  /** The workload's Deployment, or the namespace's waypoint Gateways (comma-separated). */
  name?: string;
}

/**
 * A partial upgrade's plan without what its reverts put back and the steps they made it skip:
 * its rollback undoes the namespaces that moved and leaves the reverted ones as they are (on the
 * old revision already, annotated for the next start).
 */
export function withoutReverted(plan: Plan, reverted: readonly RevertedPart[], skipped: readonly string[] = []): Plan {
  if (reverted.length === 0 && skipped.length === 0) return plan;
  const skip = new Set(skipped);
  const namespaces = new Set(reverted.filter((r) => r.kind === 'namespace').map((r) => r.namespace));
  // A waypoint revert names every waypoint of its namespace, comma-separated.
  const named = (kind: RevertedPart['kind']) =>
    new Set(
      reverted
        .filter((r) => r.kind === kind)
        .flatMap((r) => (r.name ?? '').split(',').map((name) => `${r.namespace}/${name}`)),
    );
  const workloads = named('workload');
  const waypoints = named('waypoint');
  const steps = plan.steps.flatMap((step): Step[] => {
    if (skip.has(step.id)) return [];
    if (step.kind === 'move-namespace') return namespaces.has(step.namespace) ? [] : [step];
    if (step.kind === 'restart-workload' || step.kind === 'test-workload')
      return namespaces.has(step.namespace) || workloads.has(`${step.namespace}/${step.name}`) ? [] : [step];
    if (step.kind === 'switch-gateways') {
      const gateways = step.gateways.filter((g) => !waypoints.has(`${g.namespace}/${g.name}`));
      return gateways.length === 0 ? [] : [{ ...step, gateways }];
    }
    return [step];
  });
  return { ...plan, steps };
}
