import { describe, expect, it } from 'vitest';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import { cluster, spec } from '../fixtures/cluster.js';
import { ofKind, outline } from './helpers.js';

describe('in-place upgrade, sidecars', () => {
  it('goes from 1.25.5 to 1.28.0 in three hops and restarts every workload after each, so no proxy falls two minors behind', () => {
    const plan = planUpgrade(
      spec({
        install: { method: 'istioctl', mode: 'sidecar', strategy: 'in-place' },
        version: { target: '1.28.0', intermediate: { '1.26': '1.26.1' } },
      }),
      cluster({ version: '1.25.5', installer: 'istioctl' }),
    );
    expect(plan.hops).toEqual([
      { version: '1.26.1', patchFrom: 'spec' },
      { version: '1.27.3', patchFrom: 'release-list' },
      { version: '1.28.0', patchFrom: 'target' },
    ]);
    const hop = (version: string) => [
      `gate gate:before-control-plane@${version}`,
      `upgrade-control-plane control-plane@${version}`,
      `soak soak:control-plane@${version}`,
      `gate gate:before-gateways@${version}`,
      `switch-gateways gateways@${version}`,
      `gate gate:namespace:bookinfo@${version}`,
      `restart-workload restart:bookinfo/details-v1@${version}`,
      `restart-workload restart:bookinfo/productpage-v1@${version}`,
      `restart-workload restart:bookinfo/ratings-v1@${version}`,
      `restart-workload restart:bookinfo/reviews-v2@${version}`,
      `verify-proxies verify-proxies@${version}`,
    ];
    expect(outline(plan)).toEqual(['precheck precheck@1.28.0', ...hop('1.26.1'), ...hop('1.27.3'), ...hop('1.28.0')]);
    expect(ofKind(plan, 'upgrade-control-plane').map((step) => `${step.fromVersion}->${step.version}`)).toEqual([
      '1.25.5->1.26.1',
      '1.26.1->1.27.3',
      '1.27.3->1.28.0',
    ]);
    expect(ofKind(plan, 'switch-gateways').every((step) => step.revision === null)).toBe(true);
    expect(plan.revisions).toBeNull();
  });

  it.each([
    ['istioctl', undefined],
    ['helm', undefined],
    ['sail', 'InPlace'],
  ] as const)('with %s, a patch upgrade is one hop with the control plane upgraded by that tool', (method, sail) => {
    const plan = planUpgrade(
      spec({ install: { method, mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.27.5' } }),
      cluster({ installer: method, ...(sail ? { sail } : {}) }),
    );
    expect(ofKind(plan, 'upgrade-control-plane')).toEqual([
      {
        kind: 'upgrade-control-plane',
        id: 'control-plane@1.27.5',
        phase: 'control-plane',
        method,
        revision: 'default',
        fromVersion: '1.27.3',
        version: '1.27.5',
        namespace: 'istio-system',
        sailIstioName: method === 'sail' ? 'default' : null,
        alsoUpgrades: { gateways: [], cni: false, ztunnel: false },
      },
    ]);
    expect(plan.findings.filter((finding) => finding.severity === 'block')).toEqual([]);
  });

  it('restarts one workload at a time unless the spec says otherwise', () => {
    const cautious = planUpgrade(
      spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' } }),
      cluster(),
    );
    const faster = planUpgrade(
      spec({
        install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' },
        version: { target: '1.28.0' },
        restarts: { concurrency: 3 },
      }),
      cluster(),
    );
    expect([cautious.concurrency, faster.concurrency]).toEqual([1, 3]);
  });

  it('refuses a namespace that is not in the mesh, naming the entry', () => {
    expect(() =>
      planUpgrade(
        spec({
          install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' },
          version: { target: '1.28.0' },
          scope: { namespaces: ['bookinfo', 'default'] },
        }),
        cluster(),
      ),
    ).toThrow('scope.namespaces[1]: namespace "default" is not in the mesh');
  });

  it('refuses a target the control plane already runs', () => {
    expect(() =>
      planUpgrade(
        spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.27.3' } }),
        cluster(),
      ),
    ).toThrow('version.target: the control plane already runs 1.27.3');
  });

  it('plans from what runs when version.source names another version, and blocks naming both', () => {
    const plan = planUpgrade(
      spec({
        install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' },
        version: { target: '1.28.0', source: '1.26.0' },
      }),
      cluster(),
    );
    expect(plan.source).toBe('1.27.3');
    expect(plan.findings.filter((finding) => finding.check === 'source-mismatch')).toMatchObject([
      {
        severity: 'block',
        message: 'version.source says 1.26.0 but the control plane runs 1.27.3',
        evidence: ['istiod revision default: 1.27.3'],
      },
    ]);
  });

  it('still refuses a source when several revisions run and none runs it', () => {
    const inventory = cluster();
    inventory.controlPlane.revisions.push({
      ...inventory.controlPlane.revisions[0]!,
      name: '1-28-0',
      version: '1.28.0',
    });
    expect(() =>
      planUpgrade(
        spec({
          install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' },
          version: { target: '1.28.1', source: '1.26.0' },
        }),
        inventory,
      ),
    ).toThrow('version.source: no istiod runs 1.26.0 (running: default at 1.27.3, 1-28-0 at 1.28.0)');
  });
});

describe('in-place upgrade, ambient', () => {
  it.each([
    ['helm', undefined],
    ['sail', 'InPlace'],
  ] as const)(
    'with %s: control plane, soak, istio-cni, then ztunnel behind its gate, one minor per hop, and the ambient tests after ztunnel, no restart',
    (method, sail) => {
      const plan = planUpgrade(
        spec({
          install: { method, mode: 'ambient', strategy: 'in-place' },
          version: { target: '1.28.0' },
          tests: { 'bookinfo/productpage-v1': { http: { url: 'http://productpage.bookinfo:9080/' } } },
          gates: { beforeControlPlane: false, beforeGateways: false, perNamespace: false },
        }),
        cluster({ version: '1.26.4', ambient: true, installer: method, ...(sail ? { sail } : {}) }),
      );
      const hop = (version: string) => [
        ...(method === 'helm' ? [`upgrade-base base@${version}`] : []),
        `upgrade-control-plane control-plane@${version}`,
        `soak soak:control-plane@${version}`,
        `upgrade-cni cni@${version}`,
        `gate gate:before-ztunnel@${version}`,
        `upgrade-ztunnel ztunnel@${version}`,
        `switch-gateways gateways@${version}`,
        `test-workload test:bookinfo/productpage-v1@${version}`,
        `verify-proxies verify-proxies@${version}`,
      ];
      expect(outline(plan)).toEqual(['precheck precheck@1.28.0', ...hop('1.27.3'), ...hop('1.28.0')]);
      expect(ofKind(plan, 'upgrade-ztunnel').map((step) => `${step.fromVersion ?? '?'}->${step.version}`)).toEqual([
        '1.26.4->1.27.3',
        '1.27.3->1.28.0',
      ]);
      expect(ofKind(plan, 'upgrade-cni').every((step) => step.method === method)).toBe(true);
      expect(ofKind(plan, 'test-workload')[0]).toMatchObject({
        namespace: 'bookinfo',
        name: 'productpage-v1',
        onTestFailure: 'gate',
        test: { http: { url: 'http://productpage.bookinfo:9080/' } },
      });
    },
  );

  it('with istioctl: one `istioctl upgrade` per hop rolls istiod, istio-cni and ztunnel, and is checked as one step', () => {
    const plan = planUpgrade(
      spec({
        install: { method: 'istioctl', mode: 'ambient', strategy: 'in-place' },
        version: { target: '1.28.0' },
        gates: { beforeControlPlane: false, beforeGateways: false },
      }),
      cluster({ version: '1.26.4', ambient: true, installer: 'istioctl' }),
    );
    const hop = (version: string) => [
      `upgrade-control-plane control-plane@${version}`,
      `soak soak:control-plane@${version}`,
      `switch-gateways gateways@${version}`,
      `verify-proxies verify-proxies@${version}`,
    ];
    expect(outline(plan)).toEqual(['precheck precheck@1.28.0', ...hop('1.27.3'), ...hop('1.28.0')]);
    expect(ofKind(plan, 'upgrade-control-plane').map((step) => step.alsoUpgrades)).toEqual([
      { gateways: [], cni: true, ztunnel: true },
      { gateways: [], cni: true, ztunnel: true },
    ]);
  });
});

describe('replanning', () => {
  it('gives the same step ids for the same spec and cluster, and no id twice', () => {
    const input = () =>
      [
        spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' } }),
        cluster({ version: '1.25.5' }),
      ] as const;
    const first = planUpgrade(...input());
    const second = planUpgrade(...input());
    expect(outline(second)).toEqual(outline(first));
    expect(new Set(outline(first)).size).toBe(first.steps.length);
  });
});
