/** What every step executor is given: the plan it belongs to and the machinery of the run. */
import type { Inventory } from '../../core/inventory.js';
import type { Plan } from '../../core/plan/steps.js';
import type { Spec } from '../../core/spec/schema.js';
import type { Controls } from '../controls.js';
import type { Gates } from '../gates.js';
import type { StatusBoard } from '../status.js';
import type { AnalysisSession } from '../analysis.js';

export interface StepContext {
  spec: Spec;
  plan: Plan;
  /** The inventory the plan was derived from (for a rollback: the one read when it began). */
  inventory: Inventory;
  /**
   * Unique to this upgrade (workflow id and first run id): restart annotations derive from it
   * and the step id, so a retried or replayed step writes the same value and a later upgrade
   * of the same cluster writes a new one.
   */
  upgradeKey: string;
  /** 1 for the first try of a step; an operator's retry increments it. */
  attempt: number;
  board: StatusBoard;
  controls: Controls;
  gates: Gates;
  /** Metric analysis of this upgrade (baselines read, runs so far); absent without `analysis:` and in rollbacks. */
  analysis?: AnalysisSession;
}

/** Names one try of one step: the restart annotation value, and the run id of a workload test. */
export function restartValue(upgradeKey: string, stepId: string, attempt: number): string {
  return `${upgradeKey}/${stepId}${attempt > 1 ? `#${attempt}` : ''}`;
}
