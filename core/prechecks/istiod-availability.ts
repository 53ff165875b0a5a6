/**
 * Catches an in-place upgrade of an istiod with one replica or no PodDisruptionBudget: while it
 * rolls, pods cannot be injected and config stops flowing to the proxies.
 */
import type { Precheck } from './precheck.js';

/** In place, istiod rolls under load: one replica or no PDB means a window with no control plane. */
export const istiodAvailability: Precheck = {
  id: 'istiod-availability',
  title: 'A single istiod replica or no PodDisruptionBudget before an in-place upgrade',
  run(input) {
    const { spec, inventory, oldRevision } = input.context;
    if (spec.install.strategy !== 'in-place') return [];
    const revision = inventory.controlPlane.revisions.find((candidate) => candidate.name === oldRevision);
    if (revision === undefined) return [];
    const evidence = [
      ...(revision.istiodReplicas < 2
        ? [
            `istiod of revision ${revision.name} in ${inventory.controlPlane.namespace}: ${revision.istiodReplicas} replica`,
          ]
        : []),
      ...(revision.hasPodDisruptionBudget ? [] : [`revision ${revision.name}: no PodDisruptionBudget selects istiod`]),
    ];
    if (evidence.length === 0) return [];
    return [
      {
        check: 'istiod-availability',
        severity: 'warn',
        message:
          'istiod may be briefly unavailable while it rolls in place: new pods cannot be injected and config stops flowing',
        evidence,
        remedy: 'Run at least two istiod replicas with a PodDisruptionBudget during the upgrade',
      },
    ];
  },
};
