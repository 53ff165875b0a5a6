/**
 * A spec with every gate off may name no approvers, but a failure the spec does not settle still
 * stops at a gate: the plan says so before anything starts.
 */
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../core/spec/parse.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import { GATES_OFF, cluster, spec } from '../fixtures/cluster.js';

const UNGATED = {
  install: { method: 'istioctl', mode: 'sidecar', strategy: 'in-place' },
  version: { target: '1.27.3' },
  gates: GATES_OFF,
  onFailure: { default: 'rollback' },
} as const;

describe('a plan without approvers', () => {
  it('warns, naming approvals.approvers, that a failure gate could only be aborted', () => {
    const parsed = parseSpec(UNGATED);
    if (!parsed.ok) throw new Error(`spec refused: ${JSON.stringify(parsed.problems)}`);
    const plan = planUpgrade(parsed.spec, cluster({ version: '1.26.4', installer: 'istioctl' }));
    expect(plan.steps.filter((step) => step.kind === 'gate')).toEqual([]);
    expect(plan.warnings).toEqual([
      expect.stringMatching(/^approvals\.approvers is empty: .* nobody may retry or skip/),
    ]);
  });

  it('says nothing when the spec names an approver', () => {
    const plan = planUpgrade(spec(UNGATED), cluster({ version: '1.26.4', installer: 'istioctl' }));
    expect(plan.warnings.filter((warning) => warning.includes('approvers'))).toEqual([]);
  });
});
