/**
 * The process edge of a stand-in: runs a command, prints its failure as cobra does (`Error: …`
 * on stderr) and sets the exit code. Unexpected failures (an API error, a bug) print the same
 * way, since the real tools do not distinguish them either.
 */
import { ToolError } from './tool-error.js';

export async function runMain(command: () => Promise<void>): Promise<void> {
  try {
    await command();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // An empty message is a refusal already explained on stdout ("Cancelled."), like istioctl's os.Exit(1).
    if (message !== '') process.stderr.write(`Error: ${message}\n`);
    process.exitCode = err instanceof ToolError ? err.exitCode : 1;
  }
}
