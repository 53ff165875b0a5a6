import { describe, expect, it } from 'vitest';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import { cluster, spec } from '../fixtures/cluster.js';
import { ofKind, outline } from './helpers.js';

describe('in-place upgrade, sidecars', () => {
  it('goes from 1.25.5 to 1.28.0 in three hops and restarts every workload after each, so no proxy falls two minors behind', () => {
    const plan = planUpgrade(
      spec({ install: { method: 'istioctl', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0', intermediate: { '1.26': '1.26.1' } } }),
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
    expect(ofKind(plan, 'upgrade-control-plane').map((step) => `${step.fromVersion}->${step.version}`)).toEqual(['1.25.5->1.26.1', '1.26.1->1.27.3', '1.27.3->1.28.0']);
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
      },
    ]);
    expect(plan.findings.filter((finding) => finding.severity === 'block')).toEqual([]);
  });

  it('restarts one workload at a time unless the spec says otherwise', () => {
    const cautious = planUpgrade(spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' } }), cluster());
    const faster = planUpgrade(spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' }, restarts: { concurrency: 3 } }), cluster());
    expect([cautious.concurrency, faster.concurrency]).toEqual([1, 3]);
  });

  it('refuses a namespace that is not in the mesh, naming the entry', () => {
    expect(() => planUpgrade(spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' }, scope: { namespaces: ['bookinfo', 'default'] } }), cluster())).toThrow(
      'scope.namespaces[1]: namespace "default" is not in the mesh',
    );
  });

  it('refuses a target the control plane already runs', () => {
    expect(() => planUpgrade(spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.27.3' } }), cluster())).toThrow(
      'version.target: the control plane already runs 1.27.3',
    );
  });

  it('refuses a source that does not run', () => {
    expect(() => planUpgrade(spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0', source: '1.26.0' } }), cluster())).toThrow(
      'version.source: no istiod runs 1.26.0 (running: default at 1.27.3)',
    );
  });
});

describe('in-place upgrade, ambient', () => {
  it.each([
    ['istioctl', undefined],
    ['helm', undefined],
    ['sail', 'InPlace'],
  ] as const)('with %s, upgrades the control plane, then istio-cni, then ztunnel, one minor per hop, and restarts no ambient pod', (method, sail) => {
    const plan = planUpgrade(
      spec({ install: { method, mode: 'ambient', strategy: 'in-place' }, version: { target: '1.28.0' }, gates: { beforeControlPlane: false, beforeGateways: false } }),
      cluster({ version: '1.26.4', ambient: true, installer: method, ...(sail ? { sail } : {}) }),
    );
    const hop = (version: string) => [
      `upgrade-control-plane control-plane@${version}`,
      `upgrade-cni cni@${version}`,
      `upgrade-ztunnel ztunnel@${version}`,
      `soak soak:control-plane@${version}`,
      `switch-gateways gateways@${version}`,
      `verify-proxies verify-proxies@${version}`,
    ];
    expect(outline(plan)).toEqual(['precheck precheck@1.28.0', ...hop('1.27.3'), ...hop('1.28.0')]);
    expect(ofKind(plan, 'upgrade-ztunnel').map((step) => `${step.fromVersion ?? '?'}->${step.version}`)).toEqual(['1.26.4->1.27.3', '1.27.3->1.28.0']);
    expect(ofKind(plan, 'upgrade-cni').every((step) => step.method === method)).toBe(true);
  });
});

describe('replanning', () => {
  it('gives the same step ids for the same spec and cluster, and no id twice', () => {
    const input = () => [spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' } }), cluster({ version: '1.25.5' })] as const;
    const first = planUpgrade(...input());
    const second = planUpgrade(...input());
    expect(outline(second)).toEqual(outline(first));
    expect(new Set(outline(first)).size).toBe(first.steps.length);
  });
});
