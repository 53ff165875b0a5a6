/** Waiting on a human's approval of a gate step, planned or opened by a step itself (an owner's change). */
import type { GateStep } from '../../core/plan/steps.js';
import { workflowFailure } from '../failures.js';
import type { StepContext } from './context.js';

/**
 * A planned gate. Approved goes on; rejected rolls back; a timeout never approves: it is a
 * rejection or a stop for a human, as the spec's `onTimeout` says.
 */
export async function approvalGate(step: GateStep, context: StepContext): Promise<string> {
  const id = context.attempt > 1 ? `${step.id}#${context.attempt}` : step.id;
  const decision = await context.gates.wait({
    id,
    description: step.subject,
    timeoutMs: step.timeoutSeconds * 1000,
    stepId: step.id,
    kind: 'approval',
  });
  const by = decision.by ? ` by ${decision.by}` : '';
  const why = decision.comment ? `: ${decision.comment}` : '';
  switch (decision.outcome) {
    case 'approved':
      return `approved${by}${why}`;
    case 'rejected':
      throw workflowFailure('GateRejected', `${step.subject}: rejected${by}${why}`);
    case 'timed-out':
      if (step.onTimeout === 'reject')
        throw workflowFailure(
          'GateRejected',
          `${step.subject}: nobody decided in time, which this upgrade treats as a rejection`,
        );
      throw workflowFailure('GateTimedOut', `${step.subject}: nobody decided in time`);
  }
}
