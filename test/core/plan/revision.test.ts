import { describe, expect, it } from 'vitest';
import { PlanError } from '../../../core/plan/errors.js';
import { describe as describeStep } from '../../../core/plan/steps.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import { cluster, deployment, spec } from '../fixtures/cluster.js';
import { ofKind, outline } from './helpers.js';

const helmRevision: SpecInput['install'] = { method: 'helm', mode: 'sidecar', strategy: 'revision' };

describe('revision-based (canary) upgrade, sidecars', () => {
  it('moves bookinfo to 1-28-0 and restarts reviews-v2 before ratings, then removes 1-27-3 after the grace period', () => {
    const plan = planUpgrade(
      spec({
        install: helmRevision,
        version: { target: '1.28.0' },
        restarts: { order: ['bookinfo/reviews-v2', 'bookinfo/ratings-v1'] },
        tests: { 'bookinfo/reviews-v2': { http: { url: 'http://reviews.bookinfo:9080/health' } } },
      }),
      cluster({ revision: '1-27-3', bookinfoLabels: { 'istio.io/rev': '1-27-3' } }),
    );
    expect(outline(plan)).toEqual([
      'precheck precheck@1.28.0',
      'gate gate:before-control-plane@1.28.0',
      'upgrade-base base@1.28.0',
      'install-revision install-revision:1-28-0',
      'soak soak:control-plane@1.28.0',
      'gate gate:before-gateways@1.28.0',
      'switch-gateways gateways@1.28.0',
      'gate gate:namespace:bookinfo@1.28.0',
      'move-namespace move-namespace:bookinfo@1-28-0',
      'restart-workload restart:bookinfo/reviews-v2@1.28.0',
      'restart-workload restart:bookinfo/ratings-v1@1.28.0',
      'restart-workload restart:bookinfo/details-v1@1.28.0',
      'restart-workload restart:bookinfo/productpage-v1@1.28.0',
      'verify-proxies verify-proxies@1.28.0',
      'soak grace:1-27-3',
      'gate gate:before-removing:1-27-3',
      'remove-old-revision remove-revision:1-27-3',
    ]);
    expect(plan.revisions).toEqual({ from: '1-27-3', to: '1-28-0' });
    const [reviews] = ofKind(plan, 'restart-workload');
    expect(reviews?.test).toEqual({
      http: { url: 'http://reviews.bookinfo:9080/health', expectStatus: 200, timeoutSeconds: 30 },
    });
    expect(reviews?.expectedRevision).toBe('1-28-0');
    expect(ofKind(plan, 'move-namespace')[0]?.injectionLabel).toBe('unchanged');
    expect(plan.findings).toEqual([]);
  });

  it.each(['istioctl', 'helm'] as const)(
    'with %s, moves a namespace off istio-injection by removing that label (it would win over istio.io/rev)',
    (method) => {
      const plan = planUpgrade(
        spec({ install: { ...helmRevision, method }, version: { target: '1.28.0' } }),
        cluster({ installer: method }),
      );
      const [move] = ofKind(plan, 'move-namespace');
      expect(move).toMatchObject({
        namespace: 'bookinfo',
        from: 'default',
        toRevision: '1-28-0',
        injectionLabel: 'remove',
      });
      expect(ofKind(plan, 'install-revision')[0]?.method).toBe(method);
      expect(ofKind(plan, 'remove-old-revision')[0]).toMatchObject({ method, revision: 'default', version: '1.27.3' });
    },
  );

  it('moves revision tag prod-stable instead of labels when every namespace on it takes part', () => {
    const plan = planUpgrade(
      spec({ install: helmRevision, version: { target: '1.28.0' } }),
      cluster({
        revision: '1-27-3',
        bookinfoLabels: { 'istio.io/rev': 'prod-stable' },
        tags: [{ name: 'prod-stable', revision: '1-27-3' }],
      }),
    );
    expect(outline(plan).slice(7, 10)).toEqual([
      'gate gate:tag:prod-stable@1.28.0',
      'move-tag move-tag:prod-stable@1-28-0',
      'restart-workload restart:bookinfo/details-v1@1.28.0',
    ]);
    expect(ofKind(plan, 'move-namespace')).toEqual([]);
    expect(ofKind(plan, 'move-tag')[0]).toMatchObject({
      tag: 'prod-stable',
      fromRevision: '1-27-3',
      toRevision: '1-28-0',
      namespaces: ['bookinfo'],
    });
  });

  it('leaves a tag that also carries a namespace outside the scope, moves bookinfo by label, and keeps the old revision', () => {
    const inventory = cluster({
      revision: '1-27-3',
      bookinfoLabels: { 'istio.io/rev': 'prod-stable' },
      tags: [{ name: 'prod-stable', revision: '1-27-3' }],
    });
    inventory.namespaces.push({ name: 'payments', labels: { 'istio.io/rev': 'prod-stable' } });
    inventory.deployments.push(deployment('payments', 'ledger', '1.27.3', '1-27-3'));
    const plan = planUpgrade(
      spec({ install: helmRevision, version: { target: '1.28.0' }, scope: { namespaces: ['bookinfo'] } }),
      inventory,
    );
    expect(ofKind(plan, 'move-tag')).toEqual([]);
    expect(ofKind(plan, 'move-namespace')[0]).toMatchObject({
      namespace: 'bookinfo',
      from: 'prod-stable',
      toRevision: '1-28-0',
    });
    expect(ofKind(plan, 'remove-old-revision')).toEqual([]);
    expect(plan.warnings).toEqual([
      'revision tag prod-stable stays on 1-27-3: namespaces outside the scope follow it',
      'revision 1-27-3 is kept: still used by Deployment payments/ledger, Namespace payments (injects from prod-stable)',
    ]);
  });

  it('keeps the old revision when a workload is excluded', () => {
    const plan = planUpgrade(
      spec({ install: helmRevision, version: { target: '1.28.0' }, scope: { exclude: ['bookinfo/ratings-v1'] } }),
      cluster(),
    );
    expect(ofKind(plan, 'restart-workload').map((step) => step.name)).toEqual([
      'details-v1',
      'productpage-v1',
      'reviews-v2',
    ]);
    expect(ofKind(plan, 'remove-old-revision')).toEqual([]);
    expect(plan.warnings).toEqual([
      'revision default is kept: still used by Deployment bookinfo/ratings-v1, gateway istio-ingress/istio-ingressgateway (follows tag default)',
    ]);
  });

  it('plans no gates when the spec turns them all off', () => {
    const plan = planUpgrade(
      spec({
        install: helmRevision,
        version: { target: '1.28.0' },
        gates: {
          beforeControlPlane: false,
          beforeGateways: false,
          perNamespace: false,
          beforeRemovingOldRevision: false,
          beforeDefaultTag: false,
        },
      }),
      cluster(),
    );
    expect(ofKind(plan, 'gate')).toEqual([]);
    expect(ofKind(plan, 'restart-workload').every((step) => step.onTestFailure === 'gate')).toBe(true);
  });

  it('jumps 1.25 to 1.28 in one revision but warns past two minors', () => {
    const plan = planUpgrade(
      spec({ install: helmRevision, version: { target: '1.28.0' } }),
      cluster({ version: '1.25.5' }),
    );
    expect(plan.hops).toEqual([{ version: '1.28.0', patchFrom: 'target' }]);
    expect(plan.warnings).toContain(
      'the new revision is 3 minors ahead of 1.25.5: Istio tests canary jumps of up to two minors',
    );
  });

  it('refuses a downgrade, naming version.target', () => {
    expect(() => planUpgrade(spec({ install: helmRevision, version: { target: '1.26.4' } }), cluster())).toThrow(
      new PlanError([
        {
          path: 'version.target',
          message: '1.26.4 is older than the running 1.27.3: downgrades are planned only as a rollback',
        },
      ]),
    );
  });
});

