/**
 * Runs a tool as a process: an argument array (never a shell string), a timeout on every call,
 * cancellation wired to the activity, and failures that carry the command, the exit code and
 * the redacted end of stderr.
 */
import { basename } from 'node:path';
import { execa } from 'execa';
import { failure } from '../failure.js';
import { redact, redactArgs, tail } from '../redact.js';
import { currentCancellationSignal, heartbeat, heartbeatIntervalMs } from '../context.js';
import { DEFAULT_TOOL_TIMEOUT_MS, type ToolsConfig } from './config.js';

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

export async function runTool(binary: string, args: readonly string[], config: ToolsConfig, options: RunOptions = {}): Promise<RunResult> {
  const timeout = options.timeoutMs ?? config.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  const cancelSignal = currentCancellationSignal();
  const command = describeCommand(binary, args);
  // Tools such as `helm --wait` run for minutes: beat so the attempt stays alive and can be cancelled.
  const started = Date.now();
  const beat = setInterval(() => heartbeat({ message: `running ${command}`, elapsedMs: Date.now() - started }), heartbeatIntervalMs());
  const result = await execa(binary, [...args], {
    reject: false,
    timeout,
    forceKillAfterDelay: 5_000,
    ...(cancelSignal === undefined ? {} : { cancelSignal }),
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    env: {
      ...config.env,
      ...(config.kubeconfigPath === undefined ? {} : { KUBECONFIG: config.kubeconfigPath }),
    },
    stripFinalNewline: true,
    maxBuffer: 64 * 1024 * 1024,
  }).finally(() => clearInterval(beat));
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const evidence = { command, exitCode: result.exitCode ?? null, stderr: tail(redact(stderr)) };
  if (result.isCanceled && cancelSignal?.reason instanceof Error) throw cancelSignal.reason;
  if (result.timedOut) {
    throw failure('Timeout', `${command}: no answer within ${timeout} ms`, { details: evidence });
  }
  if (result.exitCode === undefined) {
    if (result.code === 'ENOENT' || result.code === 'EACCES') {
      throw failure('Validation', `${command}: cannot run ${basename(binary)} (${result.code})`, { details: evidence });
    }
    throw failure('CommandFailed', `${command}: ${result.signal === undefined ? 'did not run' : `killed by ${result.signal}`}`, { details: evidence });
  }
  if (result.exitCode !== 0 && !(options.okExitCodes ?? []).includes(result.exitCode)) {
    const lastLine = stderr.trim().split('\n').pop() ?? '';
    throw failure('CommandFailed', `${command}: exit ${result.exitCode}: ${tail(lastLine, 300)}`, { details: evidence });
  }
  return { exitCode: result.exitCode, stdout, stderr };
}
