/** Entry point of the helm stand-in, run by `sim/bin/helm`. */
import { runMain } from '../tools/cli/main.js';
import { failIfScripted } from '../tools/cli/scripted-failures.js';
import { helm } from '../tools/helm/main.js';

const args = process.argv.slice(2);
await runMain(() => {
  failIfScripted('helm', args);
  return helm(args);
});
