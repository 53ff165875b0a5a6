/**
 * Finishing a partial upgrade: a later plan for the same cluster, with the new revision already
 * running the target and namespaces (or pinned workloads) a revert put back on the old revision,
 * plans only what is left: those, the default revision, then the grace and the removal.
 */
import { describe, expect, it } from 'vitest';
import type { Inventory, RevertedMark } from '../../../core/inventory.js';
import { planRollback } from '../../../core/plan/rollback.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import { cluster, deployment, revision, spec } from '../fixtures/cluster.js';
import { ofKind, outline } from './helpers.js';

const helmRevision: SpecInput['install'] = { method: 'helm', mode: 'sidecar', strategy: 'revision' };

function mark(reason: string, at = '2026-12-04T21:10:00.000Z'): RevertedMark {
  return { upgrade: 'istio-upgrade-prod', from: '1-27-3', to: 'default', reason, at };
}

/**
 * The first canary from the revision-less istiod 1.26.4 to 1-27-3 stopped partial: `shop` moved
 * for good, `bookinfo` was reverted to istio-injection=enabled; in `legacy` (no injection label)
 * workloads are pinned by pod label, `batch` moved and `billing` was reverted alone. The default
 * tag never moved (a reverted namespace used the default), so the ingress gateway is still on it.
 */
function partialUpgrade(): Inventory {
  const inventory = cluster({ version: '1.26.4' });
  inventory.controlPlane.revisions.push(revision('1-27-3', '1.27.3'));
  inventory.namespaces = [
    {
      name: 'bookinfo',
      labels: { 'istio-injection': 'enabled' },
      reverted: mark('alice: reviews-v2 fails its smoke test on 1.27'),
    },
    { name: 'default', labels: {} },
    { name: 'istio-ingress', labels: {} },
    { name: 'istio-system', labels: {} },
    { name: 'legacy', labels: {} },
    { name: 'shop', labels: { 'istio.io/rev': '1-27-3' } },
  ];
  const pinned = (name: string, rev: string, version: string) => ({
    ...deployment('legacy', name, version, rev),
    podLabels: { app: name, 'istio.io/rev': rev },
  });
  inventory.deployments.push(
    {
      ...pinned('billing', 'default', '1.26.4'),
      reverted: mark('bob: billing times out behind 1.27', '2026-12-04T21:20:00.000Z'),
    },
    pinned('batch', '1-27-3', '1.27.3'),
    deployment('shop', 'cart', '1.27.3', '1-27-3'),
  );
  inventory.deployments.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return inventory;
}

