/**
 * Tells the team's Slack channel about gates: a message with buttons when one opens, updated in
 * place when it is decided by any channel or times out. Best effort by design: the calls run
 * beside the upgrade, never in its way, and a failure only shows as a notice in status.
 */
import type { Plan } from '../core/plan/steps.js';
import type { Spec } from '../core/spec/schema.js';
import { describe } from '../core/plan/steps.js';
import { chat } from './activities.js';
import { describeFailure } from './failures.js';
import type { Gates } from './gates.js';
import type { GateNotice, PostedMessage } from './messages.js';
import type { StatusBoard } from './status.js';
import { workflowInfo } from '@temporalio/workflow';

export function announceGates(
  gates: Gates,
  board: StatusBoard,
  plan: Plan,
  spec: Spec,
  initiator: string,
  channel: string,
): void {
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
      const message = chat(`post gate ${gate.id} to Slack`)
        .slackPostGate(notice)
        .catch((error: unknown) => {
          board.notice(`Slack: gate ${gate.id} was not posted: ${describeFailure(error).message}`);
          return null;
        });
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
  };
}
