/**
 * `approve` and `reject`: answer a gate of a running upgrade through the `decide` Update, so the
 * operator learns at once what was decided, or why not; a refused answer changes nothing and
 * leaves no trace in history.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { decideUpdate, revertUpdate } from '../../workflows/messages.js';
import type { GateVerdict } from '../../workflows/messages.js';
import { messageOf, usage } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { operatorName } from '../identity.js';
import type { ControlOptions } from '../program.js';
import { CLI } from '../render/commands.js';
import { existingWorkflow, withTemporal } from '../temporal.js';

export async function runAnswer(
  verdict: GateVerdict,
  workflowId: string,
  gateId: string,
  options: ControlOptions,
): Promise<number> {
  const by = operatorName(options.as);
  return withTemporal(by, async (session) => {
    const { handle, running, status } = await existingWorkflow(session, workflowId);
    if (!running) throw usage(`upgrade "${workflowId}" has ended (${status.toLowerCase()}): no gate is pending`);
    try {
      const decision = await handle.executeUpdate(decideUpdate, {
        args: [
          {
            gateId,
            by,
            requestId: options.requestId ?? randomUUID(),
            decision: verdict,
            ...(options.comment && { comment: options.comment }),
          },
        ],
      });
      console.log(`gate "${decision.gateId}" ${decision.outcome} by ${decision.by ?? 'nobody'} at ${decision.at}`);
      return EXIT.ok;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError)
        throw usage(`refused: ${err.cause ? messageOf(err.cause) : err.message}`, err);
      throw err;
    }
  });
}

/**
 * `revert`: at a failed workload's gate, put its namespace (or the pinned workload, or the
 * waypoint) back on the old revision and let the upgrade go on; through the `revert` Update, so
 * a gate it does not apply to is refused with the workflow's reason and nothing changes.
 */
export async function runRevert(workflowId: string, gateId: string, options: ControlOptions): Promise<number> {
  const by = operatorName(options.as);
  const comment = options.comment?.trim() ?? '';
  if (comment === '') throw usage('--comment: say why (the reason is recorded on what is reverted)');
  return withTemporal(by, async (session) => {
    const { handle, running, status } = await existingWorkflow(session, workflowId);
    if (!running) throw usage(`upgrade "${workflowId}" has ended (${status.toLowerCase()}): no gate is pending`);
    try {
      const record = await handle.executeUpdate(revertUpdate, {
        args: [{ gateId, by, requestId: options.requestId ?? randomUUID(), comment }],
      });
      console.log(
        `revert accepted from ${record.by} at ${record.at} on gate "${gateId}": ${comment}\n  next: ${CLI} watch ${workflowId}`,
      );
      return EXIT.ok;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError)
        throw usage(`refused: ${err.cause ? messageOf(err.cause) : err.message}`, err);
      throw err;
    }
  });
}
