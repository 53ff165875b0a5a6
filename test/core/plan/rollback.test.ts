import { describe, expect, it } from 'vitest';
import { predictInventory } from '../../../core/plan/rollback-points.js';
import { planRollback } from '../../../core/plan/rollback.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import { cluster, revision, spec } from '../fixtures/cluster.js';
import { ofKind, outline } from './helpers.js';

describe('rollback', () => {
  it('gives the default back to the revision-less istiod, moves bookinfo back, restores istio-injection, restarts it, removes 1-28-0 and the base chart last', () => {
    const upgrade = planUpgrade(
      spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
      cluster(),
    );
    const midway = cluster();
    midway.controlPlane.revisions.push(revision('1-28-0', '1.28.0'));
    const rollback = planRollback(upgrade, midway);
    expect(rollback).toMatchObject({
      kind: 'rollback',
      source: '1.28.0',
      target: '1.27.3',
      revisions: { from: '1-28-0', to: 'default' },
      findings: [],
    });
    expect(outline(rollback)).toEqual([
      'move-tag rollback:move-tag:default@default',
      'move-namespace rollback:move-namespace:bookinfo@default',
      'switch-gateways rollback:gateways@1.27.3',
      'restart-workload rollback:restart:bookinfo/details-v1@1.27.3',
      'restart-workload rollback:restart:bookinfo/productpage-v1@1.27.3',
      'restart-workload rollback:restart:bookinfo/ratings-v1@1.27.3',
      'restart-workload rollback:restart:bookinfo/reviews-v2@1.27.3',
      'verify-proxies rollback:verify-proxies@1.27.3',
      'remove-old-revision rollback:remove-revision:1-28-0',
      'upgrade-base rollback:base@1.27.3',
    ]);
    expect(ofKind(rollback, 'move-tag')[0]).toMatchObject({
      tag: 'default',
      fromRevision: '1-28-0',
      toRevision: 'default',
    });
    expect(ofKind(rollback, 'move-namespace')[0]).toMatchObject({
      from: '1-28-0',
      toRevision: 'default',
      injectionLabel: 'restore',
    });
    expect(rollback.steps.every((step) => step.phase === 'rolling-back')).toBe(true);
  });

  it('reinstalls the old revision first when it was already removed', () => {
    const upgrade = planUpgrade(
      spec({ install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
      cluster({ revision: '1-27-3', installer: 'istioctl', bookinfoLabels: { 'istio.io/rev': '1-27-3' } }),
    );
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
      'upgrade-base rollback:base@1.26.4',
      'switch-gateways rollback:gateways@1.26.4',
      'verify-proxies rollback:verify-proxies@1.26.4',
    ]);
    expect(ofKind(rollback, 'upgrade-control-plane')[0]).toMatchObject({
      fromVersion: '1.27.3',
      version: '1.26.4',
      method: 'helm',
    });
    expect(ofKind(rollback, 'gate')).toEqual([]);
  });

  it('walks an in-place sidecar upgrade back one minor at a time through the same patches', () => {
    const upgrade = planUpgrade(
      spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' } }),
      cluster({ version: '1.25.5' }),
    );
    const rollback = planRollback(upgrade, cluster({ version: '1.28.0' }));
    expect(ofKind(rollback, 'upgrade-control-plane').map((step) => `${step.fromVersion}->${step.version}`)).toEqual([
      '1.28.0->1.27.3',
      '1.27.3->1.26.4',
      '1.26.4->1.25.5',
    ]);
    expect(ofKind(rollback, 'restart-workload')).toHaveLength(12);
  });

  it('has nothing to do when the control plane already runs the source', () => {
    const upgrade = planUpgrade(
      spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' } }),
      cluster(),
    );
    const rollback = planRollback(upgrade, cluster());
    expect(rollback.steps).toEqual([]);
    expect(rollback.warnings).toEqual(['nothing to roll back: the control plane already runs 1.27.3']);
  });

  it('after the first hop of a chain, undoes only that hop, back to the versions it really left (ztunnel was a patch behind istiod)', () => {
    const source = cluster({ version: '1.25.5', ambient: true });
    if (source.ztunnel) source.ztunnel.version = '1.25.2';
    const upgrade = planUpgrade(
      spec({ install: { method: 'helm', mode: 'ambient', strategy: 'in-place' }, version: { target: '1.27.3' } }),
      source,
    );
    const firstHop = upgrade.steps.filter((step) => !step.id.endsWith('@1.27.3'));
    const afterFirstHop = cluster({ version: '1.26.4', ambient: true });
    const rollback = planRollback({ ...upgrade, steps: firstHop }, afterFirstHop);
    expect(outline(rollback).slice(0, 4)).toEqual([
      'upgrade-ztunnel rollback:ztunnel@1.25.2',
      'upgrade-cni rollback:cni@1.25.5',
      'upgrade-control-plane rollback:control-plane@1.25.5',
      'upgrade-base rollback:base@1.25.5',
    ]);
    expect(ofKind(rollback, 'upgrade-control-plane')).toHaveLength(1);
  });

  it('puts ztunnel back on the old revision and the Sail tags back on the old IstioRevision', () => {
    const inventory = cluster({
      revision: 'default-v1-27-3',
      ambient: true,
      sail: 'RevisionBased',
      bookinfoLabels: { 'istio.io/dataplane-mode': 'ambient', 'istio.io/rev': 'prod' },
      tags: [{ name: 'prod', revision: 'default-v1-27-3' }],
    });
    const upgrade = planUpgrade(
      spec({ install: { method: 'sail', mode: 'ambient', strategy: 'revision' }, version: { target: '1.28.0' } }),
      inventory,
    );
    expect(ofKind(upgrade, 'move-tag')[0]).toMatchObject({
      tag: 'prod',
      sailTargetRef: { kind: 'Istio', name: 'default' },
    });
    const done = upgrade.steps.filter((step) => step.kind !== 'remove-old-revision');
    const rollback = planRollback({ ...upgrade, steps: done }, predictInventory(inventory, done));
    expect(outline(rollback).slice(0, 4)).toEqual([
      'install-revision rollback:install-revision:default-v1-27-3',
      'upgrade-ztunnel rollback:ztunnel@1.27.3',
      'upgrade-cni rollback:cni@1.27.3',
      'move-tag rollback:move-tag:prod@default-v1-27-3',
    ]);
    expect(ofKind(rollback, 'upgrade-ztunnel')[0]?.revision).toBe('default-v1-27-3');
    expect(ofKind(rollback, 'move-tag')[0]?.sailTargetRef).toEqual({ kind: 'IstioRevision', name: 'default-v1-27-3' });
  });

  it('undoes nothing that was not done: a canary stopped after the new revision only removes it', () => {
    const upgrade = planUpgrade(
      spec({ install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
      cluster({ installer: 'istioctl' }),
    );
    const done = upgrade.steps.slice(0, upgrade.steps.findIndex((step) => step.kind === 'install-revision') + 1);
    const rollback = planRollback(
      { ...upgrade, steps: done },
      predictInventory(cluster({ installer: 'istioctl' }), done),
    );
    expect(outline(rollback)).toEqual(['remove-old-revision rollback:remove-revision:1-28-0']);
  });
});
