import { describe, expect, it } from 'vitest';
import { labelPatch } from '../../../activities/kubernetes/labels.js';

describe('label patches', () => {
  it('moves a namespace from istio-injection to a revision label', () => {
    expect(
      labelPatch({ 'istio-injection': 'enabled', team: 'a' }, { 'istio.io/rev': '1-28' }, ['istio-injection']),
    ).toEqual({
      'istio-injection': null,
      'istio.io/rev': '1-28',
    });
  });

  it('is nothing to write when already applied, or when removing a label that is gone', () => {
    expect(labelPatch({ 'istio.io/rev': '1-28' }, { 'istio.io/rev': '1-28' }, ['istio-injection'])).toBeUndefined();
    expect(labelPatch(undefined, {}, ['istio-injection'])).toBeUndefined();
  });
});
