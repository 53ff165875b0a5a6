import { describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { activityFailure, fromKubernetesError } from '../../activities/failure.js';

const token = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlc2lnbmF0dXJl';

function apiError(code: number, message: string, headers: Record<string, string> = {}): ApiException<unknown> {
  return new ApiException(code, 'Unknown API Status Code!', { kind: 'Status', reason: 'Reason', message }, headers);
}

describe('failure', () => {
  it('derives retryability from the vocabulary, never from the call site', () => {
    expect(activityFailure('Conflict', 'lost a race').nonRetryable).toBe(false);
    expect(activityFailure('Forbidden', 'rbac said no').nonRetryable).toBe(true);
    expect(activityFailure('RolloutFailed', 'deadline').type).toBe('RolloutFailed');
  });

  it('redacts tokens from messages and details before they reach history', () => {
    const f = activityFailure('Unavailable', `call failed: Authorization: Bearer ${token}`, {
      details: { kubeconfig: `token: ${token}` },
    });
    expect(f.message).not.toContain(token);
    expect(JSON.stringify(f.details)).not.toContain(token);
  });
});

describe('fromKubernetesError', () => {
  it.each([
    [400, 'Validation', true],
    [422, 'Validation', true],
    [401, 'Forbidden', true],
    [403, 'Forbidden', true],
    [404, 'NotFound', true],
    [409, 'Conflict', false],
    [429, 'RateLimited', false],
    [500, 'Unavailable', false],
    [503, 'Unavailable', false],
    [504, 'Timeout', false],
  ] as const)('maps HTTP %i to %s (nonRetryable %s)', (code, type, nonRetryable) => {
    const f = fromKubernetesError(apiError(code, 'server said so'), 'patch deployment bookinfo/reviews');
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect((f as ApplicationFailure).type).toBe(type);
    expect((f as ApplicationFailure).nonRetryable).toBe(nonRetryable);
    expect(f.message).toContain('patch deployment bookinfo/reviews: HTTP');
  });

  it('keeps response headers and request echoes out of the message', () => {
    const err = apiError(403, `forbidden for token ${token}`, { 'set-cookie': 'session=abc' });
    const f = fromKubernetesError(err, 'get namespace x');
    expect(f.message).not.toContain(token);
    expect(f.message).not.toContain('session=abc');
  });

  it('honours Retry-After on 429', () => {
    const f = fromKubernetesError(
      apiError(429, 'slow down', { 'retry-after': '3' }),
      'list pods',
    ) as ApplicationFailure;
    expect(f.nextRetryDelay).toBe(3000);
  });

  it('maps refused and reset connections to retryable types', () => {
    const refused = Object.assign(new Error('request failed'), {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect((fromKubernetesError(refused, 'x') as ApplicationFailure).type).toBe('Unavailable');
    expect((fromKubernetesError(reset, 'x') as ApplicationFailure).type).toBe('Timeout');
    expect((fromKubernetesError(reset, 'x') as ApplicationFailure).nonRetryable).toBe(false);
  });

  it('passes our own failures and cancellations through', () => {
    const own = activityFailure('NotFound', 'gone');
    const cancelled = new CancelledFailure('cancelled');
    expect(fromKubernetesError(own, 'x')).toBe(own);
    expect(fromKubernetesError(cancelled, 'x')).toBe(cancelled);
  });
});
