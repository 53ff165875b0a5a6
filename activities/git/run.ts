/**
 * One git command, through the worker's one process runner (timeout, heartbeats, cancellation,
 * minimal environment). git finds its own credentials: the worker's credential helper and
 * config (HOME), its SSH agent or key; it never prompts (a prompt would hang a worker), and no
 * credential is ever an argument. Failures carry the redacted end of stderr.
 */
import { activityFailure } from '../failure.js';
import { redact, tail } from '../redact.js';
import { runProcess } from '../tools/process.js';
import type { FailureType } from '../../core/vocabulary.js';

/** What git reads of the worker's environment besides the minimal one: how it reaches a repository over SSH. */
const GIT_ENV = ['SSH_AUTH_SOCK', 'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_CONFIG_GLOBAL', 'GIT_ASKPASS'] as const;

export function gitEnv(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never' };
  for (const name of GIT_ENV) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export interface GitRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  timeoutMs: number;
  /** Exit codes that are answers (a `merge-base --is-ancestor` that says no). */
  okExitCodes?: readonly number[];
  /** The failure type and the message's opening when git says no; default CommandFailed, the command. */
  fails?: { type: FailureType; says: string };
}

export async function git(args: readonly string[], options: GitOptions): Promise<GitRun> {
  const command = `git ${args.filter((arg) => !arg.startsWith('/')).join(' ')}`;
  const result = await runProcess('git', args, { timeoutMs: options.timeoutMs, describe: command, env: gitEnv() });
  if (result.startError !== undefined)
    throw activityFailure('Validation', `git is not installed on the worker (${result.startError})`);
  if (result.timedOut) throw activityFailure('Timeout', `${command}: no answer within ${options.timeoutMs} ms`);
  const exitCode = result.exitCode ?? -1;
  if (exitCode !== 0 && !(options.okExitCodes ?? []).includes(exitCode)) {
    const said = tail(redact(result.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' / ')), 400);
    const fails = options.fails ?? { type: 'CommandFailed', says: command };
    throw activityFailure(fails.type, `${fails.says}: ${said || `exit ${exitCode}`}`, {
      details: { command: redact(command), exitCode },
    });
  }
  return { exitCode, stdout: result.stdout, stderr: result.stderr };
}
