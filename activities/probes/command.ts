/** A command test: a program run by the worker (a smoke-test script, curl, grpcurl) that passes on its expected exit code. */
import { execa } from 'execa';
import { failure } from '../failure.js';
import { redact, redactArgs, tail } from '../redact.js';
import { currentCancellationSignal } from '../context.js';
import type { TestReport } from './types.js';

export interface CommandCheck {
  /** Program and arguments, never a shell string. */
  command: readonly [string, ...string[]];
  expectExitCode?: number;
  timeoutMs?: number;
  env?: Readonly<Record<string, string>>;
}

export async function runCommandCheck(check: CommandCheck): Promise<TestReport> {
  const started = Date.now();
  const [program, ...args] = check.command;
  const shown = [program, ...redactArgs(args)].join(' ');
  const cancelSignal = currentCancellationSignal();
  const timeout = check.timeoutMs ?? 60_000;
  const result = await execa(program, args, {
    reject: false,
    timeout,
    forceKillAfterDelay: 5_000,
    stdin: 'ignore',
    ...(check.env === undefined ? {} : { env: check.env }),
    ...(cancelSignal === undefined ? {} : { cancelSignal }),
  });
  if (result.isCanceled && cancelSignal?.reason instanceof Error) throw cancelSignal.reason;
  if (result.exitCode === undefined && (result.code === 'ENOENT' || result.code === 'EACCES')) {
    // The test could not run: that is a broken spec, not a failing workload.
    throw failure('Validation', `test command ${shown}: cannot run ${program} (${result.code})`);
  }
  const want = check.expectExitCode ?? 0;
  const passed = !result.timedOut && result.exitCode === want;
  const outcome = result.timedOut ? `no exit within ${timeout} ms` : `exit ${result.exitCode ?? result.signal ?? '?'}`;
  return {
    passed,
    summary: `${shown} → ${outcome}${passed ? '' : ` (wanted exit ${want})`}`,
    evidence: {
      command: shown,
      exitCode: result.exitCode ?? null,
      stdout: tail(redact(String(result.stdout)), 1000),
      stderr: tail(redact(String(result.stderr)), 1000),
    },
    durationMs: Date.now() - started,
  };
}
