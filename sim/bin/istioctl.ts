/**
 * Entry point of the istioctl stand-in; `sim/bin/istioctl` runs it with the name it was invoked
 * by, which decides the Istio release it claims.
 */
import { runMain } from '../tools/cli/main.js';
import { failIfScripted } from '../tools/cli/scripted-failures.js';
import { istioctl } from '../tools/istioctl/main.js';

const args = process.argv.slice(2);
await runMain(() => {
  failIfScripted('istioctl', args);
  return istioctl(args, process.env.SIM_TOOL_INVOKED_AS ?? 'istioctl');
});
