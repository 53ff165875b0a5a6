/** A command test: a program run by the worker (a smoke-test script, curl, grpcurl) that passes on its expected exit code. */
import { activityFailure } from '../failure.js';
import { redact, redactArgs, tail } from '../redact.js';
import { runProcess } from '../tools/process.js';
import type { TestReport } from './types.js';

export interface CommandCheck {
  /** Program and arguments, never a shell string. */
  command: readonly [string, ...string[]];
  expectExitCode?: number;
  timeoutMs?: number;
  /** Variables on top of the minimal environment every child process gets. */
  env?: Readonly<Record<string, string>>;
}

export async function runCommandCheck(check: CommandCheck): Promise<TestReport> {
  const [program, ...args] = check.command;
  const shown = [program, ...redactArgs(args)].join(' ');
  const timeout = check.timeoutMs ?? 60_000;
  const result = await runProcess(program, args, {
    timeoutMs: timeout,
    describe: `test ${shown}`,
    ...(check.env === undefined ? {} : { env: check.env }),
  });
  if (result.startError !== undefined) {
    // The test could not run: that is a broken spec, not a failing workload.
    throw activityFailure('Validation', `test command ${shown}: cannot run ${program} (${result.startError})`);
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
      stdout: tail(redact(result.stdout), 1000),
      stderr: tail(redact(result.stderr), 1000),
    },
    durationMs: result.durationMs,
  };
}
