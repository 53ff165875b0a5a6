/**
 * Reading an upgrade: its status whether it runs or ended, and its plan. A running upgrade
 * answers the `status` query through a worker; one that completed carries its status in its
 * result, so `status` and `report` work on finished upgrades with no worker at all.
 */
import { isGrpcDeadlineError, WorkflowFailedError } from '@temporalio/client';
import { planQuery, statusQuery } from '../workflows/messages.js';
import type { UpgradeInput, UpgradeResult, UpgradeStatus } from '../workflows/messages.js';
import { defaultPayloadConverter } from '@temporalio/common';
import type { SpecInput } from '../core/spec/schema.js';
import type { Plan } from '../core/plan/steps.js';
import { decodeHistory } from './codec.js';
import { cliFailure, messageOf } from './errors.js';
import { existingWorkflow } from './temporal.js';
import type { Session } from './temporal.js';

/** Queries need a worker; without one they would hang until the server's own timeout. */
const QUERY_DEADLINE_MS = 10_000;

export interface UpgradeView {
  workflowId: string;
  status: UpgradeStatus;
  /** Temporal's view: RUNNING, COMPLETED, FAILED, TERMINATED, … */
  execution: string;
  running: boolean;
}

async function query<T>(session: Session, workflowId: string, run: () => Promise<T>): Promise<T> {
  try {
    return await session.client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, run);
  } catch (err) {
    // Anything but the deadline (a query the workflow rejected, a bug in it) is the workflow's own answer.
    if (!isGrpcDeadlineError(err))
      throw cliFailure(`the workflow could not answer for "${workflowId}": ${messageOf(err)}`, err);
    throw cliFailure(
      `no worker answered for upgrade "${workflowId}" within ${QUERY_DEADLINE_MS / 1000} s: is \`npm run worker\` running on task queue ${session.target.taskQueue}?`,
      err,
    );
  }
}

async function completedResult(session: Session, workflowId: string): Promise<UpgradeResult | null> {
  try {
    return (await session.client.workflow.getHandle(workflowId).result()) as UpgradeResult;
  } catch (err) {
    if (err instanceof WorkflowFailedError) return null;
    throw err;
  }
}

export async function readUpgrade(session: Session, workflowId: string): Promise<UpgradeView> {
  const { handle, running, status: execution } = await existingWorkflow(session, workflowId);
  const result = execution === 'COMPLETED' ? await completedResult(session, workflowId) : null;
  const status = result?.status ?? (await query(session, workflowId, () => handle.query(statusQuery)));
  return { workflowId, status, execution, running };
}

/**
 * What a later rollback needs: the plan the upgrade executed and the spec it was given. A
 * completed upgrade returns both; otherwise the plan comes from the query and the spec from the
 * input recorded in the first history event.
 */
export async function readPlanAndSpec(
  session: Session,
  workflowId: string,
): Promise<{ plan: Plan | null; spec: SpecInput | null }> {
  const { handle, status: execution } = await existingWorkflow(session, workflowId);
  const result = execution === 'COMPLETED' ? await completedResult(session, workflowId) : null;
  if (result) return { plan: result.plan, spec: result.spec };
  const plan = await query(session, workflowId, () => handle.query(planQuery));
  const history = await decodeHistory(await handle.fetchHistory(), session.target.dataConverter);
  const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  const input = payloads[0] ? defaultPayloadConverter.fromPayload<Partial<UpgradeInput>>(payloads[0]) : {};
  return { plan, spec: input.spec ?? null };
}
