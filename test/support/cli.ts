/**
 * Runs the operator's CLI as a real process, the way an operator would, through Node and tsx
 * directly: npx adds seconds to every call and stands between the process and its signals.
 */
import { execa } from 'execa';
import type { Result, ResultPromise } from 'execa';
import { inject } from 'vitest';
import { projectRoot } from '../../scripts/tools.js';

export type CliResult = Result<{ reject: false }>;

export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  return execa(process.execPath, ['--import', 'tsx', 'client/cli.ts', ...args], {
    cwd: projectRoot,
    env,
    reject: false,
  });
}

/** The environment an operator's shell has: the shared dev server, the test worker's task queue, a user name. */
export function operatorEnv(taskQueue: string, user: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    ISTIO_UPGRADE_TASK_QUEUE: taskQueue,
    ISTIO_UPGRADE_USER: user,
  };
}

/** `cli('status', id, '--json')` as that operator, against the test worker's task queue. */
export function operatorCli(taskQueue: string, user: string): (...args: string[]) => Promise<CliResult> {
  const env = operatorEnv(taskQueue, user);
  return (...args) => runCli(args, env);
}

/**
 * The CLI in a pseudo-terminal (util-linux `script`), so its standard output is a TTY as in an
 * operator's terminal. Output comes back with the terminal's CRLF line ends; `.stdout` of the
 * returned process streams it while the command runs.
 */
export function runCliInTerminal(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): ResultPromise<{ reject: false; stdin: 'ignore' }> {
  const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;
  const command = [process.execPath, '--import', 'tsx', 'client/cli.ts', ...args].map(quote).join(' ');
  return execa('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    cwd: projectRoot,
    env,
    reject: false,
    stdin: 'ignore',
  });
}
