/**
 * The CLI's one failure class. Commands throw it with the exit code and a message that names the
 * problem and the fix; cli.ts prints the message alone (the stack only with --debug), so an
 * operator never reads a stack trace to learn that a file is missing.
 */
import type { SpecProblem } from '../core/spec/parse.js';
import { formatProblems } from '../core/spec/parse.js';
import { EXIT } from './exit-codes.js';

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  /** What is wrong where (a flag, a spec field, a line of a file), for output that lists them: `plan --json`. */
  readonly problems: readonly SpecProblem[];

  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: { cause?: unknown; problems?: readonly SpecProblem[] },
  ) {
    super(message, { cause: options?.cause });
    this.name = 'CliError';
    this.problems = options?.problems ?? [];
  }
}

export const usage = (message: string, cause?: unknown): CliError =>
  new CliError(EXIT.invalidInput, message, { cause });

/** A usage error naming each problem's flag or field, one `path: message` line each, under a heading when given. */
export function invalidInput(
  problems: readonly SpecProblem[],
  options: { heading?: string; cause?: unknown } = {},
): CliError {
  const listed = formatProblems(problems);
  const message = options.heading === undefined ? listed : `${options.heading}:\n${listed.replace(/^/gm, '  ')}`;
  return new CliError(EXIT.invalidInput, message, { cause: options.cause, problems });
}

export const cliFailure = (message: string, cause?: unknown): CliError =>
  new CliError(EXIT.failure, message, { cause });

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
