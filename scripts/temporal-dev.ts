/** `npm run temporal`: the local dev server alone, its own log in the terminal. */
import { startLocalTemporal } from './dev-server.js';

const server = await startLocalTemporal({ logTo: 'inherit' });
console.log(
  `Temporal is up: frontend ${server.address}, Web UI ${server.uiAddress}. State in .temporal/dev.db; Ctrl-C stops it.`,
);
