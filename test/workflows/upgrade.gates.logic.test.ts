/**
 * Humans in the runbook: planned gates (approve goes on, reject rolls back), gates nobody answers
 * (a timeout never approves), a failed workload test (approve goes on without it, reject rolls
 * back), and a cancellation from the Web UI (the rollback still runs). The real workflow runs on
 * the time-skipping server with stub activities; gates are answered with the approve and reject
 * signals (Updates do not skip time: retry, skip and abort are in upgrade.controls.dev.test.ts).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../core/inventory.js';
import { cluster, revision } from '../core/fixtures/cluster.js';
import { timeSkippingEnv } from '../support/temporal.js';
import { answering, runUpgrade, specOf } from './support/logic-harness.js';
import type { Run } from './support/logic-harness.js';
import { failed } from './support/stub-activities.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const HOUR_MS = 3_600_000;
const TEST = { http: { url: 'http://productpage.bookinfo:9080/' } };

const helmCanary = specOf({
  install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
  version: { target: '1.28.0' },
  tests: { bookinfo: TEST },
});
const helmInPlace = (gates: Record<string, unknown> = {}) =>
  specOf({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' }, gates });

/** The cluster half-way through a Helm canary: 1-28-0 runs beside istiod and bookinfo is labelled for it. */
function midCanary(): Inventory {
  const inventory = cluster({ bookinfoLabels: { 'istio.io/rev': '1-28-0' } });
  inventory.controlPlane.revisions.push(revision('1-28-0', '1.28.0'));
  return inventory;
}

/** The calls a run made after its first call matching `line`. */
function callsAfter(run: Run, line: string): string[] {
  const index = run.recorder.calls.indexOf(line);
  expect(index).toBeGreaterThanOrEqual(0);
  return run.recorder.calls.slice(index + 1);
}

const stepState = (run: Run, id: string) => run.result.status.steps.find((step) => step.id === id)?.state;

describe('a planned gate', () => {
  it('holds the control plane until an approver approves, and records who did', async () => {
    const run = await runUpgrade(env, { spec: helmInPlace(), inventories: [cluster()] });

    const atGate = run.seen.get('gate:before-control-plane@1.28.0');
    expect(atGate?.pause).toBe('awaiting-approval');
    expect(atGate?.steps.find((step) => step.id === 'control-plane@1.28.0')?.state).toBe('pending');
    expect(atGate?.pendingGates.map((gate) => [gate.id, gate.kind])).toEqual([
      ['gate:before-control-plane@1.28.0', 'approval'],
    ]);
    expect(run.result.status.decisions[0]).toMatchObject({
      gateId: 'gate:before-control-plane@1.28.0',
      outcome: 'approved',
      via: 'signal',
      by: 'alice',
    });
    expect(run.result.outcome).toBe('completed');
  });

  it('rejected before the default tag moves rolls the canary back: bookinfo relabelled istio-injection=enabled and restarted onto istiod, istiod-1-28-0 removed, the base chart back last', async () => {
    const run = await runUpgrade(env, {
      spec: helmCanary,
      inventories: [cluster(), midCanary()],
      operator: answering('gate:default-tag@1.28.0', 'reject'),
    });

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.result.status.failure).toMatchObject({ type: 'GateRejected' });
    expect(run.recorder.calls).not.toContain('istioctlTagSet default→1-28-0');
    expect(callsAfter(run, 'rolloutWorkload bookinfo/reviews-v2 1.28.0@1-28-0')).toEqual([
      'readInventory',
      'setNamespaceLabels bookinfo istio-injection=enabled -istio.io/rev',
      'rolloutWorkload bookinfo/details-v1 1.27.3@default',
      'rolloutWorkload bookinfo/productpage-v1 1.27.3@default',
      'rolloutWorkload bookinfo/ratings-v1 1.27.3@default',
      'rolloutWorkload bookinfo/reviews-v2 1.27.3@default',
      'checkProxies 1.27.3@default',
      'revisionUsers 1-28-0',
      'helmUninstall istiod-1-28-0',
      'helmUpgradeInstall istio-base istio/base 1.27.3',
    ]);
    expect(run.result.status.rollback?.every((step) => step.state === 'done')).toBe(true);
    expect(stepState(run, 'move-tag:default@1-28-0')).toBe('pending');
  });
});