describe('Sail RevisionBased', () => {
  it('sets Istio default to 1.28.0, moves bookinfo to default-v1-28-0 and lets Sail delete default-v1-27-3 itself', () => {
    const plan = planUpgrade(
      spec({ install: { method: 'sail', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
      cluster({
        revision: 'default-v1-27-3',
        sail: 'RevisionBased',
        bookinfoLabels: { 'istio.io/rev': 'default-v1-27-3' },
      }),
    );
    expect(ofKind(plan, 'install-revision')[0]).toMatchObject({
      method: 'sail',
      revision: 'default-v1-28-0',
      sailIstioName: 'default',
    });
    expect(ofKind(plan, 'move-namespace')[0]).toMatchObject({ from: 'default-v1-27-3', toRevision: 'default-v1-28-0' });
    expect(outline(plan).slice(-2)).toEqual([
      'verify-proxies verify-proxies@1.28.0',
      'remove-old-revision remove-revision:default-v1-27-3',
    ]);
    expect(ofKind(plan, 'gate').map((step) => step.gate)).not.toContain('before-old-revision-removal');
    expect(plan.warnings[0]).toMatch(/Sail deletes revision default-v1-27-3 by itself 30s after it is unused/);
    expect(plan.findings).toEqual([]);
  });
});

describe('revision-based upgrade, ambient', () => {
  it.each(['istioctl', 'helm', 'sail'] as const)(
    'with %s: new revision, then istio-cni and ztunnel in place, then waypoints and gateways move',
    (method) => {
      const revision = method === 'sail' ? 'default-v1-27-3' : '1-27-3';
      const inventory = cluster({
        revision,
        ambient: true,
        installer: method,
        ...(method === 'sail' ? { sail: 'RevisionBased' as const } : {}),
      });
      inventory.gateways.push({
        namespace: 'bookinfo',
        name: 'waypoint',
        kind: 'waypoint',
        revision,
        version: '1.27.3',
      });
      const plan = planUpgrade(
        spec({ install: { method, mode: 'ambient', strategy: 'revision' }, version: { target: '1.28.0' } }),
        inventory,
      );
      const kinds = plan.steps.map((step) => step.kind);
      expect(kinds.indexOf('install-revision')).toBeLessThan(kinds.indexOf('upgrade-cni'));
      expect(kinds.indexOf('upgrade-cni')).toBeLessThan(kinds.indexOf('upgrade-ztunnel'));
      expect(kinds.indexOf('upgrade-ztunnel')).toBeLessThan(kinds.indexOf('switch-gateways'));
      expect(ofKind(plan, 'switch-gateways')[0]?.gateways.map((gateway) => gateway.name)).toEqual([
        'istio-ingressgateway',
        'waypoint',
      ]);
      // Ambient pods have no sidecar: nothing to restart, nothing to relabel.
      expect(ofKind(plan, 'restart-workload')).toEqual([]);
      expect(ofKind(plan, 'upgrade-ztunnel')[0]).toMatchObject({ fromVersion: '1.27.3', version: '1.28.0', method });
    },
  );

  it('refuses to jump two minors: ztunnel and istio-cni would trail the new istiod by two', () => {
    expect(() =>
      planUpgrade(
        spec({ install: { method: 'helm', mode: 'ambient', strategy: 'revision' }, version: { target: '1.28.0' } }),
        cluster({ version: '1.26.4', ambient: true }),
      ),
    ).toThrow(/version\.target: an ambient revision-based upgrade may cross one minor at a time/);
  });
});

describe('revision-based upgrade, ambient, by istioctl', () => {
  it('installs 1-28-0 without istio-cni and ztunnel and says so; Helm and sidecar installs say nothing of it', () => {
    const ambient = planUpgrade(
      spec({ install: { method: 'istioctl', mode: 'ambient', strategy: 'revision' }, version: { target: '1.28.0' } }),
      cluster({ installer: 'istioctl', ambient: true }),
    );
    const [install] = ofKind(ambient, 'install-revision');
    expect(install?.withoutNodeAgents).toBe(true);
    expect(install && describeStep(install)).toBe(
      'Install istiod revision 1-28-0 (1.28.0) with istioctl in istio-system, beside the old one, leaving istio-cni and ztunnel to their own steps.',
    );
    expect(outline(ambient).filter((line) => /install-revision|upgrade-cni|upgrade-ztunnel/.test(line))).toEqual([
      'install-revision install-revision:1-28-0',
      'upgrade-cni cni@1.28.0',
      'upgrade-ztunnel ztunnel@1.28.0',
    ]);
    const helm = planUpgrade(
      spec({ install: { method: 'helm', mode: 'ambient', strategy: 'revision' }, version: { target: '1.28.0' } }),
      cluster({ ambient: true }),
    );
    expect(ofKind(helm, 'install-revision')[0]?.withoutNodeAgents).toBeUndefined();
  });
});
