/**
 * `rollback <id>`: print the rollback plan (the upgrade's plan reversed against the cluster as it
 * is now), then roll back. A running upgrade is aborted, so its own compensation unwinds what it
 * did; a finished one gets a rollback workflow of its own, one per upgrade.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { planRollback, withoutReverted } from '../../core/plan/rollback.js';
import type { Plan } from '../../core/plan/steps.js';
import { abortUpdate, ROLLBACK_WORKFLOW, rollbackWorkflowId } from '../../workflows/messages.js';
import type { RollbackInput } from '../../workflows/messages.js';
import { readInventory } from '../cluster.js';
import { messageOf, usage } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { operatorName } from '../identity.js';
import { CLI } from '../render/commands.js';
import { planJson, renderPlan } from '../render/plan.js';
import { existingWorkflow, webUiLink, withTemporal } from '../temporal.js';
import { readPlanAndSpec, readUpgrade } from '../upgrades.js';

export interface RollbackOptions {
  as?: string;
  reason?: string;
  kubeconfig?: string;
  context?: string;
  json?: boolean;
}

export async function runRollback(workflowId: string, options: RollbackOptions): Promise<number> {
  const by = operatorName(options.as);
  return withTemporal(by, async (session) => {
    const { handle, running } = await existingWorkflow(session, workflowId);
    const view = await readUpgrade(session, workflowId);
    if (view.status.kind !== 'upgrade')
      throw usage(`"${workflowId}" is a ${view.status.kind}, not an upgrade: only upgrades are rolled back`);
    if (view.status.outcome === 'rolled-back') throw usage(`upgrade "${workflowId}" was already rolled back`);
    const { plan: planned, spec } = await readPlanAndSpec(session, workflowId);
    // A partial upgrade's reverted namespaces are on the old revision already: left as they are.
    const plan =
      planned === null ? null : withoutReverted(planned, view.status.reverted ?? [], view.status.skippedByRevert ?? []);
    if (plan === null || spec === null)
      throw usage(
        `upgrade "${workflowId}" has no plan yet: nothing was changed, \`${CLI} abort ${workflowId}\` stops it`,
      );

    const context = options.context;
    const controlPlane = plan.steps.find(
      (step) => 'namespace' in step && (step.kind === 'install-revision' || step.kind === 'upgrade-control-plane'),
    );
    const controlPlaneNamespace = controlPlane && 'namespace' in controlPlane ? controlPlane.namespace : 'istio-system';
    let rollback: Plan;
    try {
      const inventory = await readInventory(
        { ...(options.kubeconfig && { kubeconfig: options.kubeconfig }), ...(context && { context }) },
        controlPlaneNamespace,
      );
      rollback = planRollback(plan, inventory);
    } catch (err) {
      throw usage(`cannot plan the rollback: ${messageOf(err)}`, err);
    }
    if (!options.json) console.log(renderPlan(rollback));

    if (running) {
      try {
        const record = await handle.executeUpdate(abortUpdate, {
          args: [{ by, requestId: randomUUID(), ...(options.reason && { comment: options.reason }) }],
        });
        if (options.json)
          console.log(
            JSON.stringify(
              { workflowId, via: 'abort', control: record, rollbackPlan: JSON.parse(planJson(rollback)) as unknown },
              null,
              2,
            ),
          );
        else
          console.log(
            `\nRolling back ${workflowId} (aborted by ${record.by} at ${record.at}): the running step is cancelled and the compensation runs.\n  next: ${CLI} watch ${workflowId}`,
          );
        return EXIT.ok;
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError)
          throw usage(`refused: ${err.cause ? messageOf(err.cause) : err.message}`, err);
        throw err;
      }
    }

    const rollbackId = rollbackWorkflowId(workflowId);
    const input: RollbackInput = {
      upgradeId: workflowId,
      by,
      plan,
      spec,
      ...(options.reason && { reason: options.reason }),
    };
    try {
      await session.client.workflow.start(ROLLBACK_WORKFLOW, {
        taskQueue: session.target.taskQueue,
        workflowId: rollbackId,
        args: [input],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw usage(`a rollback of ${workflowId} is already running: ${rollbackId}`, err);
      throw err;
    }
    if (options.json)
      console.log(
        JSON.stringify(
          {
            workflowId: rollbackId,
            via: 'rollback-workflow',
            webUi: webUiLink(session, rollbackId),
            rollbackPlan: JSON.parse(planJson(rollback)) as unknown,
          },
          null,
          2,
        ),
      );
    else
      console.log(
        `\nStarted ${rollbackId}, requested by ${by}\n  Web UI: ${webUiLink(session, rollbackId)}\n  next:   ${CLI} watch ${rollbackId}`,
      );
    return EXIT.ok;
  });
}
