/**
 * The rollback part of a plan, as `plan` prints it: at each point where the upgrade can stop (a
 * gate a human may reject, and the end), what undoing everything done so far looks like, and the
 * step after which undoing is no longer part of the runbook (the old revision's removal: going
 * back then is a new installation of the old version, not a rollback).
 *
 * Each point's rollback is `planRollback` of the steps done so far against the inventory those
 * steps would leave, so it is the same plan the workflow would run there.
 */
import type { Inventory } from '../inventory.js';
import { planRollback } from './rollback.js';
import type { Plan, Step } from './steps.js';

export interface RollbackPoint {
  /** The step the upgrade would stop at (a gate, or null for "after the last step"). */
  before: string | null;
  /** How many steps of the upgrade are done at that point. */
  done: number;
  steps: Step[];
}

export interface RollbackSummary {
  points: RollbackPoint[];
  /** The step after which no rollback is planned any more (the old revision's removal), or null. */
  noReturnAfter: string | null;
}

/**
 * The inventory the done steps would leave: versions of istiod, istio-cni and ztunnel, which
 * revisions exist and where tags point. Only what planRollback reads is predicted.
 */
export function predictInventory(inventory: Inventory, done: readonly Step[]): Inventory {
  const next = JSON.parse(JSON.stringify(inventory)) as Inventory;
  const template = next.controlPlane.revisions[0];
  for (const step of done) {
    switch (step.kind) {
      case 'upgrade-control-plane': {
        const revision = next.controlPlane.revisions.find((candidate) => candidate.name === step.revision);
        if (revision) revision.version = step.version;
        if (next.sail?.istio) next.sail.istio.version = step.version;
        if (step.alsoUpgrades.cni && next.cni) next.cni.version = step.version;
        if (step.alsoUpgrades.ztunnel && next.ztunnel) next.ztunnel.version = step.version;
        break;
      }
      case 'install-revision':
        if (template && !next.controlPlane.revisions.some((candidate) => candidate.name === step.revision)) {
          next.controlPlane.revisions.push({ ...template, name: step.revision, version: step.version });
        }
        if (next.sail?.istio) next.sail.istio.version = step.version;
        break;
      case 'upgrade-cni':
        if (next.cni) next.cni.version = step.version;
        if (next.sail?.cni) next.sail.cni.version = step.version;
        break;
      case 'upgrade-ztunnel':
        if (next.ztunnel) next.ztunnel.version = step.version;
        if (next.sail?.ztunnel) next.sail.ztunnel.version = step.version;
        break;
      case 'move-tag': {
        const tag = next.controlPlane.tags.find((candidate) => candidate.name === step.tag);
        if (tag) tag.revision = step.toRevision;
        else next.controlPlane.tags.push({ name: step.tag, revision: step.toRevision });
        break;
      }
      case 'remove-old-revision':
        next.controlPlane.revisions = next.controlPlane.revisions.filter(
          (candidate) => candidate.name !== step.revision,
        );
        break;
      case 'precheck':
      case 'gate':
      case 'upgrade-base':
      case 'switch-gateways':
      case 'move-namespace':
      case 'restart-workload':
      case 'test-workload':
      case 'verify-proxies':
      case 'soak':
        break;
    }
  }
  return next;
}

export function rollbackPoints(plan: Plan, inventory: Inventory): RollbackSummary {
  const removal = plan.steps.findIndex((step) => step.kind === 'remove-old-revision');
  const end = removal === -1 ? plan.steps.length : removal;
  const at = (done: number, before: string | null): RollbackPoint => {
    const prefix = plan.steps.slice(0, done);
    return { before, done, steps: planRollback({ ...plan, steps: prefix }, predictInventory(inventory, prefix)).steps };
  };
  const points: RollbackPoint[] = [];
  plan.steps.slice(0, end).forEach((step, index) => {
    if (step.kind === 'gate') points.push(at(index, step.id));
  });
  points.push(at(end, removal === -1 ? null : (plan.steps[removal]?.id ?? null)));
  // A point that undoes exactly what the one before it undoes (only gates or timers between) says nothing new.
  const same = (a: RollbackPoint, b: RollbackPoint | undefined) =>
    b !== undefined && a.steps.map((step) => step.id).join() === b.steps.map((step) => step.id).join();
  const distinct = points.filter((point, index) => point.steps.length > 0 && !same(point, points[index - 1]));
  return { points: distinct, noReturnAfter: removal === -1 ? null : (plan.steps[removal]?.id ?? null) };
}
