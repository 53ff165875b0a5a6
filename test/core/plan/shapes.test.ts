/**
 * One plan per shape of install (istioctl / Helm / Sail × sidecar / ambient × in-place /
 * revision, plus the revision-less default and a tagged default), as the runbook orders it, and
 * the rollback each would run after its last step.
 */
import { describe, expect, it } from 'vitest';
import { predictInventory } from '../../../core/plan/rollback-points.js';
import { planRollback } from '../../../core/plan/rollback.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import type { Plan } from '../../../core/plan/steps.js';
import type { Inventory } from '../../../core/inventory.js';
import type { DataPlaneMode, InstallMethod, Strategy } from '../../../core/spec/schema.js';
import { cluster, spec } from '../fixtures/cluster.js';

const gatesOff = {
  beforeControlPlane: false,
  beforeGateways: false,
  perNamespace: false,
  beforeRemovingOldRevision: false,
  beforeDefaultTag: false,
};

function shape(method: InstallMethod, mode: DataPlaneMode, strategy: Strategy): { plan: Plan; inventory: Inventory } {
  const sail = method === 'sail';
  const revision = strategy === 'revision' ? (sail ? 'default-v1-27-3' : '1-27-3') : 'default';
  const ambientLabel: Record<string, string> = mode === 'ambient' ? { 'istio.io/dataplane-mode': 'ambient' } : {};
  const inventory = cluster({
    revision,
    installer: method,
    ambient: mode === 'ambient',
    ...(sail ? { sail: strategy === 'revision' ? 'RevisionBased' : 'InPlace' } : {}),
    ...(strategy === 'revision' ? { bookinfoLabels: { ...ambientLabel, 'istio.io/rev': revision } } : {}),
  });
  const plan = planUpgrade(
    spec({
      install: { method, mode, strategy },
      version: { target: '1.28.0' },
      tests: { bookinfo: { http: { url: 'http://productpage.bookinfo:9080/' } } },
      gates: { ...gatesOff, beforeZtunnel: false },
    }),
    inventory,
  );
  return { plan, inventory };
}

/** Kinds in order, with runs of the same kind folded: the runbook's outline. */
function kinds(plan: Plan): string[] {
  return plan.steps.map((step) => step.kind).filter((kind, index, all) => kind !== all[index - 1]);
}

const RESTARTS = ['restart-workload', 'verify-proxies'];
const TESTS = ['test-workload', 'verify-proxies'];
const CANARY_END = ['soak', 'remove-old-revision'];