describe('continuing a partial upgrade', () => {
  it('plans only bookinfo, the pinned billing, the default revision and the cleanup: nothing is installed again', () => {
    const plan = planUpgrade(
      spec({
        install: helmRevision,
        version: { target: '1.27.3' },
        tests: { bookinfo: { http: { url: 'http://productpage.bookinfo:9080/health' } } },
      }),
      partialUpgrade(),
    );
    expect(outline(plan)).toEqual([
      'precheck precheck@1.27.3',
      'gate gate:namespace:bookinfo@1.27.3',
      'move-namespace move-namespace:bookinfo@1-27-3',
      'restart-workload restart:bookinfo/details-v1@1.27.3',
      'restart-workload restart:bookinfo/productpage-v1@1.27.3',
      'restart-workload restart:bookinfo/ratings-v1@1.27.3',
      'restart-workload restart:bookinfo/reviews-v2@1.27.3',
      'gate gate:namespace:legacy@1.27.3',
      'restart-workload restart:legacy/billing@1.27.3',
      'gate gate:default-tag@1.27.3',
      'move-tag move-tag:default@1-27-3',
      'switch-gateways gateways:tag:default@1.27.3',
      'verify-proxies verify-proxies@1.27.3',
      'soak grace:default',
      'gate gate:before-removing:default',
      'remove-old-revision remove-revision:default',
    ]);
    expect(plan.source).toBe('1.26.4');
    expect(plan.revisions).toEqual({ from: 'default', to: '1-27-3' });
    expect(plan.continues).toEqual({
      upgrade: 'istio-upgrade-prod',
      reverted: [
        {
          namespace: 'bookinfo',
          workload: null,
          reason: 'alice: reviews-v2 fails its smoke test on 1.27',
          at: '2026-12-04T21:10:00.000Z',
        },
        {
          namespace: 'legacy',
          workload: 'billing',
          reason: 'bob: billing times out behind 1.27',
          at: '2026-12-04T21:20:00.000Z',
        },
      ],
    });
    expect(ofKind(plan, 'move-namespace')[0]).toMatchObject({ from: 'default', injectionLabel: 'remove' });
    // billing moves by its own pod label (its namespace has none); batch already runs 1-27-3.
    expect(ofKind(plan, 'restart-workload').find((step) => step.name === 'billing')).toMatchObject({
      podRevLabel: '1-27-3',
      expectedRevision: '1-27-3',
    });
    expect(ofKind(plan, 'verify-proxies')[0]?.namespaces).toEqual(['bookinfo', 'legacy']);
    expect(plan.warnings).toEqual([]);
  });

  it('names the continuation in the plan only when something is left on the old revision', () => {
    const inventory = partialUpgrade();
    // Moved again by hand: the mark is history, and with billing moved too nothing was reverted any more.
    inventory.namespaces = inventory.namespaces.map((namespace) =>
      namespace.name === 'bookinfo' ? { ...namespace, labels: { 'istio.io/rev': '1-27-3' } } : namespace,
    );
    inventory.deployments = inventory.deployments.filter((d) => d.name !== 'billing');
    expect(() => planUpgrade(spec({ install: helmRevision, version: { target: '1.27.3' } }), inventory)).toThrow(
      /version\.source: several revisions run/,
    );
  });

  it('is not a continuation for another target: the marks name the revision they left', () => {
    expect(() => planUpgrade(spec({ install: helmRevision, version: { target: '1.28.0' } }), partialUpgrade())).toThrow(
      /version\.source: several revisions run/,
    );
  });

  it('keeps the old revision, and says why, while an excluded reverted workload still uses it', () => {
    const plan = planUpgrade(
      spec({ install: helmRevision, version: { target: '1.27.3' }, scope: { exclude: ['legacy/billing'] } }),
      partialUpgrade(),
    );
    expect(outline(plan)).not.toContain('remove-old-revision remove-revision:default');
    expect(plan.warnings).toContainEqual(
      expect.stringMatching(/revision default is kept: still used by Deployment legacy\/billing/),
    );
    expect(plan.continues?.reverted.map((entry) => entry.workload)).toEqual([null, 'billing']);
  });
});

describe("a continuation's rollback", () => {
  it('takes bookinfo and billing back and leaves the new revision, which shop still uses', () => {
    const plan = planUpgrade(spec({ install: helmRevision, version: { target: '1.27.3' } }), partialUpgrade());
    const rollback = planRollback(plan, partialUpgrade());
    expect(outline(rollback)).not.toContain('remove-old-revision rollback:remove-revision:1-27-3');
    expect(ofKind(rollback, 'move-namespace').map((step) => step.namespace)).toEqual(['bookinfo']);
    // billing goes back by its own pod label, to the old revision's name, and any failure there waits for a human.
    expect(ofKind(rollback, 'restart-workload').find((step) => step.name === 'billing')).toMatchObject({
      podRevLabel: 'default',
      expectedRevision: 'default',
      expectedVersion: '1.26.4',
      onFailure: 'gate',
    });
  });

  it('still removes the new revision when the upgrade that installed it is rolled back', () => {
    const plan = planUpgrade(
      spec({ install: helmRevision, version: { target: '1.27.3' } }),
      cluster({ version: '1.26.4' }),
    );
    const installed = cluster({ version: '1.26.4' });
    installed.controlPlane.revisions.push(revision('1-27-3', '1.27.3'));
    expect(outline(planRollback(plan, installed))).toContain('remove-old-revision rollback:remove-revision:1-27-3');
  });
});

