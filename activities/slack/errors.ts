/**
 * Slack Web API errors in the shared failure vocabulary. Slack answers most refusals with HTTP
 * 200 and `ok: false`; what matters is whether trying again can help: a missing channel or a
 * revoked token cannot, a rate limit or an outage can.
 */
import { ErrorCode } from '@slack/web-api';
import type { WebAPICallError } from '@slack/web-api';
import { ApplicationFailure } from '@temporalio/common';
import type { FailureType } from '../../core/vocabulary.js';
import { activityFailure, typeForHttpStatus } from '../failure.js';

const FORBIDDEN = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_in_channel',
  'restricted_action',
  'ekm_access_denied',
  'org_login_required',
]);
const NOT_FOUND = new Set([
  'channel_not_found',
  'message_not_found',
  'user_not_found',
  'user_not_in_channel',
  'is_archived',
  'cant_update_message',
]);
const UNAVAILABLE = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

function typeForPlatformError(error: string): FailureType {
  if (FORBIDDEN.has(error)) return 'Forbidden';
  if (NOT_FOUND.has(error)) return 'NotFound';
  if (error === 'ratelimited') return 'RateLimited';
  if (UNAVAILABLE.has(error)) return 'Unavailable';
  return 'Validation';
}

/** fetch hides the system error (ECONNREFUSED, ETIMEDOUT) a few causes deep. */
function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function isSlackError(err: unknown): err is WebAPICallError {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === ErrorCode.PlatformError ||
    code === ErrorCode.HTTPError ||
    code === ErrorCode.RateLimitedError ||
    code === ErrorCode.RequestError
  );
}

/** `what` names the call ("chat.postMessage to #mesh-upgrades") so the failure stands alone. */
export function fromSlackError(err: unknown, what: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (isSlackError(err)) {
    switch (err.code) {
      case ErrorCode.PlatformError: {
        const error = err.data.error;
        return activityFailure(typeForPlatformError(error), `${what}: Slack said ${error}`, {
          details: { slackError: error },
        });
      }
      case ErrorCode.RateLimitedError:
        return activityFailure('RateLimited', `${what}: rate limited for ${err.retryAfter} s`, {
          details: { retryAfterSeconds: err.retryAfter },
          nextRetryDelayMs: err.retryAfter * 1000,
        });
      case ErrorCode.HTTPError:
        return activityFailure(typeForHttpStatus(err.statusCode), `${what}: HTTP ${err.statusCode}`, {
          details: { status: err.statusCode },
        });
      case ErrorCode.RequestError: {
        // No answer at all (refused, reset, timed out): Slack may be back on the next attempt.
        const code = networkCode(err.original);
        const reason = code ?? err.original.message.split('\n')[0] ?? 'request failed';
        return activityFailure('Unavailable', `${what}: ${reason}`, { details: { code: code ?? null } });
      }
    }
  }
  const message = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
  return activityFailure('Unavailable', `${what}: ${message.slice(0, 300)}`);
}
