/**
 * The approval gate on the real dev server: signals, the decide Update and its validator, the
 * status query, search attributes, and the audit trail in workflow history.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal, decideUpdate, rejectSignal, statusQuery } from '../../workflows/messages.js';
import type { DecideRequest, UpgradeStatus } from '../../workflows/messages.js';
import { pendingGateKey, upgradePhaseKey } from '../../workflows/search-attributes.js';
import { devServerEnv } from '../support/temporal.js';
import { withWorker } from '../support/worker.js';
import type { GatedRunbookInput, gatedRunbook } from './fixtures/gated-runbook.js';

const FIXTURE = 'test/workflows/fixtures/gated-runbook.ts';
const twoGates: GatedRunbookInput = {
  policy: { approvers: ['alice', 'bob', 'carol'], initiator: 'carol', allowSelfApproval: false },
  gates: [
    { id: 'control-plane', description: 'install istiod 1-28 beside 1-27' },
    { id: 'remove-old-revision', description: 'remove istiod 1-27' },
  ],
};

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** Starts the two-gate runbook and hands its handle to the test while a worker runs. */
function withRunbook<T>(
  input: GatedRunbookInput,
  fn: (handle: WorkflowHandle<typeof gatedRunbook>) => Promise<T>,
): Promise<T> {
  return withWorker(env, { workflowsPath: FIXTURE }, async ({ taskQueue }) => {
    const handle = await env.client.workflow.start<typeof gatedRunbook>('gatedRunbook', {
      taskQueue,
      workflowId: `gates-${randomUUID()}`,
      args: [input],
    });
    return fn(handle);
  });
}

