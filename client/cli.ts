/**
 * The operator's CLI. Each command lives in client/commands/ and registers itself on the program.
 * Exit codes are in exit-codes.ts.
 */
import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { registerGateCommands } from './commands/gate.js';
import { registerPlanCommand } from './commands/plan.js';

const program = new Command()
  .name('istio-upgrade')
  .description('Durable runbooks for Istio upgrades on Temporal')
  .showHelpAfterError()
  .exitOverride();

registerGateCommands(program);
registerPlanCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are successes; anything else commander rejects is a usage error.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
  } else {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = EXIT.failure;
  }
}
