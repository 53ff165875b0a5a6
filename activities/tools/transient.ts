/**
 * Whether a tool failed on the API server's side for a moment (an apiserver restarting, etcd
 * changing leader, a load balancer shedding load) rather than on something a retry cannot fix.
 * istioctl and helm exit 1 for both; only their stderr tells them apart, in client-go's and
 * Go's net package's wording. A transient failure is worth running the same command again; any
 * other failure (forbidden, not found, a bad flag, a webhook's denial) stops at once.
 */

/** The phrases client-go, Go's net package and helm print for failures that pass by themselves. */
const TRANSIENT: readonly { pattern: RegExp; reason: string }[] = [
  { pattern: /connection refused/i, reason: 'connection refused' },
  { pattern: /connection reset by peer/i, reason: 'connection reset' },
  { pattern: /i\/o timeout/i, reason: 'i/o timeout' },
  { pattern: /TLS handshake timeout/i, reason: 'TLS handshake timeout' },
  { pattern: /http2: client connection lost|unexpected EOF/i, reason: 'connection lost' },
  { pattern: /etcdserver: (leader changed|request timed out|no leader)/i, reason: 'etcd leader change' },
  { pattern: /the server is currently unable to handle the request/i, reason: '503 service unavailable' },
  { pattern: /the server was unable to return a response in the time allotted/i, reason: '504 timeout' },
  { pattern: /the server has received too many requests|too many requests|\b429\b/i, reason: '429 too many requests' },
  { pattern: /an error on the server .* has prevented the request from succeeding/i, reason: '500 server error' },
  { pattern: /Internal error occurred/i, reason: '500 internal error' },
  { pattern: /bad gateway|gateway timeout|service unavailable/i, reason: '5xx from a proxy' },
];

/** The reason a failure's stderr shows it transient, or null when it is not (retrying would not help). */
export function transientReason(stderr: string): string | null {
  return TRANSIENT.find(({ pattern }) => pattern.test(stderr))?.reason ?? null;
}

/** How many times a transient failure is run again, and the wait before each: 1 s, 2 s, 4 s. */
export const TRANSIENT_RETRIES = 3;
export const transientBackoffMs = (retry: number): number => 1_000 * 2 ** retry;