describe('a gate nobody answers', () => {
  it('with onTimeout reject: two hours of silence are a rejection, and the in-place upgrade goes back to 1.27.3', async () => {
    const run = await runUpgrade(env, {
      spec: helmInPlace({ approvalTimeout: '2h', onTimeout: 'reject' }),
      inventories: [cluster(), cluster({ version: '1.28.0' })],
      operator: answering('gate:namespace:bookinfo@1.28.0', 'time-out'),
    });

    expect(run.result.outcome).toBe('rolled-back');
    const timedOut = run.result.status.decisions.find(
      (decision) => decision.gateId === 'gate:namespace:bookinfo@1.28.0',
    );
    expect(timedOut).toMatchObject({ outcome: 'timed-out', via: 'timer' });
    expect(timedOut?.by).toBeUndefined();
    expect(run.elapsedMs).toBeGreaterThanOrEqual(2 * HOUR_MS);
    expect(run.recorder.only('rolloutWorkload')).toEqual([]);
    expect(run.recorder.only('helmUpgradeInstall')).toEqual([
      'helmUpgradeInstall istio-base istio/base 1.28.0',
      'helmUpgradeInstall istiod istio/istiod 1.28.0',
      'helmUpgradeInstall istiod istio/istiod 1.27.3',
      'helmUpgradeInstall istio-base istio/base 1.27.3',
    ]);
  });

  it('with onTimeout fail: the timeout opens a failure gate naming it, and the control plane is not touched; rejecting it rolls back', async () => {
    const run = await runUpgrade(env, {
      spec: helmInPlace({ approvalTimeout: '2h', onTimeout: 'fail' }),
      inventories: [cluster()],
      operator: (gate) => (gate.kind === 'failure' ? 'reject' : 'time-out'),
    });

    const atFailure = run.seen.get('failed:gate:before-control-plane@1.28.0#1');
    expect(atFailure?.pendingGates).toEqual([
      expect.objectContaining({ kind: 'failure', stepId: 'gate:before-control-plane@1.28.0' }),
    ]);
    expect(atFailure?.pendingGates[0]?.description).toContain('GateTimedOut');
    expect(atFailure?.failure).toMatchObject({ type: 'GateTimedOut' });
    expect(run.result.status.decisions.map((decision) => [decision.gateId, decision.outcome])).toEqual([
      ['gate:before-control-plane@1.28.0', 'timed-out'],
      ['failed:gate:before-control-plane@1.28.0#1', 'rejected'],
    ]);
    expect(run.result.outcome).toBe('rolled-back');
    expect(run.recorder.calls).toEqual(['readInventory', 'readInventory']);
  });
});

