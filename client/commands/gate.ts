/**
 * `approve` and `reject`: answer a gate of a running upgrade through the `decide` Update, so the
 * operator learns at once what was decided, or why not; a refused answer changes nothing and
 * leaves no trace in history.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { decideUpdate } from '../../workflows/messages.js';
import type { GateVerdict } from '../../workflows/messages.js';
import { messageOf, usage } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { operatorName } from '../identity.js';
import type { ControlOptions } from '../program.js';
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
