/**
 * The contract between a gate message's buttons and the approval bridge: the action ids and
 * what each button carries. The run id is part of it because a cluster's next upgrade reuses the
 * workflow id and often the gate ids: an old message must never answer a newer upgrade.
 */

export const APPROVE_ACTION_ID = 'gate-approve';
export const REJECT_ACTION_ID = 'gate-reject';
/** The modal that asks a rejecter for the reason. */
export const REJECT_REASON_CALLBACK_ID = 'gate-reject-reason';
/** At a failed workload's gate that a revert can answer: put its namespace back on the old revision. */
export const REVERT_ACTION_ID = 'gate-revert';
/** The modal that asks for the reason of a revert (required: it is recorded on what is reverted). */
export const REVERT_REASON_CALLBACK_ID = 'gate-revert-reason';

export interface GateRef {
  workflowId: string;
  runId: string;
  gateId: string;
}

export function encodeGateRef(ref: GateRef): string {
  return JSON.stringify({ w: ref.workflowId, r: ref.runId, g: ref.gateId });
}

/** The gate a button or modal refers to, or undefined when the value is not one of ours. */
export function decodeGateRef(value: unknown): GateRef | undefined {
  if (typeof value !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const { w, r, g } = parsed as Record<string, unknown>;
  if (typeof w !== 'string' || typeof r !== 'string' || typeof g !== 'string' || !w || !r || !g) return undefined;
  return { workflowId: w, runId: r, gateId: g };
}
