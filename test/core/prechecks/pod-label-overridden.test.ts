import { describe, expect, it } from 'vitest';
import type { DeploymentInfo, Inventory } from '../../../core/inventory.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import { PRECHECKS } from '../../../core/prechecks/catalog.js';
import type { Finding } from '../../../core/prechecks/finding.js';
import { cluster, deployment, spec } from '../fixtures/cluster.js';

function overridden(inventory: Inventory): Finding[] {
  return planUpgrade(
    spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
    inventory,
  ).findings.filter((finding) => finding.check === 'pod-label-overridden');
}

const pinned = (namespace: string, name: string, rev: string): DeploymentInfo => ({
  ...deployment(namespace, name, '1.27.3'),
  podLabels: { app: name, 'istio.io/rev': rev },
});

describe('pod-label-overridden: a pod istio.io/rev its namespace label silently overrides (istio/istio#48316)', () => {
  it('is in the catalog', () => {
    expect(PRECHECKS.map((check) => check.id)).toContain('pod-label-overridden');
  });

  it('warns about reviews-v2 pinned to canary in a namespace on istio-injection=enabled, naming both revisions', () => {
    const inventory = cluster();
    inventory.controlPlane.tags = [{ name: 'canary', revision: 'default' }];
    inventory.deployments = inventory.deployments.map((d) =>
      d.name === 'reviews-v2' ? pinned('bookinfo', 'reviews-v2', 'canary') : d,
    );
    expect(overridden(inventory)).toEqual([
      {
        check: 'pod-label-overridden',
        severity: 'warn',
        message: expect.stringContaining(
          "their namespace's injection label decides: the pod label is ignored",
        ) as unknown,
        evidence: [
          'Deployment bookinfo/reviews-v2: pod istio.io/rev=canary is ignored, namespace bookinfo has istio-injection=enabled (revision default)',
        ],
        remedy: expect.stringContaining('Remove istio.io/rev from the pod template') as unknown,
        source: 'https://github.com/istio/istio/issues/48316',
      },
    ]);
  });

  it('names the namespace revision label, and istio-injection=disabled, which injects nothing whatever the pod says', () => {
    const inventory = cluster({ revision: '1-27-3', bookinfoLabels: { 'istio.io/rev': '1-27-3' } });
    inventory.namespaces.push({ name: 'batch', labels: { 'istio-injection': 'disabled' } });
    inventory.deployments.push(pinned('bookinfo', 'canary-probe', '1-28-0'), pinned('batch', 'nightly', '1-27-3'));
    expect(overridden(inventory).flatMap((finding) => finding.evidence)).toEqual([
      'Deployment bookinfo/canary-probe: pod istio.io/rev=1-28-0 is ignored, namespace bookinfo has istio.io/rev=1-27-3',
      'Deployment batch/nightly: pod istio.io/rev=1-27-3 is ignored, namespace batch has istio-injection=disabled (not injected at all)',
    ]);
  });

  it('stays quiet where the pod label decides (no namespace label) or agrees with the namespace', () => {
    const inventory = cluster({ revision: '1-27-3', bookinfoLabels: { 'istio.io/rev': '1-27-3' } });
    inventory.namespaces.push({ name: 'legacy', labels: {} });
    inventory.deployments.push(pinned('legacy', 'billing', '1-27-3'), pinned('bookinfo', 'same', '1-27-3'));
    expect(overridden(inventory)).toEqual([]);
  });
});
