/** An HTTP check: the workload answers with the expected status (and body text) within a timeout. */
import { redact, tail } from '../redact.js';
import { currentCancellationSignal, heartbeat, heartbeatIntervalMs } from '../context.js';
import type { TestReport } from './types.js';

export interface HttpCheck {
  url: string;
  method?: 'GET' | 'HEAD' | 'POST';
  /** Status codes that pass; 200 if not given. */
  expectStatus?: number | number[];
  /** Text the body must contain. */
  bodyContains?: string;
  timeoutMs?: number;
}

export async function runHttpCheck(check: HttpCheck): Promise<TestReport> {
  const started = Date.now();
  const want =
    check.expectStatus === undefined
      ? [200]
      : Array.isArray(check.expectStatus)
        ? check.expectStatus
        : [check.expectStatus];
  const method = check.method ?? 'GET';
  const target = `${method} ${safeUrl(check.url)}`;
  const cancel = currentCancellationSignal();
  const timeout = AbortSignal.timeout(check.timeoutMs ?? 10_000);
  const signal = cancel === undefined ? timeout : AbortSignal.any([cancel, timeout]);
  // A slow endpoint must not outlive a short heartbeat timeout, and cancellation arrives only with a heartbeat.
  const beat = setInterval(
    () => heartbeat({ message: `testing ${target}`, elapsedMs: Date.now() - started }),
    heartbeatIntervalMs(),
  );
  try {
    const response = await fetch(check.url, { method, signal, redirect: 'manual' });
    const body = method === 'HEAD' ? '' : await response.text();
    const statusOk = want.includes(response.status);
    const bodyOk = check.bodyContains === undefined || body.includes(check.bodyContains);
    const passed = statusOk && bodyOk;
    const why = !statusOk ? ` (wanted ${want.join(' or ')})` : !bodyOk ? ` (body lacks "${check.bodyContains}")` : '';
    return {
      passed,
      summary: `${target} → ${response.status}${why}`,
      evidence: { url: safeUrl(check.url), status: response.status, body: tail(redact(body), 500) },
      durationMs: Date.now() - started,
    };
  } catch (err) {
    if (cancel?.aborted === true) throw cancel.reason as Error;
    const reason = timeout.aborted ? `no answer within ${check.timeoutMs ?? 10_000} ms` : describeFetchError(err);
    return {
      passed: false,
      summary: `${target} → ${reason}`,
      evidence: { url: safeUrl(check.url), error: reason },
      durationMs: Date.now() - started,
    };
  } finally {
    clearInterval(beat);
  }
}

/** URLs may carry credentials (`https://user:pass@…`, `?token=`): never record them. */
export function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    for (const key of [...url.searchParams.keys()]) {
      if (/token|key|secret|password|auth|sig/i.test(key)) url.searchParams.set(key, 'REDACTED');
    }
    return url.toString();
  } catch {
    return redact(raw);
  }
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return redact(err instanceof Error ? err.message : String(err));
}
