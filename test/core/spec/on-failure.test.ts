import { describe, expect, it } from 'vitest';
import { formatProblems, parseSpec } from '../../../core/spec/parse.js';
import { failureActionOf } from '../../../core/spec/schema.js';
import type { Spec } from '../../../core/spec/schema.js';
import { GATES_OFF } from '../fixtures/cluster.js';

const canary = {
  install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
  version: { target: '1.28.0' },
  approvals: { approvers: ['alice'] },
};

function parsed(input: unknown): Spec {
  const result = parseSpec(input);
  if (!result.ok) throw new Error(formatProblems(result.problems));
  return result.spec;
}

function problems(input: unknown): string[] {
  const result = parseSpec(input);
  if (result.ok) throw new Error('expected the spec to be refused');
  return formatProblems(result.problems).split('\n');
}

describe('onFailure: what a failed workload test does, namespace by namespace', () => {
  it('gates by default, as gates.onTestFailure did', () => {
    expect(failureActionOf(parsed(canary), 'bookinfo')).toBe('gate');
  });

  it('reverts payments alone and rolls back everywhere else', () => {
    const spec = parsed({ ...canary, onFailure: { default: 'rollback', namespaces: { payments: 'revert' } } });
    expect(failureActionOf(spec, 'payments')).toBe('revert');
    expect(failureActionOf(spec, 'bookinfo')).toBe('rollback');
  });

  it('keeps the older switch working: gates.onTestFailure false rolls back, true gates', () => {
    expect(failureActionOf(parsed({ ...canary, gates: { onTestFailure: false } }), 'bookinfo')).toBe('rollback');
    expect(failureActionOf(parsed({ ...canary, gates: { onTestFailure: true } }), 'bookinfo')).toBe('gate');
    // A namespace's own entry wins over the older switch, which only ever set the default.
    const spec = parsed({ ...canary, gates: { onTestFailure: false }, onFailure: { namespaces: { shop: 'revert' } } });
    expect(failureActionOf(spec, 'shop')).toBe('revert');
    expect(failureActionOf(spec, 'bookinfo')).toBe('rollback');
  });

  it('accepts both switches when they agree', () => {
    expect(parseSpec({ ...canary, gates: { onTestFailure: false }, onFailure: { default: 'rollback' } }).ok).toBe(true);
    expect(parseSpec({ ...canary, gates: { onTestFailure: true }, onFailure: { default: 'gate' } }).ok).toBe(true);
  });

  it('refuses both switches when they disagree, naming the field and the older switch', () => {
    expect(problems({ ...canary, gates: { onTestFailure: true }, onFailure: { default: 'revert' } })).toEqual([
      'onFailure.default: revert conflicts with gates.onTestFailure: true (the older switch, meaning gate): remove gates.onTestFailure',
    ]);
    expect(problems({ ...canary, gates: { onTestFailure: false }, onFailure: { default: 'gate' } })).toEqual([
      'onFailure.default: gate conflicts with gates.onTestFailure: false (the older switch, meaning rollback): remove gates.onTestFailure',
    ]);
  });

  it('names the field of a bad value, a bad namespace name and an unknown key', () => {
    expect(
      problems({
        ...canary,
        onFailure: { default: 'retry', namespaces: { shop: 'undo', Bad_Name: 'gate' }, perWorkload: {} },
      }),
    ).toEqual([
      'onFailure.default: expected gate, revert or rollback',
      'onFailure.namespaces.shop: expected gate, revert or rollback',
      'onFailure.namespaces.Bad_Name: expected a Kubernetes name (lowercase letters, digits and "-")',
      'onFailure.perWorkload: unknown field',
    ]);
  });

  it('refuses revert on an in-place upgrade: there is no old revision to go back to', () => {
    const inPlace = { ...canary, install: { ...canary.install, strategy: 'in-place' } };
    expect(problems({ ...inPlace, onFailure: { default: 'revert', namespaces: { shop: 'revert' } } })).toEqual([
      'onFailure.default: revert needs install.strategy revision: an in-place upgrade keeps no old revision to go back to (use gate or rollback)',
      'onFailure.namespaces.shop: revert needs install.strategy revision: an in-place upgrade keeps no old revision to go back to (use gate or rollback)',
    ]);
  });

  it('wants approvers while a failure gates anywhere, and none when every failure reverts or rolls back', () => {
    const ungated = GATES_OFF;
    const { approvals: _approvals, ...noApprovers } = canary;
    expect(parseSpec({ ...noApprovers, gates: ungated, onFailure: { default: 'revert' } }).ok).toBe(true);
    expect(
      problems({ ...noApprovers, gates: ungated, onFailure: { default: 'revert', namespaces: { shop: 'gate' } } }),
    ).toEqual(['approvals.approvers: expected at least one approver while any gate is on (or turn every gate off)']);
    expect(problems({ ...noApprovers, gates: ungated })).toEqual([
      'approvals.approvers: expected at least one approver while any gate is on (or turn every gate off)',
    ]);
  });
});
