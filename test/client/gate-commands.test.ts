/**
 * The CLI's approve/reject/status as real processes against the dev server.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runCli } from '../support/cli.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { statusQuery } from '../../workflows/messages.js';
import { devServerEnv } from '../support/temporal.js';
import { withWorker } from '../support/worker.js';
import type { gatedRunbook } from '../workflows/fixtures/gated-runbook.js';

function cli(...args: string[]) {
  return runCli(args, { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default' });
}

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('istio-upgrade approve / reject / status', () => {
  it('approves as the named operator, refuses an outsider with exit 2, and shows the audit trail', async () => {
    await withWorker(env, { workflowsPath: 'test/workflows/fixtures/gated-runbook.ts' }, async ({ taskQueue }) => {
      const workflowId = `cli-${randomUUID()}`;
      const handle = await env.client.workflow.start<typeof gatedRunbook>('gatedRunbook', {
        taskQueue,
        workflowId,
        args: [
          {
            policy: { approvers: ['alice'], initiator: 'carol', allowSelfApproval: false },
            gates: [{ id: 'control-plane', description: 'upgrade istiod' }],
          },
        ],
      });
      while ((await handle.query(statusQuery)).pendingGates.length === 0) await new Promise((r) => setTimeout(r, 50));

      const waiting = await cli('status', workflowId);
      expect(waiting.exitCode).toBe(0);
      expect(waiting.stdout).toContain('waiting: gate "control-plane": upgrade istiod');

      const outsider = await cli('approve', workflowId, 'control-plane', '--as', 'mallory');
      expect(outsider.exitCode).toBe(2);
      expect(outsider.stderr).toContain('refused: "mallory" is not an approver of this upgrade');

      const approved = await cli('approve', workflowId, 'control-plane', '--as', 'alice', '--comment', 'canary clean');
      expect(approved.exitCode).toBe(0);
      expect(approved.stdout).toMatch(/^gate "control-plane" approved by alice at /);
      await handle.result();

      const done = await cli('status', workflowId, '--json');
      const status = JSON.parse(done.stdout) as { phase: string; decisions: Array<{ by: string; comment: string }> };
      expect(status.phase).toBe('completed');
      expect(status.decisions).toEqual([expect.objectContaining({ by: 'alice', comment: 'canary clean' })]);
    });
  });

  it('exits 2 with the reason on an unknown command option', async () => {
    const result = await cli('approve', 'wf', 'gate', '--bogus');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown option '--bogus'");
  });
});
