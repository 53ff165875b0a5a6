/**
 * The one way activities fail. Every failure carries a type from the shared vocabulary, and its
 * retryability comes from that type, so no call site can mark a 403 retryable or a 409 final.
 * Messages and details are redacted: they are stored in workflow history for good.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { ApiException } from '@kubernetes/client-node';
import { FAILURE_TYPES, type FailureType } from '../core/vocabulary.js';
import { currentContext } from './context.js';
import { redact, tail } from './redact.js';

export interface FailureOptions {
  /** Plain data that helps an operator; it is stored in history, so never credentials. */
  details?: Record<string, unknown>;
  cause?: Error;
  /** Overrides the retry policy's backoff, e.g. with a server's Retry-After. */
  nextRetryDelayMs?: number;
}

export function activityFailure(type: FailureType, message: string, options: FailureOptions = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message: redact(message),
    nonRetryable: !FAILURE_TYPES[type].retryable,
    details: options.details === undefined ? [] : [redactDetails(options.details)],
    ...(options.cause === undefined ? {} : { cause: sanitizedCause(options.cause) }),
    ...(options.nextRetryDelayMs === undefined ? {} : { nextRetryDelay: options.nextRetryDelayMs }),
  });
}

function redactDetails(details: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(redact(JSON.stringify(details))) as Record<string, unknown>;
}

/**
 * The cause travels to history too, and library errors put headers and bodies in their
 * messages (ApiException does): it goes along redacted and bounded, its whole text in the
 * worker's log (see logCause).
 */
function sanitizedCause(cause: Error): Error {
  const safe = new Error(tail(redact(cause.message), 2000));
  safe.name = cause.name;
  return safe;
}

/**
 * The full error, redacted, on the worker's log: history keeps a bounded copy, an operator may
 * need all of it. A 404 is often an answer (an absent CRD, an object already gone), so it is
 * logged at debug level rather than as a warning.
 */
function logCause(what: string, err: unknown): void {
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  const body =
    err instanceof ApiException ? `\nbody: ${typeof err.body === 'string' ? err.body : JSON.stringify(err.body)}` : '';
  const log = currentContext()?.log;
  const meta = { error: redact(`${text}${body}`) };
  if (err instanceof ApiException && err.code === 404) log?.debug(`${what} failed`, meta);
  else log?.warn(`${what} failed`, meta);
}

/** Failures already in our vocabulary, and cancellations, pass through untouched. */
export function isOwnFailure(err: unknown): err is ApplicationFailure | CancelledFailure {
  return (
    err instanceof CancelledFailure ||
    (err instanceof ApplicationFailure && err.type !== undefined && err.type !== null && err.type in FAILURE_TYPES)
  );
}

export function typeForHttpStatus(status: number): FailureType {
  if (status === 401 || status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 409) return 'Conflict';
  if (status === 429) return 'RateLimited';
  if (status === 408 || status === 504) return 'Timeout';
  // 410 Gone on a plain request means our resourceVersion is stale: reading again fixes it.
  if (status === 410) return 'Conflict';
  if (status >= 500) return 'Unavailable';
  return 'Validation';
}

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ECONNABORTED',
]);
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Network error code of an error or of any error in its cause chain. */
function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    const errno = (e as { errno?: unknown }).errno;
    if (typeof code === 'string' && (TIMEOUT_CODES.has(code) || UNAVAILABLE_CODES.has(code))) return code;
    if (typeof errno === 'string' && (TIMEOUT_CODES.has(errno) || UNAVAILABLE_CODES.has(errno))) return errno;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

interface KubeStatusBody {
  reason?: string;
  message?: string;
  details?: { retryAfterSeconds?: number };
}

function statusBody(body: unknown): KubeStatusBody {
  if (typeof body === 'string') {
    try {
      return statusBody(JSON.parse(body) as unknown);
    } catch {
      return { message: body.slice(0, 500) };
    }
  }
  if (body !== null && typeof body === 'object') return body;
  return {};
}

function retryAfterMs(err: ApiException<unknown>, body: KubeStatusBody): number | undefined {
  const header = err.headers?.['retry-after'] ?? err.headers?.['Retry-After'];
  const seconds = header === undefined ? body.details?.retryAfterSeconds : Number(header);
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * Turns whatever a Kubernetes call threw into a typed failure. `what` names the operation and
 * object ("patch deployment bookinfo/reviews-v2") so the message stands on its own.
 */
export function fromKubernetesError(err: unknown, what: string): ApplicationFailure | CancelledFailure {
  if (isOwnFailure(err)) return err;
  logCause(what, err);
  const cause = err instanceof Error ? { cause: err } : {};
  if (err instanceof ApiException) {
    const code = err.code;
    const body = statusBody(err.body);
    const type = typeForHttpStatus(code);
    const reason = body.message ?? body.reason ?? 'no message';
    const delay = type === 'RateLimited' ? retryAfterMs(err, body) : undefined;
    return activityFailure(type, `${what}: HTTP ${code}: ${reason}`, {
      details: { status: code, reason: body.reason ?? null },
      ...cause,
      ...(delay === undefined ? {} : { nextRetryDelayMs: delay }),
    });
  }
  const watchStatus = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof watchStatus === 'number') {
    const reason = err instanceof Error && err.message !== '' ? tail(err.message.split('\n')[0] ?? '', 200) : null;
    return activityFailure(
      typeForHttpStatus(watchStatus),
      `${what}: HTTP ${watchStatus}${reason === null ? '' : `: ${reason}`}`,
      { details: { status: watchStatus, reason }, ...cause },
    );
  }
  const code = networkCode(err);
  if (code !== undefined) {
    const type: FailureType = TIMEOUT_CODES.has(code) ? 'Timeout' : 'Unavailable';
    return activityFailure(type, `${what}: ${code}`, { details: { code }, ...cause });
  }
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) {
    return activityFailure('Timeout', `${what}: request timed out`, { details: { code: err.name }, ...cause });
  }
  // Unknown errors are retryable: a bug here should cost a retry, not an upgrade.
  const message = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
  return activityFailure('Unavailable', `${what}: ${message.slice(0, 300)}`, {
    details: { error: err instanceof Error ? err.name : typeof err },
    ...cause,
  });
}