async function untilPending(handle: WorkflowHandle, gateId: string): Promise<UpgradeStatus> {
  for (;;) {
    const status = await handle.query(statusQuery);
    if (status.pendingGates.some((g) => g.id === gateId)) return status;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function decide(handle: WorkflowHandle, request: Partial<DecideRequest>) {
  return handle.executeUpdate(decideUpdate, { args: [request as DecideRequest] });
}

async function refusalOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return (err as WorkflowUpdateFailedError).cause?.message ?? '';
}

describe('approval gates on the dev server', () => {
  it('records who approved by signal in status and in workflow history', async () => {
    await withRunbook(twoGates, async (handle) => {
      const status = await untilPending(handle, 'control-plane');
      expect(status.pause).toBe('awaiting-approval');
      expect((await handle.describe()).typedSearchAttributes.get(pendingGateKey)).toEqual(['control-plane']);

      await handle.signal(approveSignal, {
        gateId: 'control-plane',
        by: 'alice',
        requestId: 'req-1',
        comment: 'canary looks good',
      });
      await untilPending(handle, 'remove-old-revision');
      await handle.signal(approveSignal, { gateId: 'remove-old-revision', by: 'bob', requestId: 'req-2' });
      const decisions = await handle.result();

      expect(decisions.map((d) => [d.gateId, d.outcome, d.by, d.via])).toEqual([
        ['control-plane', 'approved', 'alice', 'signal'],
        ['remove-old-revision', 'approved', 'bob', 'signal'],
      ]);
      expect(decisions[0]?.comment).toBe('canary looks good');

      const final = await handle.query(statusQuery);
      expect(final.phase).toBe('completed');
      expect(final.pendingGates).toEqual([]);
      expect(final.decisions).toHaveLength(2);
      const attributes = (await handle.describe()).typedSearchAttributes;
      expect(attributes.get(upgradePhaseKey)).toBe('completed');

      const history = await handle.fetchHistory();
      const signalled = (history.events ?? [])
        .filter((e) => e.workflowExecutionSignaledEventAttributes)
        .map((e) => {
          const attrs = e.workflowExecutionSignaledEventAttributes!;
          const data = attrs.input?.payloads?.[0]?.data;
          return [attrs.signalName, (JSON.parse(Buffer.from(data ?? []).toString()) as { by: string }).by];
        });
      expect(signalled).toEqual([
        ['approve', 'alice'],
        ['approve', 'bob'],
      ]);
    });
  });

  it('rejects by Update and ends the runbook without opening the next gate', async () => {
    await withRunbook(twoGates, async (handle) => {
      await untilPending(handle, 'control-plane');
      const decision = await decide(handle, {
        gateId: 'control-plane',
        by: 'bob',
        requestId: 'u-1',
        decision: 'reject',
        comment: '5xx in canary',
      });
      expect(decision).toMatchObject({ gateId: 'control-plane', outcome: 'rejected', by: 'bob', via: 'update' });
      const decisions = await handle.result();
      expect(decisions.map((d) => d.outcome)).toEqual(['rejected']);
      expect((await handle.query(statusQuery)).phase).toBe('cancelled');
    });
  });

  it('answers a duplicate request id with the original decision and decides only once', async () => {
    await withRunbook(twoGates, async (handle) => {
      await untilPending(handle, 'control-plane');
      const request = { gateId: 'control-plane', by: 'alice', requestId: 'dup-1', decision: 'approve' as const };
      const first = await decide(handle, request);
      await untilPending(handle, 'remove-old-revision');
      const second = await decide(handle, request);
      expect(second).toEqual(first);

      // The same request id by signal (a redelivered Slack action) changes nothing either.
      await handle.signal(approveSignal, { gateId: 'control-plane', by: 'alice', requestId: 'dup-1' });
      const status = await handle.query(statusQuery);
      expect(status.decisions).toHaveLength(1);
      expect(status.pendingGates.map((g) => g.id)).toEqual(['remove-old-revision']);

      const reused = await refusalOf(
        decide(handle, { gateId: 'remove-old-revision', by: 'alice', requestId: 'dup-1', decision: 'approve' }),
      );
      expect(reused).toContain('requestId "dup-1" was already used');
      await handle.terminate('test done');
    });
  });

  it('refuses an unknown gate, a gate that is not pending, and an unauthorized approver', async () => {
    await withRunbook(twoGates, async (handle) => {
      await untilPending(handle, 'control-plane');

      expect(
        await refusalOf(decide(handle, { gateId: 'gateways', by: 'alice', requestId: 'x-1', decision: 'approve' })),
      ).toBe('unknown gate "gateways"; pending: control-plane');
      expect(
        await refusalOf(
          decide(handle, { gateId: 'control-plane', by: 'mallory', requestId: 'x-2', decision: 'approve' }),
        ),
      ).toBe('"mallory" is not an approver of this upgrade');
      expect(
        await refusalOf(
          decide(handle, { gateId: 'control-plane', by: 'carol', requestId: 'x-3', decision: 'approve' }),
        ),
      ).toBe('"carol" started this upgrade and may not approve its own gates');
      expect(
        await refusalOf(decide(handle, { gateId: 'control-plane', by: '', requestId: 'x-4', decision: 'approve' })),
      ).toBe('by: expected a non-empty string');

      await decide(handle, { gateId: 'control-plane', by: 'alice', requestId: 'x-5', decision: 'approve' });
      await untilPending(handle, 'remove-old-revision');
      expect(
        await refusalOf(decide(handle, { gateId: 'control-plane', by: 'bob', requestId: 'x-6', decision: 'reject' })),
      ).toMatch(/^gate "control-plane" is not pending: it was approved by alice at /);

      // Refused Updates leave no trace: only the accepted one is in history.
      const history = await handle.fetchHistory();
      const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      expect(accepted).toHaveLength(1);

      // A refused signal cannot be refused to its sender; status shows it instead.
      await handle.signal(approveSignal, { gateId: 'remove-old-revision', by: 'mallory', requestId: 's-1' });
      const status = await handle.query(statusQuery);
      expect(status.refused).toEqual([
        expect.objectContaining({
          by: 'mallory',
          decision: 'approve',
          reason: '"mallory" is not an approver of this upgrade',
        }),
      ]);
      expect(status.pendingGates.map((g) => g.id)).toEqual(['remove-old-revision']);

      // The initiator may always stop their own upgrade.
      await handle.signal(rejectSignal, {
        gateId: 'remove-old-revision',
        by: 'carol',
        requestId: 's-2',
        comment: 'keep 1-27 for now',
      });
      const decisions = await handle.result();
      expect(decisions.map((d) => [d.gateId, d.outcome, d.by])).toEqual([
        ['control-plane', 'approved', 'alice'],
        ['remove-old-revision', 'rejected', 'carol'],
      ]);
    });
  });

  it('lets the initiator approve their own gate only when the policy allows it', async () => {
    const selfApproving = { ...twoGates, policy: { ...twoGates.policy, allowSelfApproval: true } };
    await withRunbook(selfApproving, async (handle) => {
      await untilPending(handle, 'control-plane');
      const decision = await decide(handle, {
        gateId: 'control-plane',
        by: 'carol',
        requestId: 'self-1',
        decision: 'approve',
      });
      expect(decision.outcome).toBe('approved');
      await handle.terminate('test done');
    });
  });
});
