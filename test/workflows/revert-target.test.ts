/**
 * What a revert at a failed workload's gate would put back, decided before anything is written
 * (the revert Update's validator and the gate's description rest on it), from the plan's revert
 * units, and from the steps of a plan recorded before they existed.
 */
import { describe, expect, it } from 'vitest';
import { planUpgrade } from '../../core/plan/upgrade.js';
import type { Plan, RestartWorkloadStep, Step } from '../../core/plan/steps.js';
import { describeRevert, onFailureOf, revertTarget } from '../../workflows/revert.js';
import { cluster, spec } from '../core/fixtures/cluster.js';

const canary = () =>
  planUpgrade(
    spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
    cluster(),
  );
const restartOf = (plan: Plan, name: string) =>
  plan.steps.find((s): s is RestartWorkloadStep => s.kind === 'restart-workload' && s.name === name) as Step;

describe('revertTarget', () => {
  it("puts bookinfo's istio-injection=enabled back: the namespace follows the default again", () => {
    const plan = canary();
    const target = revertTarget(restartOf(plan, 'ratings-v1'), plan, cluster());
    expect(target).toMatchObject({
      kind: 'namespace',
      namespace: 'bookinfo',
      from: '1-28-0',
      to: 'default',
      restore: { set: { 'istio-injection': 'enabled' }, remove: ['istio.io/rev'] },
      usesDefault: true,
    });
    if ('refused' in target) throw new Error(target.refused);
    expect(describeRevert(target, ['details-v1', 'ratings-v1'], '1.27.3')).toBe(
      'revert puts namespace bookinfo back on default (1.27.3): labels istio-injection=enabled, no istio.io/rev, restart details-v1, ratings-v1 once each, and skip the rest of its steps; the old revision stays for it',
    );
  });

  it('reads a plan recorded before revert units the same way, from its move-namespace step', () => {
    const plan = canary();
    const { reverts: _units, ...recorded } = plan;
    expect(revertTarget(restartOf(plan, 'ratings-v1'), recorded, cluster())).toEqual(
      revertTarget(restartOf(plan, 'ratings-v1'), plan, cluster()),
    );
  });

  it("refuses at a gate that is not a workload's, and in place, where no old revision stays", () => {
    const plan = canary();
    const install = plan.steps.find((s) => s.kind === 'install-revision') as Step;
    expect(revertTarget(install, plan, cluster())).toEqual({
      refused: 'revert answers only a failed restart, test or analysis of a workload',
    });
    const inPlace = planUpgrade(
      spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' } }),
      cluster(),
    );
    expect(revertTarget(restartOf(inPlace, 'ratings-v1'), inPlace, cluster())).toEqual({
      refused: 'an in-place upgrade keeps no old revision beside the new one to go back to',
    });
  });
});

describe('onFailureOf', () => {
  it("reads the spec's onFailure, else the older onTestFailure of recorded plans", () => {
    const step = restartOf(canary(), 'ratings-v1') as RestartWorkloadStep;
    expect(onFailureOf({ ...step, onFailure: 'revert' })).toBe('revert');
    const { onFailure: _absent, ...recorded } = step;
    expect(onFailureOf({ ...recorded, onTestFailure: 'rollback' })).toBe('rollback');
    expect(onFailureOf({ ...recorded, onTestFailure: 'gate' })).toBe('gate');
  });
});
