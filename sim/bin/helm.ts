/** Entry point of the helm stand-in, run by `sim/bin/helm`. */
import { runMain } from '../tools/cli/main.js';
import { helm } from '../tools/helm/main.js';

await runMain(() => helm(process.argv.slice(2)));
