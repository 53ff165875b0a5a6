/**
 * Replays recorded histories against today's workflow code. A paused upgrade resumes on new code
 * only if its history still replays; a change that breaks this needs `patched()`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/worker.js';

const historiesDir = fileURLToPath(new URL('./histories/', import.meta.url));
/** Which workflows file holds each recorded workflow type. */
const workflowsFileOf: Record<string, string> = {
  gatedRunbook: 'test/workflows/fixtures/gated-runbook.ts',
};

const recorded = readdirSync(historiesDir).filter((f) => f.endsWith('.json'));

describe('recorded histories replay on the current workflow code', () => {
  it('has histories to replay', () => {
    expect(recorded.length).toBeGreaterThan(0);
  });

  it.each(recorded)('%s', async (file) => {
    const workflowType = file.split('.')[0] ?? '';
    const workflowsPath = workflowsFileOf[workflowType];
    expect(workflowsPath, `no workflows file mapped for ${workflowType}`).toBeDefined();
    const history = historyFromJSON(JSON.parse(readFileSync(join(historiesDir, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(workflowsPath!) }, history, file);
  });
});
