import { describe, expect, it } from 'vitest';
import { planRollback } from '../../../core/plan/rollback.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import { cluster, revision, spec } from '../fixtures/cluster.js';
import { ofKind, outline } from './helpers.js';

describe('rollback', () => {
  it('moves bookinfo back to the default revision, restores istio-injection, restarts it and removes 1-28-0', () => {
    const upgrade = planUpgrade(spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }), cluster());
    const midway = cluster();
    midway.controlPlane.revisions.push(revision('1-28-0', '1.28.0'));
    const rollback = planRollback(upgrade, midway);
    expect(rollback).toMatchObject({ kind: 'rollback', source: '1.28.0', target: '1.27.3', revisions: { from: '1-28-0', to: 'default' }, findings: [] });
    expect(outline(rollback)).toEqual([
      'switch-gateways rollback:gateways@1.27.3',
      'move-namespace rollback:move-namespace:bookinfo@default',
      'restart-workload rollback:restart:bookinfo/details-v1@1.27.3',
      'restart-workload rollback:restart:bookinfo/productpage-v1@1.27.3',
      'restart-workload rollback:restart:bookinfo/ratings-v1@1.27.3',
      'restart-workload rollback:restart:bookinfo/reviews-v2@1.27.3',
      'verify-proxies rollback:verify-proxies@1.27.3',
      'remove-old-revision rollback:remove-revision:1-28-0',
    ]);
    expect(ofKind(rollback, 'move-namespace')[0]).toMatchObject({ from: '1-28-0', toRevision: 'default', injectionLabel: 'restore' });
    expect(rollback.steps.every((step) => step.phase === 'rolling-back')).toBe(true);
  });

  it('reinstalls the old revision first when it was already removed', () => {
    const upgrade = planUpgrade(spec({ install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }), cluster({ revision: '1-27-3', installer: 'istioctl', bookinfoLabels: { 'istio.io/rev': '1-27-3' } }));
    const done = cluster({ revision: '1-28-0', version: '1.28.0', installer: 'istioctl' });
    expect(outline(planRollback(upgrade, done))[0]).toBe('install-revision rollback:install-revision:1-27-3');
  });

  it('takes an ambient in-place upgrade stopped at 1.27.3 back to 1.26.4: ztunnel, then istio-cni, then the control plane', () => {
    const upgrade = planUpgrade(
      spec({ install: { method: 'helm', mode: 'ambient', strategy: 'in-place' }, version: { target: '1.28.0' } }),
      cluster({ version: '1.26.4', ambient: true }),
    );
    const stopped = cluster({ version: '1.27.3', ambient: true });
    const rollback = planRollback(upgrade, stopped);
    expect(outline(rollback)).toEqual([
      'upgrade-ztunnel rollback:ztunnel@1.26.4',
      'upgrade-cni rollback:cni@1.26.4',
      'upgrade-control-plane rollback:control-plane@1.26.4',
      'switch-gateways rollback:gateways@1.26.4',
      'verify-proxies rollback:verify-proxies@1.26.4',
    ]);
    expect(ofKind(rollback, 'upgrade-control-plane')[0]).toMatchObject({ fromVersion: '1.27.3', version: '1.26.4', method: 'helm' });
    expect(ofKind(rollback, 'gate')).toEqual([]);
  });

  it('walks an in-place sidecar upgrade back one minor at a time through the same patches', () => {
    const upgrade = planUpgrade(spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' } }), cluster({ version: '1.25.5' }));
    const rollback = planRollback(upgrade, cluster({ version: '1.28.0' }));
    expect(ofKind(rollback, 'upgrade-control-plane').map((step) => `${step.fromVersion}->${step.version}`)).toEqual(['1.28.0->1.27.3', '1.27.3->1.26.4', '1.26.4->1.25.5']);
    expect(ofKind(rollback, 'restart-workload')).toHaveLength(12);
  });

  it('has nothing to do when the control plane already runs the source', () => {
    const upgrade = planUpgrade(spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' } }), cluster());
    const rollback = planRollback(upgrade, cluster());
    expect(rollback.steps).toEqual([]);
    expect(rollback.warnings).toEqual(['nothing to roll back: the control plane already runs 1.27.3']);
  });
});
