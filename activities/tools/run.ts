/**
 * Runs a tool as a process (through the one process runner) and turns what went wrong into a
 * typed failure that carries the command, the exit code and the redacted end of stderr. A run
 * that failed on a transient API error (transient.ts) is run again a few times, with backoff and
 * heartbeats, before it counts: istioctl and helm give up on the first refused connection, and a
 * failure here opens a gate for a human.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { basename } from 'node:path';
import { currentCancellationSignal, heartbeat } from '../context.js';
import { activityFailure } from '../failure.js';
import { redact, redactArgs, tail } from '../redact.js';
import { DEFAULT_TOOL_TIMEOUT_MS, type ToolsConfig } from './config.js';
import { runProcess, type ProcessResult } from './process.js';
import { TRANSIENT_RETRIES, transientBackoffMs, transientReason } from './transient.js';

export interface RunOptions {
  timeoutMs?: number;
  /** Text fed to stdin, e.g. a manifest for `-f -`. */
  input?: string;
  /** Exit codes that are answers, not failures (e.g. `helm status` 1 for "not installed"). */
  okExitCodes?: readonly number[];
  /** Waits between runs after a transient failure; tests shorten them. */
  backoffMs?: (retry: number) => number;
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
  const run = () =>
    runProcess(binary, args, {
      timeoutMs: timeout,
      describe: command,
      env: { ...config.env, ...(config.kubeconfigPath === undefined ? {} : { KUBECONFIG: config.kubeconfigPath }) },
      ...(options.input === undefined ? {} : { input: options.input }),
    });
  const failed = (r: ProcessResult) =>
    r.exitCode !== undefined && r.exitCode !== 0 && !(options.okExitCodes ?? []).includes(r.exitCode);
  let result = await run();
  const transient: string[] = [];
  for (let retry = 0; retry < TRANSIENT_RETRIES && failed(result); retry++) {
    const reason = transientReason(result.stderr);
    if (reason === null) break;
    transient.push(reason);
    const waitMs = (options.backoffMs ?? transientBackoffMs)(retry);
    heartbeat({ message: `${command}: ${reason}; running it again in ${waitMs} ms`, retry: retry + 1 });
    const signal = currentCancellationSignal();
    await sleep(waitMs, undefined, signal === undefined ? {} : { signal }).catch((err: unknown) => {
      throw signal?.reason instanceof Error ? signal.reason : err;
    });
    result = await run();
  }
  const evidence = {
    command,
    exitCode: result.exitCode ?? null,
    stderr: tail(redact(result.stderr)),
    ...(transient.length > 0 && { transientFailures: transient }),
  };
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
  if (failed(result)) {
    const lastLine = result.stderr.trim().split('\n').pop() ?? '';
    const runs = transient.length > 0 ? ` (run ${transient.length + 1} times: ${transient.join(', ')})` : '';
    throw activityFailure('CommandFailed', `${command}: exit ${result.exitCode}: ${tail(lastLine, 300)}${runs}`, {
      details: evidence,
    });
  }
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}
