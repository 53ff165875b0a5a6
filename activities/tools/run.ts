/**
 * Runs a tool as a process (through the one process runner) and turns what went wrong into a
 * typed failure that carries the command, the exit code and the redacted end of stderr.
 */
import { basename } from 'node:path';
import { activityFailure } from '../failure.js';
import { redact, redactArgs, tail } from '../redact.js';
import { DEFAULT_TOOL_TIMEOUT_MS, type ToolsConfig } from './config.js';
import { runProcess } from './process.js';

export interface RunOptions {
  timeoutMs?: number;
  /** Text fed to stdin, e.g. a manifest for `-f -`. */
  input?: string;
  /** Exit codes that are answers, not failures (e.g. `helm status` 1 for "not installed"). */
  okExitCodes?: readonly number[];
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** How a command is shown in failures and logs: the binary's name, arguments redacted. */
export function describeCommand(binary: string, args: readonly string[]): string {
  return [basename(binary), ...redactArgs(args)].join(' ');
}

export async function runTool(
  binary: string,
  args: readonly string[],
  config: ToolsConfig,
  options: RunOptions = {},
): Promise<RunResult> {
  const timeout = options.timeoutMs ?? config.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  const command = describeCommand(binary, args);
  const result = await runProcess(binary, args, {
    timeoutMs: timeout,
    describe: command,
    env: { ...config.env, ...(config.kubeconfigPath === undefined ? {} : { KUBECONFIG: config.kubeconfigPath }) },
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  const evidence = { command, exitCode: result.exitCode ?? null, stderr: tail(redact(result.stderr)) };
  if (result.timedOut) {
    throw activityFailure('Timeout', `${command}: no answer within ${timeout} ms`, { details: evidence });
  }
  if (result.exitCode === undefined) {
    if (result.startError !== undefined) {
      throw activityFailure('Validation', `${command}: cannot run ${basename(binary)} (${result.startError})`, {
        details: evidence,
      });
    }
    throw activityFailure(
      'CommandFailed',
      `${command}: ${result.signal === undefined ? 'did not run' : `killed by ${result.signal}`}`,
      { details: evidence },
    );
  }
  if (result.exitCode !== 0 && !(options.okExitCodes ?? []).includes(result.exitCode)) {
    const lastLine = result.stderr.trim().split('\n').pop() ?? '';
    throw activityFailure('CommandFailed', `${command}: exit ${result.exitCode}: ${tail(lastLine, 300)}`, {
      details: evidence,
    });
  }
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}
