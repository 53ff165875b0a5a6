/**
 * One step of a plan, by kind: the exhaustive switch that makes the plan the contract. A kind
 * added to core/plan/steps.ts does not compile until it is executed here. Restarts are run by
 * the runner in batches (workflows/restarts.ts), never one by one through this switch.
 */
import type { Step } from '../core/plan/steps.js';
import { patched } from '@temporalio/workflow';
import { workflowFailure } from './failures.js';
import { installerFor } from './installers/index.js';
import { approvalGate } from './steps/approval.js';
import { installRevision, upgradeBase, upgradeControlPlane } from './steps/control-plane.js';
import { testWorkload } from './steps/tests.js';
import { checkInstalled } from './steps/installed.js';
import { removeOldRevision } from './steps/cleanup.js';
import type { StepContext } from './steps/context.js';
import { switchGateways } from './steps/gateways.js';
import { moveNamespace, moveTag } from './steps/mesh-labels.js';
import { upgradeNodeAgent } from './steps/node-agents.js';
import { precheck } from './steps/precheck.js';
import { soak } from './steps/timers.js';
import { verifyProxies } from './steps/verify.js';

/** Steps that install something are read back before the next step; histories from before it replay without. */
export const VERIFY_AFTER_INSTALL = 'verify-after-install';

/** Returns a note for status; throws a failure in the vocabulary when the step cannot finish. */
export async function executeStep(step: Step, context: StepContext): Promise<string> {
  const note = await runStep(step, context);
  if (context.plan.verifications?.[step.id] === undefined || !patched(VERIFY_AFTER_INSTALL)) return note;
  return note + (await checkInstalled(step, context));
}

async function runStep(step: Step, context: StepContext): Promise<string> {
  const installer = installerFor(context.plan.method, context.plan.owner);
  switch (step.kind) {
    case 'precheck':
      return precheck(step, context, installer);
    case 'gate':
      return approvalGate(step, context);
    case 'upgrade-base':
      return upgradeBase(step, context, installer);
    case 'install-revision':
      return installRevision(step, context, installer);
    case 'upgrade-control-plane':
      return upgradeControlPlane(step, context, installer);
    case 'upgrade-cni':
    case 'upgrade-ztunnel':
      return upgradeNodeAgent(step, context, installer);
    case 'switch-gateways':
      return switchGateways(step, context);
    case 'move-namespace':
      return moveNamespace(step);
    case 'move-tag':
      return moveTag(step, context, installer);
    case 'restart-workload':
      throw workflowFailure(
        'Validation',
        `restart ${step.id} reached the single-step executor: restarts run in batches`,
      );
    case 'test-workload':
      return testWorkload(step, context);
    case 'verify-proxies':
      return verifyProxies(step, context);
    case 'soak':
      return soak(step, context);
    case 'remove-old-revision':
      return removeOldRevision(step, context, installer);
  }
}
