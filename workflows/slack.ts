/**
 * Tells the team's Slack channel about gates: a message with buttons when one opens, updated in
 * place when it is decided by any channel or times out, or withdrawn when the upgrade stops
 * waiting for it (an abort). Best effort by design: the calls run beside the upgrade, never in
 * its way, and a failure only shows as a notice in status.
 */
import type { Plan } from '../core/plan/steps.js';
import type { Spec } from '../core/spec/schema.js';
import { describe } from '../core/plan/steps.js';
import { chat } from './activities.js';
import { describeFailure } from './failures.js';
import type { Gates } from './gates.js';
import type { GateNotice, PostedMessage } from './messages.js';
import type { StatusBoard } from './status.js';
import { CancellationScope, patched, workflowInfo } from '@temporalio/workflow';

/** Gate posts outlive an abort, withdrawn gates update their message, and the upgrade waits for that before it ends. */
export const SLACK_GATE_WITHDRAWN = 'slack-gate-withdrawn';

export function announceGates(
  gates: Gates,
  board: StatusBoard,
  plan: Plan,
  spec: Spec,
  initiator: string,
  channel: string,
): () => Promise<void> {
  const updating: Promise<void>[] = [];
  const posted = new Map<string, { notice: GateNotice; message: Promise<PostedMessage | null> }>();
  const stepAfter = (stepId: string | undefined): string | null => {
    const index = plan.steps.findIndex((step) => step.id === stepId);
    const next = index >= 0 ? plan.steps[index + 1] : undefined;
    return next === undefined ? null : describe(next);
  };
  gates.listener = {
    opened: (gate) => {
      const step = plan.steps.find((candidate) => candidate.id === gate.stepId);
      const notice: GateNotice = {
        upgradeId: workflowInfo().workflowId,
        cluster: plan.cluster,
        source: plan.source,
        target: plan.target,
        strategy: plan.strategy,
        method: plan.method,
        mode: plan.mode,
        initiator,
        approvers: spec.approvals.approvers,
        channel,
        gate,
        step: step === undefined ? gate.description : describe(step),
        next: gate.kind === 'failure' ? null : stepAfter(gate.stepId),
      };
      const post = () => chat(`post gate ${gate.id} to Slack`).slackPostGate(notice);
      // An abort cancels the gate's wait, and would cancel a post still on its way with it: then
      // the message would stay open, with nothing to withdraw.
      const message = (patched(SLACK_GATE_WITHDRAWN) ? CancellationScope.nonCancellable(post) : post()).catch(
        (error: unknown) => {
          board.notice(`Slack: gate ${gate.id} was not posted: ${describeFailure(error).message}`);
          return null;
        },
      );
      posted.set(gate.id, { notice, message });
    },
    decided: (gate, decision) => {
      const entry = posted.get(gate.id);
      if (entry === undefined) return;
      void entry.message.then(async (message) => {
        if (message === null) return;
        await chat(`update gate ${gate.id} in Slack`)
          .slackUpdateGate({ notice: entry.notice, message, decision })
          .catch((error: unknown) =>
            board.notice(`Slack: gate ${gate.id} message was not updated: ${describeFailure(error).message}`),
          );
      });
    },
    withdrawn: (gate, withdrawal) => {
      const entry = posted.get(gate.id);
      if (entry === undefined || !patched(SLACK_GATE_WITHDRAWN)) return;
      // The gate's wait was cancelled, and with it the scope this runs in: only a scope nothing cancels still reaches Slack.
      updating.push(
        CancellationScope.nonCancellable(async () => {
          const message = await entry.message;
          if (message === null) return;
          await chat(`withdraw gate ${gate.id} in Slack`)
            .slackWithdrawGate({ notice: entry.notice, message, withdrawal })
            .catch((error: unknown) =>
              board.notice(`Slack: gate ${gate.id} message was not withdrawn: ${describeFailure(error).message}`),
            );
        }),
      );
    },
  };
  // An upgrade that ends right after an abort would otherwise drop the withdrawal not yet sent.
  return async () => {
    await Promise.all(updating);
  };
}
