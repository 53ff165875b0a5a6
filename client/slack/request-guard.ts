/**
 * What Slack's request signing leaves to the receiver. Bolt checks the v0 signature and refuses
 * a timestamp more than five minutes in the past; a request stamped in the future, or the same
 * signed request sent twice, it lets through. The guard refuses all of these before Bolt sees
 * the request, so a captured click cannot be replayed while its signature is still fresh.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { verifySlackRequest } from '@slack/bolt';

/** Slack's documented window, applied in both directions. */
export const TOLERANCE_SECONDS = 5 * 60;

export type GuardVerdict = { ok: true } | { ok: false; reason: string };

export interface RequestGuardOptions {
  toleranceSeconds?: number;
  now?: () => number;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export class RequestGuard {
  /** Signatures seen, until their timestamp leaves the window (after which the window refuses them anyway). */
  private readonly seen = new Map<string, number>();
  private readonly toleranceSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly signingSecret: string,
    options: RequestGuardOptions = {},
  ) {
    this.toleranceSeconds = options.toleranceSeconds ?? TOLERANCE_SECONDS;
    this.now = options.now ?? Date.now;
  }

  check(headers: IncomingHttpHeaders, rawBody: string): GuardVerdict {
    const signature = header(headers, 'x-slack-signature');
    const timestampText = header(headers, 'x-slack-request-timestamp');
    if (signature === undefined) return { ok: false, reason: 'missing header X-Slack-Signature' };
    if (timestampText === undefined) return { ok: false, reason: 'missing header X-Slack-Request-Timestamp' };
    if (!/^\d{1,12}$/.test(timestampText))
      return { ok: false, reason: 'X-Slack-Request-Timestamp is not a Unix time in seconds' };

    const timestamp = Number(timestampText);
    const nowSeconds = Math.floor(this.now() / 1000);
    const skew = timestamp - nowSeconds;
    if (skew < -this.toleranceSeconds) return { ok: false, reason: `stale request: timestamp ${-skew} s in the past` };
    if (skew > this.toleranceSeconds)
      return { ok: false, reason: `request from the future: timestamp ${skew} s ahead` };

    try {
      verifySlackRequest({
        signingSecret: this.signingSecret,
        body: rawBody,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
        nowMilliseconds: this.now(),
      });
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }

    // Only authentic requests are remembered: a forger cannot fill the memory or pre-empt a real click.
    this.forgetExpired(nowSeconds);
    if (this.seen.has(signature))
      return { ok: false, reason: 'replayed request: this signed request was already received' };
    this.seen.set(signature, timestamp + this.toleranceSeconds);
    return { ok: true };
  }

  private forgetExpired(nowSeconds: number): void {
    for (const [signature, expires] of this.seen) {
      if (expires < nowSeconds) this.seen.delete(signature);
    }
  }
}
