/**
 * The CLI's one failure class. Commands throw it with the exit code and a message that names the
 * problem and the fix; cli.ts prints the message alone (the stack only with --debug), so an
 * operator never reads a stack trace to learn that a file is missing.
 */
import { EXIT } from './exit-codes.js';

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export const usage = (message: string, cause?: unknown): CliError => new CliError(EXIT.invalidInput, message, { cause });
export const failure = (message: string, cause?: unknown): CliError => new CliError(EXIT.failure, message, { cause });

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
