/**
 * The operator's Updates at a failure gate and during a run (retry, skip, abort), with stub
 * activities. Updates do not work on the time-skipping server, so these run on the shared dev
 * server in real time, with one-second soaks and grace periods.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import { abortUpdate, retryUpdate, skipUpdate } from '../../workflows/messages.js';
import { cluster, revision } from '../core/fixtures/cluster.js';
import { devServerEnv } from '../support/temporal.js';
import { answering, runUpgrade, specOf } from './support/logic-harness.js';
import type { UpgradeHandle } from './support/logic-harness.js';
import { failed } from './support/stub-activities.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const TEST = { http: { url: 'http://productpage.bookinfo:9080/' } };
const canary: SpecInput = specOf({
  install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
  version: { target: '1.28.0' },
  tests: { bookinfo: TEST },
  timers: { soakAfterControlPlane: '1s', graceBeforeRevisionRemoval: '1s' },
});
const ratingsGate = 'failed:restart:bookinfo/ratings-v1@1.28.0#1';

const update = (definition: typeof retryUpdate, by: string, comment?: string) => (handle: UpgradeHandle) =>
  handle.executeUpdate(definition, {
    args: [{ by, requestId: `${definition.name}-${by}`, ...(comment !== undefined && { comment }) }],
  });

describe('at a failed test', () => {
  it('retry restarts that deployment again under a new restart annotation, and the canary goes on when its test passes', async () => {
    const restartedAt: string[] = [];
    const run = await runUpgrade(env, {
      spec: canary,
      inventories: [cluster({ installer: 'istioctl' })],
      rolloutTest: (input, attempt) => {
        if (input.name !== 'ratings-v1') return null;
        restartedAt.push(input.restartedAt);
        return attempt === 1 ? failed('GET http://ratings:9080/ → 503 (wanted 200)') : null;
      },
      operator: answering(ratingsGate, update(retryUpdate, 'bob')),
    });

    expect(run.result.outcome).toBe('completed');
    expect(run.recorder.only('rolloutWorkload')).toEqual([
      'rolloutWorkload bookinfo/details-v1 1.28.0@1-28-0',
      'rolloutWorkload bookinfo/productpage-v1 1.28.0@1-28-0',
      'rolloutWorkload bookinfo/ratings-v1 1.28.0@1-28-0',
      'rolloutWorkload bookinfo/ratings-v1 1.28.0@1-28-0',
      'rolloutWorkload bookinfo/reviews-v2 1.28.0@1-28-0',
    ]);
    expect(restartedAt).toHaveLength(2);
    expect(restartedAt[1]).toBe(`${restartedAt[0] ?? ''}#2`);
    expect(run.result.status.workloads.find((workload) => workload.name === 'ratings-v1')).toMatchObject({
      state: 'done',
      attempts: 2,
      test: { passed: true },
    });
    expect(run.result.status.decisions.find((decision) => decision.gateId === ratingsGate)).toMatchObject({
      outcome: 'approved',
      by: 'bob',
      comment: 'retry',
    });
    expect(run.result.status.controls).toEqual([expect.objectContaining({ action: 'retry', by: 'bob' })]);
  });

  it('skip (with a reason) leaves the deployment as it is and goes on; who and why are recorded', async () => {
    const run = await runUpgrade(env, {
      spec: canary,
      inventories: [cluster({ installer: 'istioctl' })],
      rolloutTest: (input) =>
        input.name === 'ratings-v1' ? failed('GET http://ratings:9080/ → 503 (wanted 200)') : null,
      operator: answering(ratingsGate, update(skipUpdate, 'alice', 'ratings is flaky upstream; ticket MESH-42')),
    });

    expect(run.result.outcome).toBe('completed');
    expect(run.recorder.only('rolloutWorkload').filter((call) => call.includes('ratings-v1'))).toHaveLength(1);
    expect(run.result.status.steps.find((step) => step.id === 'restart:bookinfo/ratings-v1@1.28.0')?.state).toBe(
      'skipped',
    );
    expect(run.result.status.controls).toEqual([
      expect.objectContaining({ action: 'skip', by: 'alice', comment: 'ratings is flaky upstream; ticket MESH-42' }),
    ]);
    expect(run.result.status.decisions.find((decision) => decision.gateId === ratingsGate)).toMatchObject({
      outcome: 'approved',
      by: 'alice',
      comment: 'skip: ratings is flaky upstream; ticket MESH-42',
    });
  });
});

describe('at the removal of an old revision still in use', () => {
  it('retry asks the cluster again and removes it once nothing uses it', async () => {
    const run = await runUpgrade(env, {
      spec: canary,
      inventories: [cluster({ installer: 'istioctl' })],
      revisionUsers: (_revision, attempt) =>
        attempt === 1 ? { users: ['pod legacy/batch-7f9c-x2k4l'], count: 1 } : { users: [], count: 0 },
      operator: answering('failed:remove-revision:default#1', update(retryUpdate, 'alice')),
    });

    expect(run.seen.get('failed:remove-revision:default#1')?.blockers).toEqual(['pod legacy/batch-7f9c-x2k4l']);
    expect(run.result.outcome).toBe('completed');
    expect(run.recorder.calls.slice(-3)).toEqual([
      'revisionUsers default',
      'revisionUsers default',
      'istioctlUninstallRevision default',
    ]);
    expect(run.result.status.blockers).toEqual([]);
  });
});

describe('abort', () => {
  it('at the default-tag gate cancels the wait and rolls the canary back; status says who aborted and why', async () => {
    const after = cluster({ installer: 'istioctl', bookinfoLabels: { 'istio.io/rev': '1-28-0' } });
    after.controlPlane.revisions.push(revision('1-28-0', '1.28.0'));
    const run = await runUpgrade(env, {
      spec: canary,
      inventories: [cluster({ installer: 'istioctl' }), after],
      operator: answering('gate:default-tag@1.28.0', update(abortUpdate, 'carol', 'latency regression in reviews')),
    });

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.result.status.failure).toMatchObject({
      type: 'Aborted',
      message: 'aborted by carol: latency regression in reviews',
    });
    expect(run.result.status.pendingGates).toEqual([]);
    expect(run.recorder.calls).not.toContain('istioctlTagSet default→1-28-0');
    expect(run.recorder.calls.slice(run.recorder.calls.lastIndexOf('readInventory'))).toEqual([
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
  });
});
