/**
 * The operator controls of a running upgrade: pause, resume, abort, retry, skip, extend-soak,
 * skip-soak. Each is a validated Update, so a control that does not apply (nothing to retry, no
 * soak running) is refused with the workflow's reason and changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { formatDuration, parseDuration } from '../../core/spec/duration.js';
import type { OperatorAction } from '../../core/vocabulary.js';
import {
  abortUpdate,
  extendSoakUpdate,
  pauseUpdate,
  resumeUpdate,
  retryUpdate,
  skipSoakUpdate,
  skipUpdate,
} from '../../workflows/messages.js';
import type { ControlRecord, OperatorRequest } from '../../workflows/messages.js';
import { messageOf, usage } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { operatorName } from '../identity.js';
import type { ControlOptions } from '../program.js';
import { existingWorkflow, withTemporal } from '../temporal.js';

type SimpleAction = Exclude<OperatorAction, 'extendSoak' | 'revert'>;

const UPDATES = {
  pause: pauseUpdate,
  resume: resumeUpdate,
  abort: abortUpdate,
  retry: retryUpdate,
  skip: skipUpdate,
  skipSoak: skipSoakUpdate,
} as const;

function request(options: ControlOptions): OperatorRequest {
  return {
    by: operatorName(options.as),
    requestId: options.requestId ?? randomUUID(),
    ...(options.comment && { comment: options.comment }),
  };
}

async function send(
  workflowId: string,
  by: string,
  execute: (handle: Awaited<ReturnType<typeof existingWorkflow>>['handle']) => Promise<ControlRecord>,
): Promise<number> {
  return withTemporal(by, async (session) => {
    const { handle, running, status } = await existingWorkflow(session, workflowId);
    if (!running)
      throw usage(`upgrade "${workflowId}" has ended (${status.toLowerCase()}): there is nothing to control`);
    try {
      const record = await execute(handle);
      const extra = record.seconds ? ` (+${formatDuration(record.seconds)})` : '';
      console.log(
        `${record.action}${extra} accepted from ${record.by} at ${record.at}${record.stepId ? ` on step ${record.stepId}` : ''}`,
      );
      return EXIT.ok;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError)
        throw usage(`refused: ${err.cause ? messageOf(err.cause) : err.message}`, err);
      throw err;
    }
  });
}

export function runControl(action: SimpleAction, workflowId: string, options: ControlOptions): Promise<number> {
  const payload = request(options);
  return send(workflowId, payload.by, (handle) => handle.executeUpdate(UPDATES[action], { args: [payload] }));
}

export function runExtendSoak(workflowId: string, duration: string, options: ControlOptions): Promise<number> {
  const seconds = parseDuration(duration);
  if (seconds === null || seconds === 0)
    throw usage(`<duration>: expected a duration like "10m" or "1h30m", got "${duration}"`);
  const payload = { ...request(options), seconds };
  return send(workflowId, payload.by, (handle) => handle.executeUpdate(extendSoakUpdate, { args: [payload] }));
}
