/**
 * Answering an upgrade's gates as they open, until it ends: `rehearse` answers every gate
 * unattended this way, and the tests, the history recorder and the benchmark play the approvers
 * with it. A policy decides per gate what to answer and who answers; the loop reads the status
 * every poll, sends each answer once as an Update (so a refusal comes back at once), and asks the
 * policy about a gate again only if it left the gate open or its answer was refused.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { decideUpdate, retryUpdate, revertUpdate, statusQuery } from '../workflows/messages.js';
import type { PendingGate, UpgradeResult, UpgradeStatus } from '../workflows/messages.js';
import type { upgrade } from '../workflows/upgrade.js';

export interface GateReply {
  /**
   * approve or reject decides the gate; retry (at a failure gate) runs the failed step again;
   * revert (at a failed workload's gate, comment required) puts its namespace back on the old revision.
   */
  decision: 'approve' | 'reject' | 'retry' | 'revert';
  by: string;
  /** Default: a fresh id. */
  requestId?: string;
  comment?: string;
}

/** The reply to a gate, or null to leave it open and ask again at the next poll; throwing stops the loop. */
export type GatePolicy = (gate: PendingGate, status: UpgradeStatus) => GateReply | null | Promise<GateReply | null>;

export interface GateLoopOptions {
  /** Milliseconds between two readings of the status. */
  pollMs: number;
  /**
   * A refused answer (the gate closed meanwhile, the workflow turned the approver down), with how
   * many times this gate's answer was refused so far: the gate is asked about again at the next
   * poll unless this throws. Absent: a refusal ends the loop with the workflow's error.
   */
  onRefused?: (gate: PendingGate, error: unknown, refusals: number) => Promise<void>;
}

export interface AnsweredGates {
  /** The workflow's result, settled by now: awaiting it rejects if the workflow failed. */
  result: Promise<UpgradeResult>;
  /** Gates whose answer the workflow accepted. */
  answered: number;
}

/** Who answers next when approvers take turns: the first, the second, …, the first again. */
export function takingTurns(approvers: readonly string[]): () => string {
  let turn = 0;
  return () => approvers[turn++ % approvers.length] ?? '';
}

async function send(handle: WorkflowHandle<typeof upgrade>, gate: PendingGate, reply: GateReply): Promise<void> {
  const { decision, by, requestId = randomUUID(), comment } = reply;
  if (decision === 'retry')
    await handle.executeUpdate(retryUpdate, { args: [{ by, requestId, ...(comment !== undefined && { comment }) }] });
  else if (decision === 'revert')
    await handle.executeUpdate(revertUpdate, { args: [{ gateId: gate.id, by, requestId, comment: comment ?? '' }] });
  else
    await handle.executeUpdate(decideUpdate, {
      args: [{ gateId: gate.id, by, requestId, decision, ...(comment !== undefined && { comment }) }],
    });
}

/** Answers the upgrade's gates by the policy until the workflow ends, however it ends. */
export async function answerGates(
  handle: WorkflowHandle<typeof upgrade>,
  policy: GatePolicy,
  options: GateLoopOptions,
): Promise<AnsweredGates> {
  const result = handle.result();
  let ended = false;
  void result.finally(() => (ended = true)).catch(() => undefined);
  const answered = new Set<string>();
  const refusals = new Map<string, number>();
  while (!ended) {
    const status = await handle.query(statusQuery).catch(() => null);
    for (const gate of status?.pendingGates ?? []) {
      if (status === null || answered.has(gate.id)) continue;
      const reply = await policy(gate, status);
      if (reply === null) continue;
      answered.add(gate.id);
      try {
        await send(handle, gate, reply);
      } catch (err) {
        if (options.onRefused === undefined) throw err;
        answered.delete(gate.id);
        const count = (refusals.get(gate.id) ?? 0) + 1;
        refusals.set(gate.id, count);
        await options.onRefused(gate, err, count);
      }
    }
    if (!ended) await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
  return { result, answered: answered.size };
}
