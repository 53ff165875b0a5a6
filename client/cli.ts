/**
 * The operator's CLI (`istio-upgrade`, or `npm run cli --`). Commands are declared in program.ts;
 * this entry point turns every failure into a message and an exit code (exit-codes.ts). A stack
 * trace is printed only with --debug: operators need the problem and the fix, not our call stack.
 */
import { CommanderError } from 'commander';
import { CliError, messageOf } from './errors.js';
import { EXIT } from './exit-codes.js';
import { buildProgram } from './program.js';

const program = buildProgram();
const debug = process.argv.includes('--debug');

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are successes; anything else commander rejects is a usage error.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
  } else if (err instanceof CliError) {
    console.error(`error: ${err.message}`);
    if (debug) console.error(err.cause ?? err);
    process.exitCode = err.exitCode;
  } else {
    console.error(`error: ${messageOf(err)}${debug ? '' : ' (--debug shows where)'}`);
    if (debug) console.error(err);
    process.exitCode = EXIT.failure;
  }
}
