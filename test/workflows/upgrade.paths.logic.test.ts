/**
 * Every upgrade path's runbook, as the workflow walks it: istioctl, Helm and Sail, in place and
 * by revision, sidecar and ambient. The real workflow runs on the time-skipping server with stub
 * activities; each run executes exactly the steps `plan` prints for the same spec and cluster,
 * in order, and calls the installer in the order the runbook says.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../core/inventory.js';
import { planUpgrade } from '../../core/plan/upgrade.js';
import type { SpecInput } from '../../core/spec/schema.js';
import { cluster, spec as parsed } from '../core/fixtures/cluster.js';
import { timeSkippingEnv } from '../support/temporal.js';
import { runUpgrade, specOf } from './support/logic-harness.js';
import type { Run } from './support/logic-harness.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const TEST = { http: { url: 'http://productpage.bookinfo:9080/' } };
const BOOKINFO = ['details-v1', 'productpage-v1', 'ratings-v1', 'reviews-v2'];

/** What the plan says for the same spec and cluster: the contract the workflow executes. */
function plannedIds(spec: SpecInput, inventory: Inventory): string[] {
  return planUpgrade(parsed(spec), inventory).steps.map((step) => step.id);
}

function expectCompletedAsPlanned(run: Run, spec: SpecInput, inventory: Inventory): void {
  const { status, outcome } = run.result;
  expect(status.failure).toBeNull();
  expect(outcome).toBe('completed');
  expect(status.steps.map((step) => step.id)).toEqual(plannedIds(spec, inventory));
  expect(status.steps.filter((step) => step.state !== 'done')).toEqual([]);
  expect(run.result.plan?.steps.map((step) => step.id)).toEqual(plannedIds(spec, inventory));
  // Every gate of the plan was opened and approved, in plan order; nothing else was decided.
  expect(status.decisions.map((decision) => [decision.gateId, decision.outcome])).toEqual(
    status.steps.filter((step) => step.kind === 'gate').map((step) => [step.id, 'approved']),
  );
}

const restartsOn = (version: string, revision: string) =>
  BOOKINFO.map((name) => `rolloutWorkload bookinfo/${name} ${version}@${revision}`);
const testsThroughZtunnel = BOOKINFO.map((name) => `runWorkloadTest bookinfo/${name}`);

describe('in place, sidecar mode', () => {
  it('istioctl: precheck, istioctl upgrade rolls istiod and its ingress, soak, restart the gateway, then bookinfo one deployment at a time, and verify', async () => {
    const spec = specOf({
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'in-place' },
      version: { target: '1.28.0' },
    });
    const inventory = cluster({ installer: 'istioctl' });
    const run = await runUpgrade(env, { spec, inventories: [inventory] });

    expectCompletedAsPlanned(run, spec, inventory);
    expect(run.recorder.calls).toEqual([
      'readInventory',
      'istioctlPrecheck 1.28.0',
      'istioctlInstall default 1.28.0',
      'restartWorkload istio-ingress/istio-ingressgateway',
      'waitForRollout Deployment istio-ingress/istio-ingressgateway',
      'checkProxies 1.28.0@any',
      ...restartsOn('1.28.0', 'any'),
      'checkProxies 1.28.0@any',
    ]);
  });

  it('Helm: the base chart before istiod, every hop of 1.26 → 1.28 one minor at a time, each hop restarting bookinfo before the next', async () => {
    const spec = specOf({
      install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' },
      version: { target: '1.28.0' },
    });
    const inventory = cluster({ version: '1.26.4' });
    const run = await runUpgrade(env, { spec, inventories: [inventory] });

    expectCompletedAsPlanned(run, spec, inventory);
    const hop = (version: string) => [
      `helmUpgradeInstall istio-base istio/base ${version}`,
      `helmUpgradeInstall istiod istio/istiod ${version}`,
      'restartWorkload istio-ingress/istio-ingressgateway',
      'waitForRollout Deployment istio-ingress/istio-ingressgateway',
      `checkProxies ${version}@any`,
      ...restartsOn(version, 'any'),
      `checkProxies ${version}@any`,
    ];
    expect(run.recorder.calls).toEqual(['readInventory', ...hop('1.27.3'), ...hop('1.28.0')]);
  });

  it('Sail InPlace: set Istio to v1.28.0, wait for Ready, soak, restart the gateway and bookinfo', async () => {
    const spec = specOf({
      install: { method: 'sail', mode: 'sidecar', strategy: 'in-place' },
      version: { target: '1.28.0' },
    });
    const inventory = cluster({ sail: 'InPlace' });
    const run = await runUpgrade(env, { spec, inventories: [inventory] });

    expectCompletedAsPlanned(run, spec, inventory);
    expect(run.recorder.calls).toEqual([
      'readInventory',
      'patchSailResource Istio v1.28.0',
      'waitSailReady Istio',
      'restartWorkload istio-ingress/istio-ingressgateway',
      'waitForRollout Deployment istio-ingress/istio-ingressgateway',
      'checkProxies 1.28.0@any',
      ...restartsOn('1.28.0', 'any'),
      'checkProxies 1.28.0@any',
    ]);
  });
});

