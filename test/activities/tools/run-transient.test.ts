import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { runTool } from '../../../activities/tools/run.js';

const dir = mkdtempSync(join(tmpdir(), 'run-transient-'));

/** A tool that fails `times` runs with `stderr`, then succeeds; `runs` counts every run. */
function flaky(name: string, times: number, stderr: string) {
  const count = join(dir, `${name}.count`);
  writeFileSync(count, '0');
  const path = join(dir, name);
  writeFileSync(
    path,
    `#!/bin/sh\nn=$(($(cat ${count}) + 1)); echo $n > ${count}\nif [ $n -le ${times} ]; then echo '${stderr}' >&2; exit 1; fi\necho ok\n`,
  );
  chmodSync(path, 0o755);
  return { path, runs: () => Number(readFileSync(count, 'utf8').trim()) };
}

const quick = { backoffMs: () => 10 };

describe('istioctl and helm runs that fail on a transient API error', () => {
  it('runs istioctl install again after two refused connections and returns its answer', async () => {
    const tool = flaky('refused-twice', 2, 'Error: dial tcp 10.0.0.1:6443: connect: connection refused');
    const result = await runTool(tool.path, ['install', '-y'], {}, quick);
    expect(result.stdout).toBe('ok');
    expect(tool.runs()).toBe(3);
  });

  it('gives up after three more runs and says how often and why', async () => {
    const tool = flaky('always-503', 10, 'Error: the server is currently unable to handle the request');
    const failure = await runTool(tool.path, ['tag', 'set', 'default'], {}, quick).catch((err: unknown) => err);
    expect(tool.runs()).toBe(4);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('CommandFailed');
    expect((failure as ApplicationFailure).message).toContain(
      '(run 4 times: 503 service unavailable, 503 service unavailable, 503 service unavailable)',
    );
  });

  it('stops at once on a failure that is not transient', async () => {
    const tool = flaky('forbidden', 10, 'Error: deployments.apps "istiod" is forbidden');
    const failure = await runTool(tool.path, ['install', '-y'], {}, quick).catch((err: unknown) => err);
    expect(tool.runs()).toBe(1);
    expect((failure as ApplicationFailure).message).toBe(
      'forbidden install -y: exit 1: Error: deployments.apps "istiod" is forbidden',
    );
  });
});
