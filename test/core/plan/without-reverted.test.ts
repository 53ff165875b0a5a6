import { describe, expect, it } from 'vitest';
import { planRollback, withoutReverted } from '../../../core/plan/rollback.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import { cluster, revision, spec } from '../fixtures/cluster.js';
import { outline } from './helpers.js';

describe('the rollback of a partial upgrade', () => {
  it('leaves out the reverted namespace (its move and restarts) and the steps the revert skipped; its gate, done, undoes nothing', () => {
    const upgrade = planUpgrade(
      spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
      cluster(),
    );
    const partial = withoutReverted(
      upgrade,
      [{ kind: 'namespace', namespace: 'bookinfo' }],
      ['move-tag:default@1-28-0'],
    );
    expect(
      partial.steps
        .map((s) => s.id)
        .filter((id) => !id.startsWith('gate:') && (id.includes('bookinfo') || id.startsWith('move-tag'))),
    ).toEqual([]);
    const midway = cluster();
    midway.controlPlane.revisions.push(revision('1-28-0', '1.28.0'));
    expect(outline(planRollback(partial, midway)).filter((line) => /bookinfo|move-tag/.test(line))).toEqual([]);
  });

  it('leaves out only the reverted workload of a namespace pinned by pod label, and keeps a plan without reverts as it is', () => {
    const upgrade = planUpgrade(
      spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
      cluster(),
    );
    expect(withoutReverted(upgrade, [])).toBe(upgrade);
    const partial = withoutReverted(upgrade, [{ kind: 'workload', namespace: 'bookinfo', name: 'ratings-v1' }]);
    expect(upgrade.steps.length - partial.steps.length).toBe(1);
    expect(partial.steps.some((s) => s.id === 'restart:bookinfo/ratings-v1@1.28.0')).toBe(false);
  });
});
