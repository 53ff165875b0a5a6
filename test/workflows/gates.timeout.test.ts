/**
 * Gate timeouts on the time-skipping server: a 24-hour approval window passes in moments.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal, statusQuery } from '../../workflows/messages.js';
import { timeSkippingEnv } from '../support/temporal.js';
import { withWorker } from '../support/worker.js';
import type { gatedRunbook } from './fixtures/gated-runbook.js';

const FIXTURE = 'test/workflows/fixtures/gated-runbook.ts';
const DAY_MS = 24 * 60 * 60 * 1000;
const policy = { approvers: ['alice', 'bob'], initiator: 'carol', allowSelfApproval: false };

describe('a gate with a 24-hour approval timeout', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('times out after 24 hours of silence, and the outcome says timed-out, not approved', async () => {
    const before = await env.currentTimeMs();
    const realStart = Date.now();
    const decisions = await withWorker(env, { workflowsPath: FIXTURE }, ({ taskQueue }) =>
      env.client.workflow.execute<typeof gatedRunbook>('gatedRunbook', {
        taskQueue,
        workflowId: `timeout-${realStart}`,
        args: [
          { policy, gates: [{ id: 'control-plane', description: 'upgrade istiod to 1.27.3', timeoutMs: DAY_MS }] },
        ],
      }),
    );
    const skipped = (await env.currentTimeMs()) - before;

    expect(decisions).toEqual([
      expect.objectContaining({ gateId: 'control-plane', outcome: 'timed-out', via: 'timer' }),
    ]);
    expect(decisions[0]?.by).toBeUndefined();
    expect(skipped).toBeGreaterThanOrEqual(DAY_MS);
    expect(Date.now() - realStart).toBeLessThan(DAY_MS / 1000);
  });

  it('is approved by an approver before the timeout, and the next gate opens', async () => {
    const workflowId = `approve-before-timeout-${Date.now()}`;
    const decisions = await withWorker(env, { workflowsPath: FIXTURE }, async ({ taskQueue }) => {
      const handle = await env.client.workflow.start<typeof gatedRunbook>('gatedRunbook', {
        taskQueue,
        workflowId,
        args: [
          {
            policy,
            gates: [
              { id: 'control-plane', description: 'upgrade istiod', timeoutMs: DAY_MS },
              { id: 'gateways', description: 'restart gateways', timeoutMs: DAY_MS },
            ],
          },
        ],
      });
      // Answer only an open gate: a signal that lands in the workflow's first task, before the gate
      // opens, is refused as "unknown gate" (as it would be for an operator), and the gate then times out.
      while (!(await handle.query(statusQuery)).pendingGates.some((gate) => gate.id === 'control-plane'))
        await new Promise((resolve) => setTimeout(resolve, 50));
      await handle.signal(approveSignal, { gateId: 'control-plane', by: 'alice', requestId: 'r1', comment: 'lgtm' });
      return handle.result();
    });

    expect(decisions.map((d) => [d.gateId, d.outcome, d.by ?? null])).toEqual([
      ['control-plane', 'approved', 'alice'],
      ['gateways', 'timed-out', null],
    ]);
  });
});
