import { describe, expect, it } from 'vitest';
import { sailPatch, sailReadiness } from '../../../activities/sail/activities.js';
import type { SailObject } from '../../../activities/sail/resources.js';

const istio = (generation: number, observed: number, ready: boolean): SailObject => ({
  metadata: { name: 'default', generation },
  spec: { version: 'v1.26.4', updateStrategy: { type: 'RevisionBased' } },
  status: {
    observedGeneration: observed,
    state: ready ? 'Healthy' : 'ReconcileError',
    conditions: [
      { type: 'Reconciled', status: 'True' },
      { type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'Healthy' : 'IstiodNotReady' },
    ],
  },
});

describe('Sail readiness', () => {
  it('is not ready before the operator observed the patch', () => {
    expect(sailReadiness(istio(4, 3, true)).state).toBe('progressing');
    expect(sailReadiness(istio(3, 3, true), 4).state).toBe('progressing');
  });

  it('names the conditions that are pending', () => {
    expect(sailReadiness(istio(4, 4, false))).toMatchObject({ state: 'progressing', message: 'Ready: IstiodNotReady' });
    expect(sailReadiness(istio(4, 4, true)).state).toBe('done');
  });
});

describe('Sail patches', () => {
  it('patches only what differs, and nothing when applied', () => {
    expect(sailPatch(istio(1, 1, true), { kind: 'Istio', version: 'v1.28.0' })).toEqual({
      spec: { version: 'v1.28.0' },
    });
    expect(
      sailPatch(istio(1, 1, true), { kind: 'Istio', version: 'v1.26.4', updateStrategy: { type: 'RevisionBased' } }),
    ).toBeUndefined();
  });
});
