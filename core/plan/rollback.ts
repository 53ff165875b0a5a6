/**
 * planRollback: the reverse of an upgrade plan, from wherever the cluster is now back to the
 * version that was running. Downgrades exist only here. Data-plane components go first
 * (ztunnel, then istio-cni, then the control plane) so they are never ahead of it. No gates,
 * no soaks: a rollback is the answer to a rejection or a failure and runs to the end.
 */
import type { Inventory } from '../inventory.js';
import { compareVersions, formatVersion, parseVersion, tryParseVersion } from '../version.js';
import type { Version } from '../version.js';
import type { GatewayTarget, MoveNamespaceStep, MoveTagStep, Plan, RestartWorkloadStep, Step } from './steps.js';

const PHASE = 'rolling-back' as const;

function stepsOf<K extends Step['kind']>(plan: Plan, kind: K): Extract<Step, { kind: K }>[] {
  return plan.steps.filter((step): step is Extract<Step, { kind: K }> => step.kind === kind);
}

/** Each workload once, in the order the upgrade restarted it. */
function restartedWorkloads(plan: Plan): RestartWorkloadStep[] {
  const seen = new Map<string, RestartWorkloadStep>();
  for (const step of stepsOf(plan, 'restart-workload')) if (!seen.has(`${step.namespace}/${step.name}`)) seen.set(`${step.namespace}/${step.name}`, step);
  return [...seen.values()];
}

function switchedGateways(plan: Plan): GatewayTarget[] {
  return stepsOf(plan, 'switch-gateways')[0]?.gateways ?? [];
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
  }));
}

function gatewaysBack(plan: Plan, version: string, revision: string | null): Step[] {
  const gateways = switchedGateways(plan);
  return gateways.length === 0 ? [] : [{ kind: 'switch-gateways', id: `rollback:gateways@${version}`, phase: PHASE, gateways, version, revision }];
}

function verifyBack(plan: Plan, version: string, revision: string | null): Step[] {
  const namespaces = [...new Set(restartedWorkloads(plan).map((step) => step.namespace))];
  if (namespaces.length === 0 && switchedGateways(plan).length === 0) return [];
  return [{ kind: 'verify-proxies', id: `rollback:verify-proxies@${version}`, phase: PHASE, version, revision, namespaces }];
}

/** ztunnel, then istio-cni, to `version`, when the upgrade touched them and they are not there yet. */
function dataPlaneBack(plan: Plan, inventory: Inventory, version: string, first: boolean): Step[] {
  const steps: Step[] = [];
  const needs = (current: string | null | undefined) => !first || current !== version;
  const ztunnel = inventory.ztunnel?.version ?? inventory.sail?.ztunnel?.version ?? null;
  const cni = inventory.cni?.version ?? inventory.sail?.cni?.version ?? null;
  if (stepsOf(plan, 'upgrade-ztunnel').length > 0 && needs(ztunnel)) {
    steps.push({ kind: 'upgrade-ztunnel', id: `rollback:ztunnel@${version}`, phase: PHASE, method: plan.method, fromVersion: ztunnel, version });
  }
  if (stepsOf(plan, 'upgrade-cni').length > 0 && needs(cni)) {
    steps.push({ kind: 'upgrade-cni', id: `rollback:cni@${version}`, phase: PHASE, method: plan.method, fromVersion: cni, version });
  }
  return steps;
}

function revisionRollback(plan: Plan, inventory: Inventory, revisions: { from: string; to: string }): Step[] {
  const [install] = stepsOf(plan, 'install-revision');
  const namespace = install?.namespace ?? inventory.controlPlane.namespace;
  const sailIstioName = install?.sailIstioName ?? null;
  const oldStillRuns = inventory.controlPlane.revisions.some((revision) => revision.name === revisions.from);
  const steps: Step[] = [...dataPlaneBack(plan, inventory, plan.source, true)];
  // Sail serves one active revision per Istio: setting the version back is what reactivates the old one.
  if (plan.method === 'sail' || !oldStillRuns) {
    steps.push({ kind: 'install-revision', id: `rollback:install-revision:${revisions.from}`, phase: PHASE, method: plan.method, revision: revisions.from, version: plan.source, namespace, sailIstioName });
  }
  steps.push(...gatewaysBack(plan, plan.source, revisions.from));
  for (const move of stepsOf(plan, 'move-tag')) {
    const back: MoveTagStep = { ...move, id: `rollback:move-tag:${move.tag}@${revisions.from}`, phase: PHASE, fromRevision: revisions.to, toRevision: revisions.from };
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
  steps.push(...restartsBack(plan, plan.source, revisions.from), ...verifyBack(plan, plan.source, revisions.from));
  if (inventory.controlPlane.revisions.some((revision) => revision.name === revisions.to)) {
    steps.push({ kind: 'remove-old-revision', id: `rollback:remove-revision:${revisions.to}`, phase: PHASE, method: plan.method, revision: revisions.to, version: plan.target, namespace });
  }
  return steps;
}

function inPlaceRollback(plan: Plan, inventory: Inventory, warnings: string[]): Step[] {
  const [first] = stepsOf(plan, 'upgrade-control-plane');
  if (first === undefined) return [];
  const running = inventory.controlPlane.revisions.find((revision) => revision.name === first.revision)?.version ?? inventory.sail?.istio?.version ?? null;
  const current = tryParseVersion(running);
  if (current === null) {
    warnings.push(`the version of revision ${first.revision} is unknown: assuming the whole upgrade ran`);
  }
  const chain: Version[] = [plan.source, ...plan.hops.map((hop) => hop.version)].map(parseVersion);
  const from = current ?? parseVersion(plan.target);
  const back = chain.filter((version) => compareVersions(version, from) < 0 && compareVersions(version, parseVersion(plan.source)) >= 0).reverse();
  const steps: Step[] = [];
  let currentText = formatVersion(from);
  back.forEach((hop, index) => {
    const version = formatVersion(hop);
    steps.push(
      ...dataPlaneBack(plan, inventory, version, index === 0),
      { ...first, id: `rollback:control-plane@${version}`, phase: PHASE, fromVersion: currentText, version },
      ...gatewaysBack(plan, version, null),
      ...restartsBack(plan, version, null),
      ...verifyBack(plan, version, null),
    );
    currentText = version;
  });
  return steps;
}

/**
 * The plan that takes the cluster back to `original.source`, given what runs now. The
 * workflows' compensation stack undoes what they did step by step; this is the same path as
 * a whole, for the operator to read or to run after a crash.
 */
export function planRollback(original: Plan, inventory: Inventory): Plan {
  const warnings: string[] = [];
  const steps = original.revisions ? revisionRollback(original, inventory, original.revisions) : inPlaceRollback(original, inventory, warnings);
  if (steps.length === 0) warnings.push(`nothing to roll back: the control plane already runs ${original.source}`);
  if (original.strategy === 'in-place' && original.mode === 'sidecar' && steps.length > 0) {
    warnings.push('an in-place downgrade leaves sidecars briefly ahead of istiod until each workload restarts: restarts follow each hop at once');
  }
  return {
    ...original,
    kind: 'rollback',
    source: original.target,
    target: original.source,
    hops: [...original.hops].reverse().slice(1).map((hop) => ({ ...hop, patchFrom: 'target' as const })).concat([{ version: original.source, patchFrom: 'target' }]),
    revisions: original.revisions ? { from: original.revisions.to, to: original.revisions.from } : null,
    steps,
    warnings,
    findings: [],
    observedAt: inventory.observedAt,
  };
}
