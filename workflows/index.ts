/**
 * Every workflow the worker runs: the upgrade (every path: in-place chain, revision canary,
 * ambient; by istioctl, Helm or Sail), the rollback of a finished upgrade, the restart batches
 * both run as children, and the fleet, which runs one upgrade per cluster as children.
 */
export { upgrade } from './upgrade.js';
export { rollback } from './rollback.js';
export { restartBatch } from './restarts.js';
export { fleetUpgrade } from './fleet/fleet.js';
export { bakeAnalysis } from './fleet/bake.js';
