/**
 * The Web UI's current details while analysis runs, read the way the UI reads them (the
 * `__temporal_workflow_metadata` query) from a real worker on the dev server: a line for the run
 * still measuring, and the last measurement that did not pass with its check, value, baseline
 * and verdict, so the operator at a gate sees why without opening `status`.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisRun } from '../../core/analysis/measurement.js';
import { analysisUpgradeStatus } from '../client/fixtures/analysis-upgrade.js';
import { devServerEnv } from '../support/temporal.js';
import { withWorker } from '../support/worker.js';
import { feedSignal, finishSignal, type analysisBoard } from './fixtures/analysis-board.js';

const FIXTURE = 'test/workflows/fixtures/analysis-board.ts';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** What the Web UI shows as "current details", once it contains `expected` (or fails naming what it had). */
async function detailsWith(handle: WorkflowHandle, expected: string): Promise<string> {
  let details = '';
  for (let tries = 0; tries < 100; tries += 1) {
    ({ currentDetails: details } = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata'));
    if (details.includes(expected)) return details;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`current details never contained ${JSON.stringify(expected)}; last:\n${details}`);
}

function withBoard<T>(fn: (handle: WorkflowHandle<typeof analysisBoard>) => Promise<T>): Promise<T> {
  return withWorker(env, { workflowsPath: FIXTURE }, async ({ taskQueue }) => {
    const handle = await env.client.workflow.start<typeof analysisBoard>('analysisBoard', {
      taskQueue,
      workflowId: `analysis-details-${randomUUID()}`,
    });
    try {
      return await fn(handle);
    } finally {
      await handle.signal(finishSignal);
      await handle.result();
    }
  });
}

const [soak, , afterSecond] = analysisUpgradeStatus().analysis?.runs as AnalysisRun[];

describe('the Web UI current details during analysis', () => {
  it('shows the run still measuring, then the failed measurement with its value and baseline', async () => {
    const failed = afterSecond as AnalysisRun;
    await withBoard(async (handle) => {
      await handle.signal(feedSignal, { ...failed, phase: 'Running', endedAt: null, measurements: [], summary: null });
      const running = await detailsWith(handle, '**analysis running:**');
      expect(running).toContain(
        `**analysis running:** \`${failed.id}\` (restarts, 3 workloads since ${failed.startedAt}): 0 measurements so far`,
      );
      expect(running).not.toContain('**last analysis');

      await handle.signal(feedSignal, failed);
      const ended = await detailsWith(handle, '**last analysis Failed');
      expect(ended).toContain(
        '**last analysis Failed:** request-success-rate of bookinfo/reviews-v2 = 0.912 (baseline 0.9983) at 2026-12-05T02:12:00.000Z: 0.912 < min 0.99',
      );
      // The run ended: nothing is measuring any more.
      expect(ended).not.toContain('**analysis running:**');
    });
  });

  it('says nothing about analysis while every measurement passes', async () => {
    await withBoard(async (handle) => {
      await handle.signal(feedSignal, soak as AnalysisRun);
      // The soak's run ended Successful: the details carry only the phase line.
      const details = await detailsWith(handle, '**phase:** soak');
      expect(details).not.toContain('analysis');
    });
  });
});
