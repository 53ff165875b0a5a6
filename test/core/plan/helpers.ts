import type { Plan, Step } from '../../../core/plan/steps.js';

/** The plan as `kind id` lines: readable in a failing diff, like the runbook. */
export function outline(plan: Plan): string[] {
  return plan.steps.map((step) => `${step.kind} ${step.id}`);
}

export function ofKind<K extends Step['kind']>(plan: Plan, kind: K): Extract<Step, { kind: K }>[] {
  return plan.steps.filter((step): step is Extract<Step, { kind: K }> => step.kind === kind);
}
