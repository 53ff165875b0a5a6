/**
 * The simulated cluster's public face: start one from a scenario, reach it through its
 * kubeconfig. Production code never imports this; tests, benchmarks and the demo do.
 */
export { startSim, type Sim, type StartSimOptions } from './sim.js';
export type { WriteLogEntry, RequestLogEntry, RequestFilter } from './api/log.js';
export type { Fault, FaultInput, SignalsFault } from './faults/fault.js';
export { DEFAULT_RPS, RPS_ANNOTATION } from './metrics/traffic.js';
export { BASELINE_ERROR_RATIO } from './metrics/counters.js';
export { DURATION_BUCKETS_MS } from './metrics/latency.js';
export type { Scenario, ScenarioInput } from './scenario/schema.js';
export { loadScenario, ScenarioError } from './scenario/load.js';
export { standInToolsFolder } from './tools/stand-in-folder.js';