describe('plan shapes', () => {
  it.each([
    ['istioctl', 'sidecar', 'in-place', ['precheck', 'upgrade-control-plane', 'soak', 'switch-gateways', ...RESTARTS]],
    [
      'istioctl',
      'sidecar',
      'revision',
      ['precheck', 'install-revision', 'soak', 'switch-gateways', 'move-namespace', ...RESTARTS, ...CANARY_END],
    ],
    // One `istioctl upgrade` rolls istio-cni and ztunnel with istiod: no separate steps.
    ['istioctl', 'ambient', 'in-place', ['precheck', 'upgrade-control-plane', 'soak', 'switch-gateways', ...TESTS]],
    [
      'istioctl',
      'ambient',
      'revision',
      [
        'precheck',
        'install-revision',
        'soak',
        'upgrade-cni',
        'upgrade-ztunnel',
        'switch-gateways',
        'move-namespace',
        ...TESTS,
        ...CANARY_END,
      ],
    ],
    [
      'helm',
      'sidecar',
      'in-place',
      ['precheck', 'upgrade-base', 'upgrade-control-plane', 'soak', 'switch-gateways', ...RESTARTS],
    ],
    [
      'helm',
      'sidecar',
      'revision',
      [
        'precheck',
        'upgrade-base',
        'install-revision',
        'soak',
        'switch-gateways',
        'move-namespace',
        ...RESTARTS,
        ...CANARY_END,
      ],
    ],
    [
      'helm',
      'ambient',
      'in-place',
      [
        'precheck',
        'upgrade-base',
        'upgrade-control-plane',
        'soak',
        'upgrade-cni',
        'upgrade-ztunnel',
        'switch-gateways',
        ...TESTS,
      ],
    ],
    [
      'helm',
      'ambient',
      'revision',
      [
        'precheck',
        'upgrade-base',
        'install-revision',
        'soak',
        'upgrade-cni',
        'upgrade-ztunnel',
        'switch-gateways',
        'move-namespace',
        ...TESTS,
        ...CANARY_END,
      ],
    ],
    ['sail', 'sidecar', 'in-place', ['precheck', 'upgrade-control-plane', 'soak', 'switch-gateways', ...RESTARTS]],
    [
      'sail',
      'sidecar',
      'revision',
      ['precheck', 'install-revision', 'soak', 'switch-gateways', 'move-namespace', ...RESTARTS, 'remove-old-revision'],
    ],
    [
      'sail',
      'ambient',
      'in-place',
      ['precheck', 'upgrade-control-plane', 'soak', 'upgrade-cni', 'upgrade-ztunnel', 'switch-gateways', ...TESTS],
    ],
    [
      'sail',
      'ambient',
      'revision',
      [
        'precheck',
        'install-revision',
        'soak',
        'upgrade-cni',
        'upgrade-ztunnel',
        'switch-gateways',
        'move-namespace',
        ...TESTS,
        'remove-old-revision',
      ],
    ],
  ] as const)('%s %s %s', (method, mode, strategy, expected) => {
    const { plan } = shape(method, mode, strategy);
    expect(kinds(plan)).toEqual(expected);
    expect(plan.findings.filter((finding) => finding.severity === 'block')).toEqual([]);
  });

  it.each([
    [
      'istioctl',
      'ambient',
      'in-place',
      ['upgrade-control-plane', 'switch-gateways', 'test-workload', 'verify-proxies'],
    ],
    [
      'helm',
      'sidecar',
      'in-place',
      ['upgrade-control-plane', 'upgrade-base', 'switch-gateways', 'restart-workload', 'verify-proxies'],
    ],
    [
      'helm',
      'ambient',
      'in-place',
      [
        'upgrade-ztunnel',
        'upgrade-cni',
        'upgrade-control-plane',
        'upgrade-base',
        'switch-gateways',
        'test-workload',
        'verify-proxies',
      ],
    ],
    [
      'helm',
      'ambient',
      'revision',
      [
        'upgrade-ztunnel',
        'upgrade-cni',
        'move-namespace',
        'switch-gateways',
        'test-workload',
        'verify-proxies',
        'remove-old-revision',
        'upgrade-base',
      ],
    ],
    [
      'sail',
      'sidecar',
      'revision',
      [
        'install-revision',
        'move-namespace',
        'switch-gateways',
        'restart-workload',
        'verify-proxies',
        'remove-old-revision',
      ],
    ],
  ] as const)(
    '%s %s %s rolls back from its last step in reverse: data plane first, base chart last',
    (method, mode, strategy, expected) => {
      const { plan, inventory } = shape(method, mode, strategy);
      const done = plan.steps.filter((step) => step.kind !== 'remove-old-revision');
      const rollback = planRollback({ ...plan, steps: done }, predictInventory(inventory, done));
      expect(kinds(rollback)).toEqual(expected);
    },
  );

  it('istioctl in place: one step shows what `istioctl upgrade` rolls (its gateways, istio-cni, ztunnel), and only the other gateways restart after it', () => {
    const inventory = cluster({ ambient: true, installer: 'istioctl' });
    inventory.gateways.push({
      namespace: 'istio-system',
      name: 'istio-ingressgateway',
      kind: 'ingress',
      revision: 'default',
      version: '1.27.3',
    });
    const plan = planUpgrade(
      spec({ install: { method: 'istioctl', mode: 'ambient', strategy: 'in-place' }, version: { target: '1.28.0' } }),
      inventory,
    );
    const [upgrade] = plan.steps.filter((step) => step.kind === 'upgrade-control-plane');
    expect(upgrade).toMatchObject({
      alsoUpgrades: {
        gateways: [{ namespace: 'istio-system', name: 'istio-ingressgateway', kind: 'ingress', revLabel: null }],
        cni: true,
        ztunnel: true,
      },
    });
    expect(
      plan.steps
        .filter((step) => step.kind === 'switch-gateways')
        .flatMap((step) => step.gateways.map((gateway) => `${gateway.namespace}/${gateway.name}`)),
    ).toEqual(['istio-ingress/istio-ingressgateway']);
  });

  it('revision-less istiod ("default"): the new revision becomes the default behind a gate before the old control plane goes, and the unlabelled gateway follows it', () => {
    const plan = planUpgrade(
      spec({ install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
      cluster({ installer: 'istioctl' }),
    );
    const ids = plan.steps.map((step) => step.id);
    expect(ids.slice(ids.indexOf('gate:default-tag@1.28.0'))).toEqual([
      'gate:default-tag@1.28.0',
      'move-tag:default@1-28-0',
      'gateways:tag:default@1.28.0',
      'verify-proxies@1.28.0',
      'grace:default',
      'gate:before-removing:default',
      'remove-revision:default',
    ]);
    expect(plan.steps.find((step) => step.kind === 'move-tag')).toMatchObject({
      tag: 'default',
      fromRevision: 'default',
      toRevision: '1-28-0',
      sailTargetRef: null,
    });
    expect(plan.steps.find((step) => step.kind === 'switch-gateways')).toMatchObject({
      gateways: [{ name: 'istio-ingressgateway', revLabel: null }],
      revision: '1-28-0',
    });
  });

  it('revision-less istiod: a gateway labelled istio.io/rev=default also follows the default, and keeps its label', () => {
    const inventory = cluster({ installer: 'istioctl' });
    inventory.deployments.find((deployment) => deployment.name === 'istio-ingressgateway')!.podLabels['istio.io/rev'] =
      'default';
    const plan = planUpgrade(
      spec({ install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
      inventory,
    );
    expect(plan.steps.filter((step) => step.kind === 'switch-gateways')).toMatchObject([
      { id: 'gateways:tag:default@1.28.0', gateways: [{ name: 'istio-ingressgateway', revLabel: 'default' }] },
    ]);
  });

  it('revision-less istiod kept for an excluded workload: the default does not move (it would move namespaces outside the plan)', () => {
    const plan = planUpgrade(
      spec({
        install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
        version: { target: '1.28.0' },
        scope: { exclude: ['bookinfo/ratings-v1'] },
      }),
      cluster(),
    );
    expect(plan.steps.filter((step) => step.kind === 'move-tag')).toEqual([]);
    expect(plan.steps.filter((step) => step.kind === 'remove-old-revision')).toEqual([]);
    expect(plan.warnings).toEqual([
      'revision default is kept: still used by Deployment bookinfo/ratings-v1, gateway istio-ingress/istio-ingressgateway (follows tag default)',
    ]);
  });

  it('tagged default: istio-injection=enabled namespaces and the unlabelled gateway move with tag default, behind its gate, before 1-27-3 goes', () => {
    const inventory = cluster({ revision: '1-27-3', tags: [{ name: 'default', revision: '1-27-3' }] });
    const plan = planUpgrade(
      spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
      inventory,
    );
    expect(plan.steps.map((step) => `${step.kind} ${step.id}`).slice(1)).toEqual([
      'gate gate:before-control-plane@1.28.0',
      'upgrade-base base@1.28.0',
      'install-revision install-revision:1-28-0',
      'soak soak:control-plane@1.28.0',
      'gate gate:default-tag@1.28.0',
      'move-tag move-tag:default@1-28-0',
      'switch-gateways gateways:tag:default@1.28.0',
      'restart-workload restart:bookinfo/details-v1@1.28.0',
      'restart-workload restart:bookinfo/productpage-v1@1.28.0',
      'restart-workload restart:bookinfo/ratings-v1@1.28.0',
      'restart-workload restart:bookinfo/reviews-v2@1.28.0',
      'verify-proxies verify-proxies@1.28.0',
      'soak grace:1-27-3',
      'gate gate:before-removing:1-27-3',
      'remove-old-revision remove-revision:1-27-3',
    ]);
    // base keeps the old default until the tag moves.
    expect(plan.steps.find((step) => step.kind === 'upgrade-base')).toMatchObject({
      fromVersion: '1.27.3',
      version: '1.28.0',
      defaultRevision: '1-27-3',
    });
    expect(plan.steps.find((step) => step.kind === 'move-tag')).toMatchObject({ namespaces: ['bookinfo'] });
  });
});
