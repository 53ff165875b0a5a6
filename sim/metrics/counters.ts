/**
 * The mesh's counters, integrated over sim time: each flow adds its rate times the sim-seconds
 * elapsed, split into response codes and duration buckets by exact fractions. Values only grow,
 * so every series is monotonic across scrapes; they are exposed rounded down, as whole requests,
 * connections and bytes, which keeps them monotonic too.
 */
import { DURATION_BUCKETS_MS, durationCdf, meanDurationMs } from './latency.js';
import type { Flow, TrafficLabels } from './traffic.js';

/** The steady share of requests the application itself answers 500 to. */
export const BASELINE_ERROR_RATIO = 0.001;
/** Bytes per connection: a small request in, a page out. */
const RECEIVED_BYTES = 512;
const SENT_BYTES = 4096;

export type RequestLabels = TrafficLabels & { response_code: string; response_flags: string };
export type TcpLabels = TrafficLabels & { response_flags: string };

export interface RequestSeries {
  labels: RequestLabels;
  requests: number;
  /** Cumulative count per bucket of DURATION_BUCKETS_MS. */
  buckets: number[];
  sumMs: number;
}

export interface TcpSeries {
  labels: TcpLabels;
  opened: number;
  closed: number;
  sentBytes: number;
  receivedBytes: number;
}

const keyOf = (labels: object): string => JSON.stringify(labels);

/** Share of requests within each bucket, per added latency: the same few values at every scrape. */
const shareCache = new Map<number, number[]>();
function bucketShares(addedMs: number): number[] {
  let shares = shareCache.get(addedMs);
  if (!shares) {
    shares = DURATION_BUCKETS_MS.map((le) => durationCdf(le, addedMs));
    if (shareCache.size < 1000) shareCache.set(addedMs, shares);
  }
  return shares;
}

export class MeshCounters {
  readonly requests = new Map<string, RequestSeries>();
  readonly tcp = new Map<string, TcpSeries>();

  /** Adds what `flows` carried during `simSeconds`. */
  add(flows: readonly Flow[], simSeconds: number): void {
    if (simSeconds <= 0) return;
    for (const flow of flows) {
      if (flow.effect.dropTraffic || flow.rate <= 0) continue;
      const total = flow.rate * simSeconds;
      const failed = total * flow.effect.errorRatio;
      const served = total - failed;
      const appErrors = served * BASELINE_ERROR_RATIO;
      if (flow.protocol === 'tcp') {
        this.addTcp({ ...flow.labels, response_flags: '-' }, served);
        // A connection the proxy could not open upstream: Envoy's "UF", nothing transferred.
        this.addTcp({ ...flow.labels, response_flags: 'UF' }, failed, false);
        continue;
      }
      const added = flow.effect.addedLatencyMs;
      this.addRequests({ ...flow.labels, response_code: '200', response_flags: '-' }, served - appErrors, added);
      this.addRequests({ ...flow.labels, response_code: '500', response_flags: '-' }, appErrors, added);
      this.addRequests({ ...flow.labels, response_code: '503', response_flags: 'UF' }, failed, added);
    }
  }

  private addRequests(labels: RequestLabels, count: number, addedMs: number): void {
    if (count <= 0) return;
    const key = keyOf(labels);
    let s = this.requests.get(key);
    if (!s) {
      s = { labels, requests: 0, buckets: DURATION_BUCKETS_MS.map(() => 0), sumMs: 0 };
      this.requests.set(key, s);
    }
    s.requests += count;
    const shares = bucketShares(addedMs);
    for (let i = 0; i < shares.length; i++) s.buckets[i] = (s.buckets[i] ?? 0) + count * (shares[i] ?? 0);
    s.sumMs += count * meanDurationMs(addedMs);
  }

  private addTcp(labels: TcpLabels, connections: number, transfers = true): void {
    if (connections <= 0) return;
    const key = keyOf(labels);
    let s = this.tcp.get(key);
    if (!s) {
      s = { labels, opened: 0, closed: 0, sentBytes: 0, receivedBytes: 0 };
      this.tcp.set(key, s);
    }
    s.opened += connections;
    s.closed += connections;
    if (transfers) {
      s.sentBytes += connections * SENT_BYTES;
      s.receivedBytes += connections * RECEIVED_BYTES;
    }
  }
}
