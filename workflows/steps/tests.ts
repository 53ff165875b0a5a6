/**
 * A workload's test without a restart: ambient pods have no proxy of their own, so after ztunnel
 * has rolled they are verified through it. A failed test is an answer from the activity; here
 * it becomes a failure (a gate for a human) or, when the spec says so, an immediate rollback.
 */
import type { TestWorkloadStep } from '../../core/plan/steps.js';
import { waits } from '../activities.js';
import { workflowFailure } from '../failures.js';
import { restartValue } from './context.js';
import type { StepContext } from './context.js';

export async function testWorkload(step: TestWorkloadStep, context: StepContext): Promise<string> {
  const runId = restartValue(context.upgradeKey, step.id, context.attempt);
  const report = await waits(`test ${step.namespace}/${step.name}`).runWorkloadTest({
    namespace: step.namespace,
    deployment: step.name,
    test: step.test,
    runId,
  });
  if (report.passed) return report.summary;
  const message = `${step.namespace}/${step.name}: ${report.summary}`;
  throw step.onTestFailure === 'rollback' && context.plan.kind === 'upgrade'
    ? workflowFailure('AutoRollback', `${message}: the spec rolls back at once on a failed test`)
    : workflowFailure('TestFailed', message, report.evidence);
}
