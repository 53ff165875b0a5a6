/**
 * A workflow history read as a journal: every activity, child workflow and timer as a span with
 * its start, end and outcome, and every signal and Update as a message with who sent it. The
 * report draws its timeline from this, so it shows what happened, not what the status claims.
 */
import type { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';

type History = temporal.api.history.v1.IHistory;
type Timestamp = temporal.api.history.v1.IHistoryEvent['eventTime'];

export interface Span {
  lane: 'activity' | 'timer' | 'child';
  /** Activity or child type, or the timer's id. */
  name: string;
  /** What it acted on: `bookinfo/reviews-v2`, `revision=1-27-3`… */
  subject: string;
  start: number;
  end: number | null;
  outcome: 'running' | 'completed' | 'failed' | 'timed-out' | 'cancelled' | 'fired';
  attempts: number;
  failure?: string;
}

export interface Message {
  at: number;
  via: 'signal' | 'update';
  name: string;
  /** `by` from the payload: the Web UI sends no identity of its own. */
  by: string | null;
  identity: string | null;
  detail: string;
}

export interface Journal {
  startedAt: number | null;
  endedAt: number | null;
  /** How the execution closed, or null while it runs. */
  closed: string | null;
  spans: Span[];
  messages: Message[];
  events: number;
}

function ms(ts: Timestamp): number | null {
  if (!ts) return null;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
  return seconds * 1000 + Math.round((ts.nanos ?? 0) / 1e6);
}

function decode(payloads: readonly Payload[] | null | undefined): unknown[] {
  return (payloads ?? []).map((payload) => {
    try {
      return defaultPayloadConverter.fromPayload(payload);
    } catch {
      // An encrypted or binary payload: show that it exists, not its bytes.
      return '(undecodable payload)';
    }
  });
}

const SUBJECT_KEYS = ['namespace', 'name', 'revision', 'version', 'tag', 'component', 'gateId', 'stepId'] as const;

/** The few fields that say what an activity acted on, in a fixed order. */
export function subjectOf(args: readonly unknown[]): string {
  const first = args[0];
  if (typeof first !== 'object' || first === null) return first === undefined ? '' : JSON.stringify(first).slice(0, 60);
  const record = first as Record<string, unknown>;
  if (typeof record.namespace === 'string' && typeof record.name === 'string')
    return `${record.namespace}/${record.name}`;
  return SUBJECT_KEYS.filter((key) => typeof record[key] === 'string' || typeof record[key] === 'number')
    .map((key) => `${key}=${String(record[key])}`)
    .join(' ');
}

function byOf(args: readonly unknown[]): string | null {
  const first = args[0];
  return typeof first === 'object' && first !== null && typeof (first as { by?: unknown }).by === 'string'
    ? (first as { by: string }).by
    : null;
}

function detailOf(args: readonly unknown[]): string {
  const first = args[0];
  if (typeof first !== 'object' || first === null) return '';
  const { by: _by, requestId: _requestId, ...rest } = first as Record<string, unknown>;
  return Object.entries(rest)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

export function journalOf(history: History): Journal {
  const journal: Journal = {
    startedAt: null,
    endedAt: null,
    closed: null,
    spans: [],
    messages: [],
    events: history.events?.length ?? 0,
  };
  const scheduled = new Map<string, Span>();
  const timers = new Map<string, Span>();
  const children = new Map<string, Span>();
  const end = (span: Span | undefined, at: number | null, outcome: Span['outcome'], failure?: string | null) => {
    if (!span) return;
    span.end = at;
    span.outcome = outcome;
    if (failure) span.failure = failure;
  };
  for (const event of history.events ?? []) {
    const at = ms(event.eventTime) ?? 0;
    const id = String(event.eventId ?? '');
    if (event.workflowExecutionStartedEventAttributes) journal.startedAt = at;
    const a = event.activityTaskScheduledEventAttributes;
    if (a) {
      const span: Span = {
        lane: 'activity',
        name: a.activityType?.name ?? 'activity',
        subject: subjectOf(decode(a.input?.payloads)),
        start: at,
        end: null,
        outcome: 'running',
        attempts: 0,
      };
      scheduled.set(id, span);
      journal.spans.push(span);
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const span = scheduled.get(String(started.scheduledEventId ?? ''));
      if (span) span.attempts = started.attempt ?? 1;
    }
    const done = event.activityTaskCompletedEventAttributes;
    if (done) end(scheduled.get(String(done.scheduledEventId ?? '')), at, 'completed');
    const failed = event.activityTaskFailedEventAttributes;
    if (failed) end(scheduled.get(String(failed.scheduledEventId ?? '')), at, 'failed', failed.failure?.message);
    const timedOut = event.activityTaskTimedOutEventAttributes;
    if (timedOut)
      end(scheduled.get(String(timedOut.scheduledEventId ?? '')), at, 'timed-out', timedOut.failure?.message);
    const cancelled = event.activityTaskCanceledEventAttributes;
    if (cancelled) end(scheduled.get(String(cancelled.scheduledEventId ?? '')), at, 'cancelled');

    const timer = event.timerStartedEventAttributes;
    if (timer) {
      const seconds = timer.startToFireTimeout?.seconds;
      const span: Span = {
        lane: 'timer',
        name: timer.timerId ?? 'timer',
        subject: seconds === undefined || seconds === null ? '' : `${String(seconds)} s`,
        start: at,
        end: null,
        outcome: 'running',
        attempts: 1,
      };
      timers.set(timer.timerId ?? '', span);
      journal.spans.push(span);
    }
    if (event.timerFiredEventAttributes) end(timers.get(event.timerFiredEventAttributes.timerId ?? ''), at, 'fired');
    if (event.timerCanceledEventAttributes)
      end(timers.get(event.timerCanceledEventAttributes.timerId ?? ''), at, 'cancelled');

    const child = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (child) {
      const span: Span = {
        lane: 'child',
        name: child.workflowType?.name ?? 'child',
        subject: child.workflowId ?? '',
        start: at,
        end: null,
        outcome: 'running',
        attempts: 1,
      };
      children.set(id, span);
      journal.spans.push(span);
    }
    const childDone = event.childWorkflowExecutionCompletedEventAttributes;
    if (childDone) end(children.get(String(childDone.initiatedEventId ?? '')), at, 'completed');
    const childFailed = event.childWorkflowExecutionFailedEventAttributes;
    if (childFailed)
      end(children.get(String(childFailed.initiatedEventId ?? '')), at, 'failed', childFailed.failure?.message);

    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal) {
      const args = decode(signal.input?.payloads);
      journal.messages.push({
        at,
        via: 'signal',
        name: signal.signalName ?? '',
        by: byOf(args),
        identity: signal.identity ?? null,
        detail: detailOf(args),
      });
    }
    const update = event.workflowExecutionUpdateAcceptedEventAttributes;
    if (update) {
      const args = decode(update.acceptedRequest?.input?.args?.payloads);
      journal.messages.push({
        at,
        via: 'update',
        name: update.acceptedRequest?.input?.name ?? '',
        by: byOf(args),
        identity: update.acceptedRequest?.meta?.identity ?? null,
        detail: detailOf(args),
      });
    }

    const closers = [
      ['completed', event.workflowExecutionCompletedEventAttributes],
      ['failed', event.workflowExecutionFailedEventAttributes],
      ['terminated', event.workflowExecutionTerminatedEventAttributes],
      ['cancelled', event.workflowExecutionCanceledEventAttributes],
      ['timed out', event.workflowExecutionTimedOutEventAttributes],
      ['continued as new', event.workflowExecutionContinuedAsNewEventAttributes],
    ] as const;
    for (const [name, attributes] of closers) {
      if (attributes) {
        journal.closed = name;
        journal.endedAt = at;
      }
    }
  }
  return journal;
}
