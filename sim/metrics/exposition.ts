/**
 * Prometheus' text exposition format (version 0.0.4), which Istio's proxies serve and any
 * Prometheus scrapes: `# HELP`, `# TYPE`, then one `name{labels} value` line per series.
 */
import { DURATION_BUCKETS_MS } from './latency.js';
import type { MeshCounters } from './counters.js';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A series' labels never change: written once, reused at every scrape (a big mesh has thousands). */
const written = new WeakMap<object, string>();

function labelText(labels: object): string {
  let text = written.get(labels);
  if (text === undefined) {
    text = Object.entries(labels)
      .map(([k, v]) => `${k}="${escape(String(v))}"`)
      .join(',');
    written.set(labels, text);
  }
  return text;
}

function line(name: string, labels: object, value: number, extra = ''): string {
  return `${name}{${labelText(labels)}${extra}} ${value}`;
}

function family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string, lines: string[]): string[] {
  return lines.length === 0 ? [] : [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines];
}

export function render(
  counters: MeshCounters,
  proxies: ReadonlyArray<{ pod: string; namespace: string; version: string }>,
): string {
  const requests = [...counters.requests.values()];
  const tcp = [...counters.tcp.values()];
  const whole = Math.floor;
  // Each histogram's buckets, sum and count stay together, as client libraries write them.
  const histograms: string[] = [];
  for (const s of requests) {
    const count = whole(s.requests);
    // Rounded down independently, a bucket could pass a wider one or the count by a rounding step.
    let previous = 0;
    DURATION_BUCKETS_MS.forEach((le, i) => {
      previous = Math.min(count, Math.max(previous, whole(s.buckets[i] ?? 0)));
      histograms.push(line('istio_request_duration_milliseconds_bucket', s.labels, previous, `,le="${le}"`));
    });
    histograms.push(
      line('istio_request_duration_milliseconds_bucket', s.labels, count, ',le="+Inf"'),
      line('istio_request_duration_milliseconds_sum', s.labels, Math.round(s.sumMs * 1000) / 1000),
      line('istio_request_duration_milliseconds_count', s.labels, count),
    );
  }
  const out = [
    ...family(
      'istio_build',
      'gauge',
      'Istio component build info',
      proxies.map((p) =>
        line('istio_build', { component: 'proxy', tag: p.version, pod: p.pod, namespace: p.namespace }, 1),
      ),
    ),
    ...family(
      'istio_requests_total',
      'counter',
      'Total requests.',
      requests.map((s) => line('istio_requests_total', s.labels, whole(s.requests))),
    ),
    ...family('istio_request_duration_milliseconds', 'histogram', 'Request duration in milliseconds.', histograms),
    ...family(
      'istio_tcp_sent_bytes_total',
      'counter',
      'Total bytes sent in response to a connection.',
      tcp.map((s) => line('istio_tcp_sent_bytes_total', s.labels, whole(s.sentBytes))),
    ),
    ...family(
      'istio_tcp_received_bytes_total',
      'counter',
      'Total bytes received in a connection.',
      tcp.map((s) => line('istio_tcp_received_bytes_total', s.labels, whole(s.receivedBytes))),
    ),
    ...family(
      'istio_tcp_connections_opened_total',
      'counter',
      'Total connections opened.',
      tcp.map((s) => line('istio_tcp_connections_opened_total', s.labels, whole(s.opened))),
    ),
    ...family(
      'istio_tcp_connections_closed_total',
      'counter',
      'Total connections closed.',
      tcp.map((s) => line('istio_tcp_connections_closed_total', s.labels, whole(s.closed))),
    ),
  ];
  return `${out.join('\n')}\n`;
}
