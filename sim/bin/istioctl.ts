/**
 * Entry point of the istioctl stand-in; `sim/bin/istioctl` runs it with the name it was invoked
 * by, which decides the Istio release it claims.
 */
import { runMain } from '../tools/cli/main.js';
import { istioctl } from '../tools/istioctl/main.js';

await runMain(() => istioctl(process.argv.slice(2), process.env.SIM_TOOL_INVOKED_AS ?? 'istioctl'));
