/**
 * Runs the operator's CLI as a real process, the way an operator would, through Node and tsx
 * directly: npx adds seconds to every call and stands between the process and its signals.
 */
import { execa } from 'execa';
import type { Result } from 'execa';
import { projectRoot } from '../../scripts/tools.js';

export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Result<{ reject: false }>> {
  return execa(process.execPath, ['--import', 'tsx', 'client/cli.ts', ...args], { cwd: projectRoot, env, reject: false });
}
