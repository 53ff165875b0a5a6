/**
 * The operator's controls on a running upgrade, as validated Updates on the dev server (the
 * time-skipping server cannot run Updates): answered at once, refused with a reason and no trace,
 * recorded with who and why when accepted.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import {
  abortUpdate,
  decideUpdate,
  extendSoakUpdate,
  pauseUpdate,
  resumeUpdate,
  retryUpdate,
  skipSoakUpdate,
  skipUpdate,
  statusQuery,
} from '../../workflows/messages.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import type { upgrade } from '../../workflows/upgrade.js';
import { meshState, quickSpec, runWorker, startUpgrade, e2eSuite } from './support/upgrade-harness.js';

const suite = e2eSuite();

const canary = (extra: Partial<SpecInput> = {}): SpecInput =>
  quickSpec({
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.27.3' },
    scope: { namespaces: ['bookinfo'] },
    ...extra,
  });

async function until(
  handle: WorkflowHandle<typeof upgrade>,
  what: string,
  ok: (status: UpgradeStatus) => boolean,
): Promise<UpgradeStatus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (ok(status)) return status;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; status: ${JSON.stringify({ current: status.current, gates: status.pendingGates.map((g) => g.id), failure: status.failure })}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const request = (by: string, comment?: string) => ({
  by,
  requestId: randomUUID(),
  ...(comment !== undefined && { comment }),
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return error.cause?.message ?? error.message;
    throw error;
  }
  throw new Error('the Update was accepted');
}

async function approve(handle: WorkflowHandle<typeof upgrade>, gateId: string, by = 'alice'): Promise<void> {
  await handle.executeUpdate(decideUpdate, { args: [{ gateId, by, requestId: randomUUID(), decision: 'approve' }] });
}

describe('operator controls', () => {
  it('extends and skips a soak with who and why recorded, refuses a skip without a comment, and holds before the next step until resumed', async () => {
    const cluster = await suite.fresh();
    await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, canary({ timers: { soakAfterControlPlane: '1h' } }));
      await until(handle, 'the first gate', (s) => s.pendingGates.length > 0);
      expect(
        await refusal(
          handle.executeUpdate(decideUpdate, {
            args: [
              { gateId: 'gate:before-control-plane@1.27.3', by: 'carol', requestId: randomUUID(), decision: 'approve' },
            ],
          }),
        ),
      ).toMatch(/"carol" is not an approver of this upgrade/);
      await approve(handle, 'gate:before-control-plane@1.27.3');
      const soaking = await until(handle, 'the soak', (s) => s.timer !== null);
      expect(soaking.pause).toBe('soaking');

      const extended = await handle.executeUpdate(extendSoakUpdate, { args: [{ ...request('bob'), seconds: 600 }] });
      expect(extended).toMatchObject({ action: 'extendSoak', by: 'bob', seconds: 600 });
      const later = await until(
        handle,
        'the longer timer',
        (s) => s.timer !== null && Date.parse(s.timer.endsAt) - Date.parse(soaking.timer?.endsAt ?? '') === 600_000,
      );
      expect(later.timer?.stepId).toBe('soak:control-plane@1.27.3');

      expect(await refusal(handle.executeUpdate(skipSoakUpdate, { args: [request('bob')] }))).toMatch(/comment/);
      expect(await refusal(handle.executeUpdate(pauseUpdate, { args: [request('mallory')] }))).toMatch(
        /not an approver/,
      );
      await handle.executeUpdate(pauseUpdate, { args: [request('carol', 'change freeze until the incident review')] });
      await handle.executeUpdate(skipSoakUpdate, { args: [request('bob', 'soaked in staging for a week')] });

      const held = await until(handle, 'the hold', (s) => s.timer === null && s.held);
      expect(held.pause).toBe('held-by-operator');
      const soak = held.steps.find((step) => step.id === 'soak:control-plane@1.27.3');
      expect(soak?.state).toBe('done');
      expect(soak?.note).toMatch(/^skipped after/);
      expect(held.steps.find((step) => step.id === 'gate:namespace:bookinfo@1.27.3')?.state).toBe('pending');
      expect(held.controls.map((c) => `${c.action} ${c.by}`)).toEqual([
        'extendSoak bob',
        'pause carol',
        'skipSoak bob',
      ]);

      await handle.executeUpdate(resumeUpdate, { args: [request('alice')] });
      await until(handle, 'the namespace gate', (s) =>
        s.pendingGates.some((g) => g.id === 'gate:namespace:bookinfo@1.27.3'),
      );
      await handle.terminate('enough of this upgrade');
    });
  }, 120_000);

  it('retries a deployment whose test failed once, and it passes the second time', async () => {
    const cluster = await suite.fresh();
    const marker = join(mkdtempSync(join(tmpdir(), 'flaky-')), 'ran-once');
    const flaky = { command: { argv: ['sh', '-c', `test -f ${marker} || { touch ${marker}; exit 1; }`] } };
    await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(
        suite.env,
        taskQueue,
        canary({
          tests: { 'bookinfo/ratings-v1': flaky },
          gates: {
            perNamespace: false,
            beforeRemovingOldRevision: false,
            beforeControlPlane: false,
            beforeDefaultTag: false,
          },
        }),
      );
      const failed = await until(handle, 'the failure gate', (s) => s.pendingGates.some((g) => g.kind === 'failure'));
      const gate = failed.pendingGates.find((g) => g.kind === 'failure');
      expect(gate?.stepId).toBe('restart:bookinfo/ratings-v1@1.27.3');
      expect(await refusal(handle.executeUpdate(skipUpdate, { args: [request('alice')] }))).toMatch(/comment/);
      const retried = await handle.executeUpdate(retryUpdate, { args: [request('alice', 'the test was flaky')] });
      expect(retried.action).toBe('retry');
      const result = await handle.result();
      expect(result.outcome).toBe('completed');
      expect(result.status.workloads.find((w) => w.name === 'ratings-v1')).toMatchObject({
        state: 'done',
        attempts: 2,
        test: { passed: true },
      });
      expect(result.status.decisions.find((d) => d.gateId === gate?.id)).toMatchObject({
        outcome: 'approved',
        by: 'alice',
        comment: 'retry: the test was flaky',
      });
    });
  }, 120_000);

  it('aborts at a gate: the rollback runs to the end and the mesh is as it was', async () => {
    const cluster = await suite.fresh();
    const before = meshState(cluster);
    await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, canary());
      await until(handle, 'the first gate', (s) => s.pendingGates.length > 0);
      await approve(handle, 'gate:before-control-plane@1.27.3');
      await until(handle, 'the namespace gate', (s) =>
        s.pendingGates.some((g) => g.id === 'gate:namespace:bookinfo@1.27.3'),
      );
      await approve(handle, 'gate:namespace:bookinfo@1.27.3', 'bob');
      await until(handle, 'the default-tag gate', (s) =>
        s.pendingGates.some((g) => g.id === 'gate:default-tag@1.27.3'),
      );
      const aborted = await handle.executeUpdate(abortUpdate, { args: [request('carol', 'error budget burned')] });
      expect(aborted).toMatchObject({ action: 'abort', by: 'carol', comment: 'error budget burned' });
      const result = await handle.result();
      expect(result.outcome).toBe('rolled-back');
      expect(result.status.failure).toMatchObject({
        type: 'Aborted',
        message: 'aborted by carol: error budget burned',
      });
      expect(result.status.rollback?.every((step) => step.state === 'done')).toBe(true);
    });
    expect(meshState(cluster)).toEqual(before);
  }, 120_000);

  it('treats a cancel from the Web UI as an abort: the rollback still runs', async () => {
    const cluster = await suite.fresh();
    const before = meshState(cluster);
    await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, canary());
      await until(handle, 'the first gate', (s) => s.pendingGates.length > 0);
      await approve(handle, 'gate:before-control-plane@1.27.3');
      await until(handle, 'the namespace gate', (s) =>
        s.pendingGates.some((g) => g.id === 'gate:namespace:bookinfo@1.27.3'),
      );
      await handle.cancel();
      const result = await handle.result();
      expect(result.outcome).toBe('rolled-back');
      expect(result.status.rollback?.map((step) => step.kind)).toContain('remove-old-revision');
    });
    expect(meshState(cluster)).toEqual(before);
  }, 120_000);
});
