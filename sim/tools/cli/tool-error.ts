/**
 * A failure the stand-ins report the way cobra-based tools do: `Error: <message>` on stderr and
 * exit code 1, so adapters and runbooks see what they would see from the real binaries.
 */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}
