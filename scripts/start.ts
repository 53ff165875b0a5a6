/**
 * `npm start`: the main job on the embedded default. Today that is the local Temporal dev server
 * with its Web UI; the simulated cluster and the worker join it as their issues land.
 */
import { startLocalTemporal } from './dev-server.js';

const server = await startLocalTemporal();
console.log(`Temporal dev server: ${server.address}   Web UI: ${server.uiAddress}`);
console.log('No upgrade runs yet: the simulated cluster and the upgrade workflows are still being built (see README).');
console.log('Ctrl-C stops the server; workflow state is kept in .temporal/dev.db.');
