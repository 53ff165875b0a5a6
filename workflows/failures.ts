/**
 * Failures in workflow code, in the project's one vocabulary (core/vocabulary.ts FAILURE_TYPES):
 * raising them, and reading any failure back as a type and a message for status and gates.
 * Workflows branch on the type, never on message text.
 */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TemporalFailure } from '@temporalio/workflow';
import type { FailureType } from '../core/vocabulary.js';
import type { StepFailure } from './messages.js';

export function workflowFailure(type: FailureType, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    ...(details !== undefined && { details: [details] }),
  });
}

export function proxyMismatch(what: string, wrong: string[], count: number): ApplicationFailure {
  const more = count > wrong.length ? ` and ${count - wrong.length} more` : '';
  return workflowFailure('ProxyMismatch', `${what}: ${wrong.join('; ')}${more}`, { wrong, count });
}

/** The innermost application failure's type and message: what the operator needs to read. */
export function describeFailure(error: unknown): StepFailure {
  let current: unknown = error;
  while (current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) current = current.cause;
  if (current instanceof ApplicationFailure) return { type: current.type ?? 'Error', message: current.message };
  if (current instanceof TemporalFailure) return { type: current.name, message: current.message };
  return { type: 'Error', message: error instanceof Error ? error.message : String(error) };
}
