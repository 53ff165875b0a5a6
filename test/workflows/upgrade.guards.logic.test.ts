/**
 * What the runbook refuses or waits for: an ambient rollback in reverse (ztunnel, istio-cni, then
 * the control plane), a canary jump ztunnel could not follow, a blocking precheck, an old
 * revision something still uses, and soaks and grace periods that last as long as the spec says.
 * The real workflow runs on the time-skipping server with stub activities.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, revision } from '../core/fixtures/cluster.js';
import { timeSkippingEnv } from '../support/temporal.js';
import { answering, runUpgrade, specOf } from './support/logic-harness.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const HOUR_MS = 3_600_000;
const TEST = { http: { url: 'http://productpage.bookinfo:9080/' } };

describe('rolling back an ambient upgrade', () => {
  const ambientInPlace = (method: 'helm' | 'sail') =>
    specOf({
      install: { method, mode: 'ambient', strategy: 'in-place' },
      version: { target: '1.28.0' },
      tests: { bookinfo: TEST },
    });

  it('Helm: rejected at bookinfo, ztunnel goes back first, then istio-cni, then istiod, then the base chart', async () => {
    const run = await runUpgrade(env, {
      spec: ambientInPlace('helm'),
      inventories: [cluster({ ambient: true }), cluster({ version: '1.28.0', ambient: true })],
      operator: answering('gate:namespace:bookinfo@1.28.0', 'reject'),
    });

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.recorder.only('helmUpgradeInstall')).toEqual([
      'helmUpgradeInstall istio-base istio/base 1.28.0',
      'helmUpgradeInstall istiod istio/istiod 1.28.0',
      'helmUpgradeInstall istio-cni istio/cni 1.28.0',
      'helmUpgradeInstall ztunnel istio/ztunnel 1.28.0',
      'helmUpgradeInstall ztunnel istio/ztunnel 1.27.3',
      'helmUpgradeInstall istio-cni istio/cni 1.27.3',
      'helmUpgradeInstall istiod istio/istiod 1.27.3',
      'helmUpgradeInstall istio-base istio/base 1.27.3',
    ]);
    expect(run.result.status.rollback?.map((step) => step.id)).toEqual([
      'rollback:ztunnel@1.27.3',
      'rollback:cni@1.27.3',
      'rollback:control-plane@1.27.3',
      'rollback:base@1.27.3',
      'rollback:gateways@1.27.3',
      'rollback:verify-proxies@1.27.3',
    ]);
    expect(run.recorder.only('runWorkloadTest')).toEqual([]);
  });

  it('istioctl canary: rejected before ztunnel, istio-cni goes back with istioctl-1.27.3 keeping ztunnel on (istioctl would prune its own disabled ztunnel), then 1-28-0 is uninstalled', async () => {
    const midway = cluster({ installer: 'istioctl', ambient: true });
    midway.controlPlane.revisions.push(revision('1-28-0', '1.28.0'));
    if (midway.cni) midway.cni.version = '1.28.0';
    const run = await runUpgrade(env, {
      spec: specOf({
        install: { method: 'istioctl', mode: 'ambient', strategy: 'revision' },
        version: { target: '1.28.0' },
        tests: { bookinfo: TEST },
      }),
      inventories: [cluster({ installer: 'istioctl', ambient: true }), midway],
      operator: answering('gate:before-ztunnel@1.28.0', 'reject'),
    });

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.recorder.only('istioctlInstall', 'istioctlUninstallRevision', 'waitForRollout')).toEqual([
      'istioctlInstall 1-28-0 1.28.0 ambient -cni -ztunnel',
      'istioctlInstall 1-28-0 1.28.0 ambient -ztunnel',
      'waitForRollout DaemonSet istio-system/istio-cni-node',
      'istioctlInstall default 1.27.3 ambient',
      'waitForRollout DaemonSet istio-system/istio-cni-node',
      'istioctlUninstallRevision 1-28-0',
    ]);
  });

  it('Sail: rejected at bookinfo, ZTunnel, then IstioCNI, then Istio go back to v1.27.3, each waited for', async () => {
    const run = await runUpgrade(env, {
      spec: ambientInPlace('sail'),
      inventories: [
        cluster({ sail: 'InPlace', ambient: true }),
        cluster({ version: '1.28.0', sail: 'InPlace', ambient: true }),
      ],
      operator: answering('gate:namespace:bookinfo@1.28.0', 'reject'),
    });

    expect(run.result.outcome).toBe('rolled-back');
    const rollback = run.recorder.calls.slice(run.recorder.calls.lastIndexOf('readInventory'));
    expect(rollback.filter((call) => call.startsWith('patchSailResource') || call.startsWith('waitSailReady'))).toEqual(
      [
        'patchSailResource ZTunnel v1.27.3',
        'waitSailReady ZTunnel',
        'patchSailResource IstioCNI v1.27.3',
        'waitSailReady IstioCNI',
        'patchSailResource Istio v1.27.3',
        'waitSailReady Istio',
      ],
    );
  });
});

describe('a version skew the data plane could not follow', () => {
  it('refuses an ambient canary from 1.26 to 1.28 before touching anything: istio-cni and ztunnel would trail istiod by two minors', async () => {
    const run = await runUpgrade(env, {
      spec: specOf({
        install: { method: 'helm', mode: 'ambient', strategy: 'revision' },
        version: { target: '1.28.0' },
      }),
      inventories: [cluster({ version: '1.26.4', ambient: true })],
    });

    expect(run.result.outcome).toBe('refused');
    expect(run.result.plan).toBeNull();
    expect(run.result.status.failure?.type).toBe('Validation');
    expect(run.result.status.failure?.message).toContain('one minor at a time');
    expect(run.recorder.calls).toEqual(['readInventory']);
  });
});

describe("the worker's own API permissions", () => {
  const to127 = specOf({
    install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' },
    version: { target: '1.27.3' },
  });

  it('are asked of the cluster before the first write: every permission the plan needs, the inventory reads among them', async () => {
    const run = await runUpgrade(env, { spec: to127, inventories: [cluster({ version: '1.26.4' })] });

    expect(run.result.outcome).toBe('completed');
    expect(run.recorder.reviewed).toEqual(
      expect.arrayContaining([
        'list namespaces',
        'list apps/deployments',
        'patch apps/deployments',
        'watch apps/deployments',
      ]),
    );
    expect(run.recorder.reviewed.filter((line) => line === 'list namespaces')).toHaveLength(1);
  });

  it('refuse the start naming verb, resource and step when one is missing, and nothing is written', async () => {
    const run = await runUpgrade(env, {
      spec: to127,
      inventories: [cluster({ version: '1.26.4' })],
      deniedPermissions: ['patch apps/deployments'],
    });

    expect(run.result.outcome).toBe('refused');
    expect(run.result.status.failure).toMatchObject({ type: 'PrecheckBlocked' });
    expect(run.result.status.failure?.message).toContain("missing-permission: the worker's credentials may not");
    expect(run.result.status.failure?.message).toContain('verb patch, resource deployments.apps');
    // One finding per namespace the plan patches deployments in, each naming it.
    const missing = run.result.plan?.findings.filter((finding) => finding.check === 'missing-permission') ?? [];
    expect(missing.length).toBeGreaterThan(0);
    for (const finding of missing)
      expect(finding.message).toMatch(/verb patch, resource deployments\.apps, namespace [a-z-]+; needed by /);
    expect(run.recorder.calls).toEqual(['readInventory']);
  });

  it('go on when the initiator overrode missing-permission, recording the override', async () => {
    const run = await runUpgrade(env, {
      spec: to127,
      inventories: [cluster({ version: '1.26.4' })],
      deniedPermissions: ['patch apps/deployments'],
      overridePrechecks: ['missing-permission'],
    });

    expect(run.result.outcome).toBe('completed');
    expect(run.result.status.overriddenPrechecks).toEqual(['missing-permission']);
  });
});

describe('a blocking precheck', () => {
  const withLightstep = () => {
    const inventory = cluster({ version: '1.26.4' });
    inventory.controlPlane.revisions = [
      revision('default', '1.26.4', {
        meshConfig: { extensionProviders: [{ name: 'traces', kind: 'lightstep' }], proxyMetadata: {}, raw: {} },
      }),
    ];
    return inventory;
  };
  const to127 = specOf({
    install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' },
    version: { target: '1.27.3' },
  });

  it('refuses the upgrade (Lightstep tracing would silently stop on 1.27) and writes nothing', async () => {
    const run = await runUpgrade(env, { spec: to127, inventories: [withLightstep()] });

    expect(run.result.outcome).toBe('refused');
    expect(run.result.status.failure).toMatchObject({ type: 'PrecheckBlocked' });
    expect(run.result.status.failure?.message).toContain('removed-tracing-providers');
    expect(run.result.status.decisions).toEqual([]);
    expect(run.recorder.calls).toEqual(['readInventory']);
  });

  it('runs when the initiator overrode that check by id, and status records the override', async () => {
    const run = await runUpgrade(env, {
      spec: to127,
      inventories: [withLightstep()],
      overridePrechecks: ['removed-tracing-providers'],
    });

    expect(run.result.outcome).toBe('completed');
    expect(run.result.status.overriddenPrechecks).toEqual(['removed-tracing-providers']);
    expect(run.recorder.calls).toContain('helmUpgradeInstall istiod istio/istiod 1.27.3');
  });

  it('from istioctl x precheck stops at a failure gate before the control plane; rejected, nothing was installed', async () => {
    const run = await runUpgrade(env, {
      spec: specOf({
        install: { method: 'istioctl', mode: 'sidecar', strategy: 'in-place' },
        version: { target: '1.28.0' },
      }),
      inventories: [cluster({ installer: 'istioctl' })],
      precheck: {
        passed: false,
        findings: [{ level: 'Error', code: 'IST0159', message: 'conflicting sidecar injector' }],
      },
      operator: answering('failed:precheck@1.28.0#1', 'reject'),
    });

    expect(run.seen.get('failed:precheck@1.28.0#1')?.failure?.message).toContain(
      'IST0159 conflicting sidecar injector',
    );
    expect(run.result.outcome).toBe('rolled-back');
    expect(run.recorder.only('istioctlInstall')).toEqual([]);
  });
});

describe('an old revision still in use at cleanup', () => {
  const canary = specOf({
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.28.0' },
  });
  const users = ['pod legacy/batch-7f9c-x2k4l', 'gateway istio-ingress/istio-ingressgateway'];

  it('is not removed: a failure gate names what uses it and status lists the blockers; approved, the upgrade ends with the revision kept', async () => {
    const run = await runUpgrade(env, {
      spec: canary,
      inventories: [cluster({ installer: 'istioctl' })],
      revisionUsers: () => ({ users, count: 3 }),
      operator: answering('failed:remove-revision:default#1', 'approve'),
    });

    const atGate = run.seen.get('failed:remove-revision:default#1');
    expect(atGate?.blockers).toEqual(users);
    expect(atGate?.failure).toMatchObject({ type: 'RevisionInUse' });
    expect(atGate?.pendingGates[0]?.description).toContain(
      'pod legacy/batch-7f9c-x2k4l, gateway istio-ingress/istio-ingressgateway and 1 more',
    );
    expect(run.recorder.only('istioctlUninstallRevision')).toEqual([]);
    expect(run.result.outcome).toBe('completed');
    expect(run.result.status.steps.find((step) => step.id === 'remove-revision:default')?.state).toBe('skipped');
    expect(run.result.status.blockers).toEqual(users);
  });
});

describe('soaks and grace periods', () => {
  it('a 6h soak after istiod and a 2d grace before removal pass in full, in skipped time', async () => {
    const realStart = Date.now();
    const run = await runUpgrade(env, {
      spec: specOf({
        install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
        version: { target: '1.28.0' },
        timers: { soakAfterControlPlane: '6h', graceBeforeRevisionRemoval: '2d' },
      }),
      inventories: [cluster({ installer: 'istioctl' })],
    });

    expect(run.result.outcome).toBe('completed');
    const note = (id: string) => run.result.status.steps.find((step) => step.id === id)?.note;
    expect(note('soak:control-plane@1.28.0')).toBe('waited 6h');
    expect(note('grace:default')).toBe('waited 2d');
    expect(run.elapsedMs).toBeGreaterThanOrEqual(6 * HOUR_MS + 48 * HOUR_MS);
    expect(Date.now() - realStart).toBeLessThan(60_000);
  });
});
