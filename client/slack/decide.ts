/**
 * A Slack click, as a `decide` Update on the exact run whose message was clicked. The workflow's
 * validator applies the same rules as for every other channel; a refusal comes back as a reason
 * to show the clicker, and leaves nothing in the workflow's history.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowClient } from '@temporalio/client';
import { redact } from '../../activities/redact.js';
import type { GateRef } from '../../activities/slack/buttons.js';
import { decideUpdate, revertUpdate } from '../../workflows/messages.js';
import type { ControlRecord, GateDecision, GateVerdict } from '../../workflows/messages.js';

export interface SlackAnswer {
  ref: GateRef;
  verdict: GateVerdict;
  /** The approver name the Slack user id maps to. */
  by: string;
  /** Derived from the Slack request, so a redelivered click decides nothing new. */
  requestId: string;
  comment?: string;
}

export type DecideResult = { accepted: true; decision: GateDecision } | { accepted: false; reason: string };

export async function decideFromSlack(
  temporal: WorkflowClient,
  answer: SlackAnswer,
  log: (message: string) => void,
): Promise<DecideResult> {
  const { ref } = answer;
  try {
    const decision = await temporal.getHandle(ref.workflowId, ref.runId).executeUpdate(decideUpdate, {
      args: [
        {
          gateId: ref.gateId,
          by: answer.by,
          requestId: answer.requestId,
          decision: answer.verdict,
          ...(answer.comment !== undefined && { comment: answer.comment }),
        },
      ],
    });
    return { accepted: true, decision };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return { accepted: false, reason: err.cause?.message ?? err.message };
    if (err instanceof WorkflowNotFoundError) {
      return { accepted: false, reason: `upgrade ${ref.workflowId} is no longer running` };
    }
    log(`decide on ${ref.workflowId}/${ref.runId} failed: ${redact(err instanceof Error ? err.message : String(err))}`);
    return { accepted: false, reason: 'the upgrade could not be reached; try again, or answer with the CLI' };
  }
}

export type RevertResult = { accepted: true; record: ControlRecord } | { accepted: false; reason: string };

/** A Slack revert, as the `revert` Update on the clicked run: the same rules as the CLI's. */
export async function revertFromSlack(
  temporal: WorkflowClient,
  answer: Omit<SlackAnswer, 'verdict' | 'comment'> & { comment: string },
  log: (message: string) => void,
): Promise<RevertResult> {
  const { ref } = answer;
  try {
    const record = await temporal.getHandle(ref.workflowId, ref.runId).executeUpdate(revertUpdate, {
      args: [{ gateId: ref.gateId, by: answer.by, requestId: answer.requestId, comment: answer.comment }],
    });
    return { accepted: true, record };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return { accepted: false, reason: err.cause?.message ?? err.message };
    if (err instanceof WorkflowNotFoundError) {
      return { accepted: false, reason: `upgrade ${ref.workflowId} is no longer running` };
    }
    log(`revert on ${ref.workflowId}/${ref.runId} failed: ${redact(err instanceof Error ? err.message : String(err))}`);
    return { accepted: false, reason: 'the upgrade could not be reached; try again, or revert with the CLI' };
  }
}