describe('what a revert puts back, per namespace and per pinned workload', () => {
  it('gives each namespace its old labels and each pinned workload its old pod label, with onFailure', () => {
    const inventory = cluster({ version: '1.26.4' });
    inventory.namespaces.push({ name: 'legacy', labels: {} }, { name: 'shop', labels: { 'istio.io/rev': 'default' } });
    inventory.deployments.push(
      { ...deployment('legacy', 'billing', '1.26.4'), podLabels: { app: 'billing', 'istio.io/rev': 'default' } },
      // Not pinned: no pod label, no injection: not in the mesh.
      deployment('legacy', 'cron', null),
      deployment('shop', 'cart', '1.26.4'),
    );
    const plan = planUpgrade(
      spec({
        install: helmRevision,
        version: { target: '1.27.3' },
        onFailure: { default: 'revert', namespaces: { shop: 'rollback' } },
      }),
      inventory,
    );
    expect(plan.continues).toBeUndefined();
    expect(plan.reverts).toEqual([
      {
        scope: 'namespace',
        namespace: 'bookinfo',
        workload: null,
        mode: 'sidecar',
        oldRevision: 'default',
        oldVersion: '1.26.4',
        newRevision: '1-27-3',
        restore: { set: { 'istio-injection': 'enabled' }, remove: ['istio.io/rev'] },
        workloads: ['details-v1', 'productpage-v1', 'ratings-v1', 'reviews-v2'],
        waypoints: [],
        revertible: true,
        covers: expect.stringContaining(
          'namespace bookinfo alone: its label goes back to istio-injection=enabled (removing istio.io/rev)',
        ) as unknown,
        onFailure: 'revert',
      },
      {
        scope: 'workload',
        namespace: 'legacy',
        workload: 'billing',
        mode: 'sidecar',
        oldRevision: 'default',
        oldVersion: '1.26.4',
        newRevision: '1-27-3',
        restore: { set: { 'istio.io/rev': 'default' }, remove: [] },
        workloads: ['billing'],
        waypoints: [],
        revertible: true,
        covers: expect.stringContaining('only legacy/billing') as unknown,
        onFailure: 'revert',
      },
      expect.objectContaining({
        namespace: 'shop',
        restore: { set: { 'istio.io/rev': 'default' }, remove: [] },
        workloads: ['cart'],
        onFailure: 'rollback',
      }),
    ]);
    const restarts = ofKind(plan, 'restart-workload');
    expect(restarts.find((step) => step.name === 'billing')).toMatchObject({
      onFailure: 'revert',
      podRevLabel: '1-27-3',
    });
    expect(restarts.find((step) => step.name === 'cart')).toMatchObject({
      onFailure: 'rollback',
      onTestFailure: 'rollback',
    });
    // A worker that knows only the older field gates a revert rather than rolling back.
    expect(restarts.find((step) => step.name === 'reviews-v2')).toMatchObject({
      onFailure: 'revert',
      onTestFailure: 'gate',
    });
    expect(restarts.find((step) => step.name === 'cart')?.podRevLabel).toBeUndefined();
  });

  it('pins a namespace back to the old revision name when the tag it followed moves to the new one', () => {
    const plan = planUpgrade(
      spec({ install: helmRevision, version: { target: '1.28.0' } }),
      cluster({
        revision: '1-27-3',
        bookinfoLabels: { 'istio.io/rev': 'prod-stable' },
        tags: [{ name: 'prod-stable', revision: '1-27-3' }],
      }),
    );
    expect(plan.reverts?.[0]).toMatchObject({
      namespace: 'bookinfo',
      restore: { set: { 'istio.io/rev': '1-27-3' }, remove: [] },
      onFailure: 'gate',
    });
  });

  it('pins a namespace that follows tag default (istio-injection=enabled) to the old revision by name: the tag has moved', () => {
    const plan = planUpgrade(
      spec({ install: helmRevision, version: { target: '1.28.0' } }),
      cluster({ revision: '1-27-3', tags: [{ name: 'default', revision: '1-27-3' }] }),
    );
    expect(ofKind(plan, 'move-tag')[0]?.namespaces).toEqual(['bookinfo']);
    expect(plan.reverts?.[0]).toMatchObject({
      namespace: 'bookinfo',
      restore: { set: { 'istio.io/rev': '1-27-3' }, remove: ['istio-injection'] },
      covers: expect.stringContaining('tag default points at 1-28-0 for the others') as unknown,
    });
  });

  it('plans no units for an in-place upgrade: there is no old revision to go back to', () => {
    const plan = planUpgrade(
      spec({ install: { ...helmRevision, strategy: 'in-place' }, version: { target: '1.28.0' } }),
      cluster(),
    );
    expect(plan.reverts).toBeUndefined();
    expect(ofKind(plan, 'restart-workload').every((step) => step.onFailure === 'gate')).toBe(true);
  });

  describe('ambient: only a waypoint can go back', () => {
    const ambient = (withWaypoint: boolean) => {
      const inventory = cluster({ version: '1.27.3', revision: '1-27-3', ambient: true });
      if (withWaypoint) {
        inventory.gateways.push({
          namespace: 'bookinfo',
          name: 'waypoint',
          kind: 'waypoint',
          revision: '1-27-3',
          version: '1.27.3',
          gatewayRevLabel: '1-27-3',
        });
      }
      return inventory;
    };
    const ambientSpec = (onFailure: SpecInput['onFailure']) =>
      spec({
        install: { method: 'helm', mode: 'ambient', strategy: 'revision' },
        version: { target: '1.28.0' },
        tests: { bookinfo: { http: { url: 'http://productpage.bookinfo:9080/health' } } },
        onFailure,
      });

    it('covers the waypoint alone, relabelled to the old revision; ztunnel stays', () => {
      const plan = planUpgrade(ambientSpec({ namespaces: { bookinfo: 'revert' } }), ambient(true));
      expect(plan.reverts).toEqual([
        expect.objectContaining({
          namespace: 'bookinfo',
          mode: 'ambient',
          waypoints: [{ namespace: 'bookinfo', name: 'waypoint', revLabel: '1-27-3' }],
          revertible: true,
          covers: expect.stringMatching(/^only the waypoint waypoint: .*ztunnel \(L4\) stays on 1-28-0/) as unknown,
        }),
      ]);
      expect(ofKind(plan, 'test-workload').every((step) => step.onFailure === 'revert')).toBe(true);
    });

    it('says a revert covers nothing without a waypoint, and refuses onFailure revert there, naming the field', () => {
      const gated = planUpgrade(ambientSpec({}), ambient(false));
      expect(gated.reverts).toEqual([
        expect.objectContaining({
          namespace: 'bookinfo',
          waypoints: [],
          revertible: false,
          covers: expect.stringMatching(/^nothing: bookinfo has no waypoint/) as unknown,
        }),
      ]);
      expect(() => planUpgrade(ambientSpec({ namespaces: { bookinfo: 'revert' } }), ambient(false))).toThrow(
        /onFailure\.namespaces\.bookinfo: revert covers nothing in ambient namespace bookinfo: it has no waypoint/,
      );
      expect(() => planUpgrade(ambientSpec({ default: 'revert' }), ambient(false))).toThrow(
        /onFailure\.default: revert covers nothing in ambient namespace bookinfo/,
      );
    });
  });

  it('refuses an onFailure entry for a namespace that does not exist, naming it', () => {
    expect(() =>
      planUpgrade(
        spec({
          install: helmRevision,
          version: { target: '1.28.0' },
          onFailure: { namespaces: { bookinf: 'revert' } },
        }),
        cluster(),
      ),
    ).toThrow(/onFailure\.namespaces\.bookinf: namespace "bookinf" does not exist/);
  });
});