describe('in place, ambient mode', () => {
  const ambientSpec = (method: 'istioctl' | 'helm' | 'sail') =>
    specOf({
      install: { method, mode: 'ambient', strategy: 'in-place' },
      version: { target: '1.28.0' },
      tests: { bookinfo: TEST },
    });

  it('istioctl: one istioctl upgrade rolls istiod, istio-cni and ztunnel (each waited for node by node), then bookinfo is tested through ztunnel', async () => {
    const spec = ambientSpec('istioctl');
    const inventory = cluster({ installer: 'istioctl', ambient: true });
    const run = await runUpgrade(env, { spec, inventories: [inventory] });

    expectCompletedAsPlanned(run, spec, inventory);
    expect(run.recorder.calls).toEqual([
      'readInventory',
      'istioctlPrecheck 1.28.0',
      'istioctlInstall default 1.28.0 ambient',
      'waitForRollout DaemonSet istio-system/istio-cni-node',
      'waitForRollout DaemonSet istio-system/ztunnel',
      'restartWorkload istio-ingress/istio-ingressgateway',
      'waitForRollout Deployment istio-ingress/istio-ingressgateway',
      'checkProxies 1.28.0@any',
      ...testsThroughZtunnel,
      'checkProxies 1.28.0@any',
    ]);
  });

  it('Helm: control plane, then istio-cni, then ztunnel behind its gate, then gateways, then bookinfo tested through ztunnel', async () => {
    const spec = ambientSpec('helm');
    const inventory = cluster({ ambient: true });
    const run = await runUpgrade(env, { spec, inventories: [inventory] });

    expectCompletedAsPlanned(run, spec, inventory);
    expect(run.recorder.calls).toEqual([
      'readInventory',
      'helmUpgradeInstall istio-base istio/base 1.28.0',
      'helmUpgradeInstall istiod istio/istiod 1.28.0',
      'helmUpgradeInstall istio-cni istio/cni 1.28.0',
      'waitForRollout DaemonSet istio-system/istio-cni-node',
      'helmUpgradeInstall ztunnel istio/ztunnel 1.28.0',
      'waitForRollout DaemonSet istio-system/ztunnel',
      'restartWorkload istio-ingress/istio-ingressgateway',
      'waitForRollout Deployment istio-ingress/istio-ingressgateway',
      'checkProxies 1.28.0@any',
      ...testsThroughZtunnel,
      'checkProxies 1.28.0@any',
    ]);
    // ztunnel rolled only after a human approved it.
    const ztunnelGate = run.result.status.decisions.find(
      (decision) => decision.gateId === 'gate:before-ztunnel@1.28.0',
    );
    expect(ztunnelGate?.outcome).toBe('approved');
  });

  it('Sail: Istio, then IstioCNI, then ZTunnel, each waited for until Ready', async () => {
    const spec = ambientSpec('sail');
    const inventory = cluster({ sail: 'InPlace', ambient: true });
    const run = await runUpgrade(env, { spec, inventories: [inventory] });

    expectCompletedAsPlanned(run, spec, inventory);
    expect(run.recorder.only('patchSailResource', 'waitSailReady', 'waitForRollout', 'runWorkloadTest')).toEqual([
      'patchSailResource Istio v1.28.0',
      'waitSailReady Istio',
      // Each node agent's DaemonSet is watched before Sail's verdict: its pods name a stuck node.
      'patchSailResource IstioCNI v1.28.0',
      'waitForRollout DaemonSet istio-system/istio-cni-node',
      'waitSailReady IstioCNI',
      'patchSailResource ZTunnel v1.28.0',
      'waitForRollout DaemonSet istio-system/ztunnel',
      'waitSailReady ZTunnel',
      'waitForRollout Deployment istio-ingress/istio-ingressgateway',
      ...testsThroughZtunnel,
    ]);
  });
});

