import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runTool } from '../../../activities/tools/run.js';

const dir = mkdtempSync(join(tmpdir(), 'run-tool-'));
function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const echo = script('echo-args', 'for a in "$@"; do echo "$a"; done; echo "kube=$KUBECONFIG"');
const broken = script('broken', 'echo "Error: cannot reach cluster with token: abc123" >&2; exit 3');
const slow = script('slow', 'exec sleep 60');

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('running a tool', () => {
  it('passes arguments as an array, untouched by any shell, and the kubeconfig by path', async () => {
    const result = await runTool(echo, ['a b', '$(rm -rf /)', '--set=x'], { kubeconfigPath: '/tmp/kc' });
    expect(result.stdout.split('\n')).toEqual(['a b', '$(rm -rf /)', '--set=x', 'kube=/tmp/kc']);
  });

  it('fails with the command, exit code and redacted stderr', async () => {
    const f = await failureOf(runTool(broken, ['install', '--revision', '1-28'], {}));
    expect(f.type).toBe('CommandFailed');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('broken install --revision 1-28: exit 3');
    const details = f.details?.[0] as { command: string; exitCode: number; stderr: string };
    expect(details.exitCode).toBe(3);
    expect(details.stderr).toContain('cannot reach cluster');
    expect(JSON.stringify(f)).not.toContain('abc123');
  });

  it('accepts exit codes that are answers', async () => {
    expect((await runTool(broken, [], {}, { okExitCodes: [3] })).exitCode).toBe(3);
  });

  it('times out as a retryable Timeout', async () => {
    const f = await failureOf(runTool(slow, [], { timeoutMs: 200 }));
    expect(f.type).toBe('Timeout');
    expect(f.nonRetryable).toBe(false);
  });

  it('reports a missing binary as a configuration problem', async () => {
    const f = await failureOf(runTool(join(dir, 'absent'), [], {}));
    expect(f.type).toBe('Validation');
  });

  it('kills the process when the activity is cancelled', async () => {
    const env = new MockActivityEnvironment();
    // `slow` sleeps for a minute, past the test timeout: only a killed process lets this pass.
    const run = env.run(() => runTool(slow, [], {}));
    setTimeout(() => env.cancel(), 200);
    await expect(run).rejects.toBeInstanceOf(CancelledFailure);
  });
});

describe('the environment of a tool', () => {
  it("is minimal: PATH, HOME and KUBECONFIG reach the tool, the worker's secrets do not", async () => {
    const printEnv = script('print-env', 'env');
    const saved = { ...process.env };
    Object.assign(process.env, {
      TEMPORAL_API_KEY: 'tk-live-secret',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      SOME_WORKER_SETTING: 'worker-only',
    });
    try {
      const { stdout } = await runTool(printEnv, [], {
        kubeconfigPath: '/tmp/kc',
        env: { HTTPS_PROXY: 'http://proxy:3128' },
      });
      const names = stdout.split('\n').map((line) => line.slice(0, line.indexOf('=')));
      expect(stdout).not.toContain('tk-live-secret');
      expect(stdout).not.toContain('aws-secret');
      expect(names).not.toContain('SOME_WORKER_SETTING');
      expect(names).toEqual(expect.arrayContaining(['PATH', 'KUBECONFIG', 'HTTPS_PROXY']));
      expect(stdout).toContain('KUBECONFIG=/tmp/kc');
    } finally {
      for (const key of ['TEMPORAL_API_KEY', 'AWS_SECRET_ACCESS_KEY', 'SOME_WORKER_SETTING']) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe('a long tool call', () => {
  it('heartbeats while it runs, so it stays alive and can be cancelled', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 600 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const pause = script('pause', 'exec sleep 1');
    await env.run(() => runTool(pause, ['--wait'], {}));
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats[0]).toMatchObject({ message: 'running pause --wait' });
  });
});
