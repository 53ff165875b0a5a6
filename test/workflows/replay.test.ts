/**
 * Replays recorded histories against today's workflow code. A paused upgrade resumes on new code
 * only if its history still replays; a change that breaks this needs `patched()`. Every file in
 * histories/ is replayed (histories/record.ts records them and says how to re-record).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/worker.js';

const historiesDir = fileURLToPath(new URL('./histories/', import.meta.url));
/** Which workflows file holds each recorded workflow type (the first part of a history's file name). */
const workflowsFileOf: Record<string, string> = {
  gatedRunbook: 'test/workflows/fixtures/gated-runbook.ts',
  upgrade: 'workflows/index.ts',
  restartBatch: 'workflows/index.ts',
  rollback: 'workflows/index.ts',
};

const recorded = readdirSync(historiesDir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const workflowTypeOf = (file: string) => file.split('.')[0] ?? '';
/** An upgrade was recorded under its file's name as workflow id: its children's ids derive from it. */
const idOf = (file: string) => file.replace(/\.json$/, '');

/** The replay of each file: null when it replayed, else the error. */
const outcomes = new Map<string, Error | null>();

beforeAll(async () => {
  const byWorkflowsFile = new Map<string, string[]>();
  for (const file of recorded) {
    const workflowsPath = workflowsFileOf[workflowTypeOf(file)];
    if (workflowsPath !== undefined)
      byWorkflowsFile.set(workflowsPath, [...(byWorkflowsFile.get(workflowsPath) ?? []), file]);
  }
  for (const [workflowsPath, files] of byWorkflowsFile) {
    const histories = files.map((file) => ({
      workflowId: idOf(file),
      history: historyFromJSON(JSON.parse(readFileSync(join(historiesDir, file), 'utf8'))),
    }));
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: await workflowBundle(workflowsPath) },
      histories,
    )) {
      outcomes.set(
        `${result.workflowId}.json`,
        result.error === undefined
          ? null
          : result.error instanceof Error
            ? result.error
            : new Error(String(result.error)),
      );
    }
  }
}, 120_000);

describe('recorded histories replay on the current workflow code', () => {
  it('has a history of every upgrade path to replay', () => {
    expect(recorded.filter((file) => workflowTypeOf(file) === 'upgrade')).toEqual([
      'upgrade.ambient-sail-revision.json',
      'upgrade.canary-istioctl.json',
      'upgrade.failure-gate-retried.json',
      'upgrade.inplace-helm-chain.json',
      'upgrade.rejected-after-failed-test.json',
    ]);
    expect(recorded.some((file) => workflowTypeOf(file) === 'restartBatch')).toBe(true);
  });

  it.each(recorded)('%s', (file) => {
    expect(workflowsFileOf[workflowTypeOf(file)], `no workflows file mapped for ${workflowTypeOf(file)}`).toBeDefined();
    expect(outcomes.has(file), `${file} was not replayed`).toBe(true);
    const error = outcomes.get(file);
    if (error) throw error;
  });
});