describe('revision canary, sidecar mode', () => {
  it('istioctl: install 1-28-0 beside the revision-less istiod, move bookinfo and restart it, make 1-28-0 the default, restart the gateway, wait out the grace period, re-check users, uninstall default', async () => {
    const spec = specOf({
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
      version: { target: '1.28.0' },
    });
    const inventory = cluster({ installer: 'istioctl' });
    const run = await runUpgrade(env, { spec, inventories: [inventory] });

    expectCompletedAsPlanned(run, spec, inventory);
    expect(run.recorder.calls).toEqual([
      'readInventory',
      'istioctlPrecheck 1.28.0',
      'istioctlInstall 1-28-0 1.28.0',
      'setNamespaceLabels bookinfo istio.io/rev=1-28-0 -istio-injection',
      ...restartsOn('1.28.0', '1-28-0'),
      'istioctlTagSet default→1-28-0',
      'restartWorkload istio-ingress/istio-ingressgateway',
      'waitForRollout Deployment istio-ingress/istio-ingressgateway',
      'checkProxies 1.28.0@any',
      'checkProxies 1.28.0@1-28-0',
      'revisionUsers default',
      'istioctlUninstallRevision default',
    ]);
    // The grace period (1h by default) passed before the removal gate, in skipped time.
    expect(run.elapsedMs).toBeGreaterThanOrEqual(3_600_000 + 600_000);
  });

  it('Helm: the base chart keeps defaultRevision until the tag moves, istiod-1-28-0 is installed beside istiod, and the old release goes last', async () => {
    const spec = specOf({
      install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
      version: { target: '1.28.0' },
    });
    const inventory = cluster();
    const run = await runUpgrade(env, { spec, inventories: [inventory] });

    expectCompletedAsPlanned(run, spec, inventory);
    expect(run.recorder.calls).toEqual([
      'readInventory',
      'helmUpgradeInstall istio-base istio/base 1.28.0',
      'helmUpgradeInstall istiod-1-28-0 istio/istiod 1.28.0',
      'setNamespaceLabels bookinfo istio.io/rev=1-28-0 -istio-injection',
      ...restartsOn('1.28.0', '1-28-0'),
      'istioctlTagSet default→1-28-0',
      'restartWorkload istio-ingress/istio-ingressgateway',
      'waitForRollout Deployment istio-ingress/istio-ingressgateway',
      'checkProxies 1.28.0@any',
      'checkProxies 1.28.0@1-28-0',
      'revisionUsers default',
      'helmUninstall istiod',
    ]);
  });

  it('Sail RevisionBased: set Istio to v1.28.0 so Sail installs default-v1-28-0, relabel the pinned gateway, move bookinfo, and wait for Sail to delete default-v1-27-3 itself', async () => {
    const spec = specOf({
      install: { method: 'sail', mode: 'sidecar', strategy: 'revision' },
      version: { target: '1.28.0' },
    });
    const inventory = cluster({
      revision: 'default-v1-27-3',
      sail: 'RevisionBased',
      bookinfoLabels: { 'istio.io/rev': 'default-v1-27-3' },
    });
    const run = await runUpgrade(env, { spec, inventories: [inventory] });

    expectCompletedAsPlanned(run, spec, inventory);
    expect(run.recorder.calls).toEqual([
      'readInventory',
      // Sail would delete the old revision once it counts it unused: held before the new one exists.
      'holdSailRevisions default 2592000',
      'patchSailResource Istio v1.28.0',
      'waitSailReady Istio',
      'setPodTemplateLabels istio-ingress/istio-ingressgateway istio.io/rev=default-v1-28-0',
      'waitForRollout Deployment istio-ingress/istio-ingressgateway',
      'checkProxies 1.28.0@any',
      'setNamespaceLabels bookinfo istio.io/rev=default-v1-28-0',
      ...restartsOn('1.28.0', 'default-v1-28-0'),
      'checkProxies 1.28.0@default-v1-28-0',
      // Released only at cleanup, once the whole data plane is verified on the new revision.
      'releaseSailRevisions default',
      'listIstioRevisions',
    ]);
    expect(run.recorder.calls).not.toContain('revisionUsers default-v1-27-3');
  });
});