describe('a failed workload test', () => {
  // ratings-v1 fails its test on the new revision only: back on the old one it passes again.
  const ratingsFails = (input: { name: string; expectedVersion: string | null }) =>
    input.name === 'ratings-v1' && input.expectedVersion === '1.28.0'
      ? failed('GET http://ratings:9080/ → 503 (wanted 200)')
      : null;
  const ratingsGate = 'failed:restart:bookinfo/ratings-v1@1.28.0#1';

  it('stops at a failure gate naming the deployment and the test; approved, ratings-v1 is left as it is and the canary goes on to reviews-v2', async () => {
    const run = await runUpgrade(env, {
      spec: helmCanary,
      inventories: [cluster()],
      rolloutTest: ratingsFails,
      operator: answering(ratingsGate, 'approve'),
    });

    const atGate = run.seen.get(ratingsGate);
    expect(atGate?.pendingGates[0]?.description).toContain(
      'bookinfo/ratings-v1: GET http://ratings:9080/ → 503 (wanted 200)',
    );
    expect(atGate?.failure).toMatchObject({ type: 'TestFailed' });
    expect(atGate?.workloads.find((workload) => workload.name === 'ratings-v1')).toMatchObject({
      state: 'failed',
      test: { passed: false },
    });
    expect(atGate?.workloads.find((workload) => workload.name === 'reviews-v2')?.state).toBe('pending');

    expect(run.result.outcome).toBe('completed');
    expect(stepState(run, 'restart:bookinfo/ratings-v1@1.28.0')).toBe('skipped');
    expect(run.result.status.workloads.map((workload) => [workload.name, workload.state])).toEqual([
      ['details-v1', 'done'],
      ['productpage-v1', 'done'],
      ['ratings-v1', 'skipped'],
      ['reviews-v2', 'done'],
    ]);
    expect(run.recorder.only('rolloutWorkload')).toEqual([
      'rolloutWorkload bookinfo/details-v1 1.28.0@1-28-0',
      'rolloutWorkload bookinfo/productpage-v1 1.28.0@1-28-0',
      'rolloutWorkload bookinfo/ratings-v1 1.28.0@1-28-0',
      'rolloutWorkload bookinfo/reviews-v2 1.28.0@1-28-0',
    ]);
  });

  it('rejected at its failure gate rolls everything back: bookinfo relabelled, the three restarted deployments restarted onto the old revision, reviews-v2 never restarted', async () => {
    const run = await runUpgrade(env, {
      spec: helmCanary,
      inventories: [cluster(), midCanary()],
      rolloutTest: ratingsFails,
      operator: answering(ratingsGate, 'reject'),
    });

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.result.status.failure).toMatchObject({ type: 'GateRejected' });
    expect(callsAfter(run, 'rolloutWorkload bookinfo/ratings-v1 1.28.0@1-28-0')).toEqual([
      'readInventory',
      'setNamespaceLabels bookinfo istio-injection=enabled -istio.io/rev',
      'rolloutWorkload bookinfo/details-v1 1.27.3@default',
      'rolloutWorkload bookinfo/productpage-v1 1.27.3@default',
      'rolloutWorkload bookinfo/ratings-v1 1.27.3@default',
      'checkProxies 1.27.3@default',
      'revisionUsers 1-28-0',
      'helmUninstall istiod-1-28-0',
      'helmUpgradeInstall istio-base istio/base 1.27.3',
    ]);
  });

  it('with gates.onTestFailure off, rolls back at once without asking anyone', async () => {
    const spec = { ...helmCanary, gates: { onTestFailure: false } };
    const run = await runUpgrade(env, { spec, inventories: [cluster(), midCanary()], rolloutTest: ratingsFails });

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.result.status.failure).toMatchObject({ type: 'AutoRollback' });
    expect([...run.seen.keys()].some((id) => id.startsWith('failed:'))).toBe(false);
    expect(run.recorder.calls).toContain('helmUninstall istiod-1-28-0');
  });
});

describe('cancelling the upgrade from the Web UI', () => {
  it('means abort: the canary stopped at the default-tag gate is rolled back in a scope the cancellation cannot reach, and ends rolled-back', async () => {
    const spec = specOf({
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
      version: { target: '1.28.0' },
    });
    const after = midCanary();
    after.controlPlane.installer = 'istioctl';
    const run = await runUpgrade(env, {
      spec,
      inventories: [cluster({ installer: 'istioctl' }), after],
      operator: answering('gate:default-tag@1.28.0', 'cancel'),
    });

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.result.status.failure?.type).toBe('CancelledFailure');
    // The gate the cancel interrupted no longer waits for anyone.
    expect(run.result.status.pendingGates).toEqual([]);
    expect(callsAfter(run, 'rolloutWorkload bookinfo/reviews-v2 1.28.0@1-28-0')).toEqual([
      'readInventory',
      'setNamespaceLabels bookinfo istio-injection=enabled -istio.io/rev',
      'rolloutWorkload bookinfo/details-v1 1.27.3@default',
      'rolloutWorkload bookinfo/productpage-v1 1.27.3@default',
      'rolloutWorkload bookinfo/ratings-v1 1.27.3@default',
      'rolloutWorkload bookinfo/reviews-v2 1.27.3@default',
      'checkProxies 1.27.3@default',
      'revisionUsers 1-28-0',
      'istioctlUninstallRevision 1-28-0',
    ]);
    expect(run.result.status.rollback?.map((step) => step.state)).toEqual(
      run.result.status.rollback?.map(() => 'done'),
    );
  });
});
