/**
 * Failures a test scripts for the stand-in tools: "the next 2 `istioctl install` runs fail with
 * connection refused". The script is a JSON file named by $SIM_TOOL_FAILURES, a list of
 * `{ tool, command, times, message }`; each run that matches takes one off `times` and fails the
 * way the real tool does (`Error: <message>`, exit 1) before touching the cluster. A file keeps
 * the count across processes, since every call is a new one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ToolError } from './tool-error.js';

export const SCRIPTED_FAILURES_ENV = 'SIM_TOOL_FAILURES';

export interface ScriptedFailure {
  tool: 'istioctl' | 'helm';
  /** The subcommand words the run must start with (flags aside), e.g. `install` or `tag set`. */
  command: string;
  /** How many more matching runs fail. */
  times: number;
  message: string;
}

const words = (args: readonly string[]): string[] => args.filter((arg) => !arg.startsWith('-'));

/** Throws the next scripted failure for this run, if any, and counts it off the file. */
export function failIfScripted(
  tool: ScriptedFailure['tool'],
  args: readonly string[],
  file = process.env[SCRIPTED_FAILURES_ENV],
): void {
  if (file === undefined || file === '') return;
  const script = JSON.parse(readFileSync(file, 'utf8')) as ScriptedFailure[];
  const run = words(args);
  const match = script.find(
    (f) => f.tool === tool && f.times > 0 && f.command.split(' ').every((word, i) => run[i] === word),
  );
  if (match === undefined) return;
  match.times -= 1;
  writeFileSync(file, JSON.stringify(script));
  throw new ToolError(match.message);
}