describe('revision canary, ambient mode', () => {
  const ambientSpec = (method: 'istioctl' | 'helm' | 'sail') =>
    specOf({
      install: { method, mode: 'ambient', strategy: 'revision' },
      version: { target: '1.28.0' },
      tests: { bookinfo: TEST },
    });

  it('istioctl: the new revision, then istio-cni and ztunnel in place (waited for, never before istiod), ztunnel pointed at 1-28-0, bookinfo tested through ztunnel, the default tag moved, the old revision removed', async () => {
    const spec = ambientSpec('istioctl');
    const inventory = cluster({ installer: 'istioctl', ambient: true });
    const run = await runUpgrade(env, { spec, inventories: [inventory] });

    expectCompletedAsPlanned(run, spec, inventory);
    expect(run.recorder.calls).toEqual([
      'readInventory',
      'istioctlPrecheck 1.28.0',
      // The revision without its node agents: each moves in its own step, watched by the stall rule.
      'istioctlInstall 1-28-0 1.28.0 ambient -cni -ztunnel',
      'istioctlInstall 1-28-0 1.28.0 ambient -ztunnel',
      'waitForRollout DaemonSet istio-system/istio-cni-node',
      // ztunnel pointed at the new istiod: the same install with ztunnel on.
      'istioctlInstall 1-28-0 1.28.0 ambient',
      'waitForRollout DaemonSet istio-system/ztunnel',
      ...testsThroughZtunnel,
      'istioctlTagSet default→1-28-0',
      'restartWorkload istio-ingress/istio-ingressgateway',
      'waitForRollout Deployment istio-ingress/istio-ingressgateway',
      'checkProxies 1.28.0@any',
      'checkProxies 1.28.0@1-28-0',
      'revisionUsers default',
      'istioctlUninstallRevision default',
    ]);
  });

  it('Helm: istiod-1-28-0, then istio-cni, then ztunnel pointed at 1-28-0, then the tests, the default tag and the removal of istiod', async () => {
    const spec = ambientSpec('helm');
    const inventory = cluster({ ambient: true });
    const run = await runUpgrade(env, { spec, inventories: [inventory] });

    expectCompletedAsPlanned(run, spec, inventory);
    expect(
      run.recorder.only('helmUpgradeInstall', 'helmUninstall', 'waitForRollout', 'runWorkloadTest', 'istioctlTagSet'),
    ).toEqual([
      'helmUpgradeInstall istio-base istio/base 1.28.0',
      'helmUpgradeInstall istiod-1-28-0 istio/istiod 1.28.0',
      'helmUpgradeInstall istio-cni istio/cni 1.28.0',
      'waitForRollout DaemonSet istio-system/istio-cni-node',
      'helmUpgradeInstall ztunnel istio/ztunnel 1.28.0',
      'waitForRollout DaemonSet istio-system/ztunnel',
      ...testsThroughZtunnel,
      'istioctlTagSet default→1-28-0',
      'waitForRollout Deployment istio-ingress/istio-ingressgateway',
      'helmUninstall istiod',
    ]);
  });

  it('Sail RevisionBased: Istio, IstioCNI and ZTunnel in that order, then the tests, then Sail deletes the old revision', async () => {
    const spec = ambientSpec('sail');
    const inventory = cluster({ revision: 'default-v1-27-3', sail: 'RevisionBased', ambient: true });
    const run = await runUpgrade(env, { spec, inventories: [inventory] });

    expectCompletedAsPlanned(run, spec, inventory);
    expect(run.recorder.only('patchSailResource', 'waitSailReady', 'runWorkloadTest', 'listIstioRevisions')).toEqual([
      'patchSailResource Istio v1.28.0',
      'waitSailReady Istio',
      'patchSailResource IstioCNI v1.28.0',
      'waitSailReady IstioCNI',
      'patchSailResource ZTunnel v1.28.0',
      'waitSailReady ZTunnel',
      ...testsThroughZtunnel,
      'listIstioRevisions',
    ]);
  });
});
