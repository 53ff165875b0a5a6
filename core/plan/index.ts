export { planUpgrade } from './upgrade.js';
export { planRollback } from './rollback.js';
export { PlanError } from './errors.js';
export { describe, GATE_KINDS } from './steps.js';
export type { Plan, Step, StepKind, GateKind, GateStep, GatewayTarget } from './steps.js';
