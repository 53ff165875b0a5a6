/** Entry point of the terraform stand-in, run by `sim/bin/terraform`. */
import { runTerraform } from '../tools/terraform/main.js';

await runTerraform(process.argv.slice(2));
