/**
 * Instant queries against any Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir,
 * VictoriaMetrics): `POST <address>/api/v1/query` with `query` and `time`, form-encoded so long
 * queries fit. Node's own http(s) rather than a client library: the one call needed is a form
 * POST and a JSON answer, the npm clients (prometheus-query and the like) add a dependency
 * without adding checks, and node:https takes a private CA directly (`ca`), which global fetch
 * does not without undici's dispatcher.
 *
 * An answer is one number, no data (an empty vector, NaN), or a problem with the query itself
 * (Prometheus' `bad_data` and `execution` errors): those are the query's fault and are returned.
 * Prometheus being unreachable or failing on its side is thrown, for the caller's retries.
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { PrometheusConfig } from './config.js';

export type QueryAnswer = { ok: true; value: number | null } | { ok: false; error: string };

/** Prometheus is unreachable, refused our credentials, or failed on its side: not the query's fault. */
export class PrometheusUnavailable extends Error {
  constructor(
    message: string,
    /** 401 and 403: retrying with the same credentials cannot help. */
    readonly forbidden = false,
  ) {
    super(message);
    this.name = 'PrometheusUnavailable';
  }
}

export interface PrometheusClient {
  address: string;
  query(query: string, atMs: number): Promise<QueryAnswer>;
}

const TIMEOUT_MS = 30_000;

interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/**
 * `+Inf` (a p99 above the highest bucket) survives JSON, which Infinity would not (it becomes
 * null, which reads as no data): the largest finite number fails any `max` just the same.
 */
function sampleValue(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  if (text === '+Inf') return Number.MAX_VALUE;
  if (text === '-Inf') return -Number.MAX_VALUE;
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}

function answerOf(body: ApiBody): QueryAnswer {
  const { resultType, result } = body.data ?? {};
  if (resultType === 'scalar' && Array.isArray(result)) return { ok: true, value: sampleValue(result[1]) };
  if (resultType === 'vector' && Array.isArray(result)) {
    if (result.length === 0) return { ok: true, value: null };
    if (result.length > 1)
      return {
        ok: false,
        error: `the query returned ${result.length} series; a check needs one number (aggregate it, e.g. sum(…))`,
      };
    const sample = (result[0] as { value?: unknown[] }).value;
    return { ok: true, value: sampleValue(sample?.[1]) };
  }
  return { ok: false, error: `the query returned a ${resultType ?? 'missing'} result; a check needs one number` };
}

function post(
  url: URL,
  form: string,
  headers: Record<string, string>,
  ca: Buffer | null,
): Promise<{ status: number; text: string }> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(form),
          accept: 'application/json',
        },
        timeout: TIMEOUT_MS,
        ...(ca !== null && { ca }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(form);
  });
}

/** A client for `address` with the worker's credentials; throws PrometheusUnavailable for a bad address. */
export function prometheusClient(address: string, config: PrometheusConfig): PrometheusClient {
  let base: URL;
  try {
    base = new URL(address.endsWith('/') ? address : `${address}/`);
  } catch {
    throw new PrometheusUnavailable(`"${address}" is not a URL`);
  }
  const endpoint = new URL('api/v1/query', base);
  let ca: Promise<Buffer | null> | null = null;
  const headers: Record<string, string> = config.authorization === null ? {} : { authorization: config.authorization };
  return {
    address,
    async query(query, atMs) {
      ca ??= config.caFile === null ? Promise.resolve(null) : readFile(config.caFile);
      const form = new URLSearchParams({ query, time: (atMs / 1000).toFixed(3) }).toString();
      let answer: { status: number; text: string };
      try {
        answer = await post(endpoint, form, headers, await ca);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        throw new PrometheusUnavailable(
          `Prometheus at ${address} did not answer: ${typeof code === 'string' ? code : err instanceof Error ? err.message : String(err)}`,
        );
      }
      let body: ApiBody = {};
      try {
        body = JSON.parse(answer.text) as ApiBody;
      } catch {
        // A proxy's HTML error page: judged by its status below.
      }
      if (answer.status === 200 && body.status === 'success') return answerOf(body);
      // bad_data: the query does not parse; execution: it cannot be evaluated (e.g. many-to-many matching).
      if ((answer.status === 400 || answer.status === 422) && body.status === 'error')
        return { ok: false, error: `${body.errorType ?? 'error'}: ${body.error ?? 'no message'}` };
      if (answer.status === 401 || answer.status === 403)
        throw new PrometheusUnavailable(
          `Prometheus at ${address} refused the credentials (HTTP ${answer.status}): check PROMETHEUS_BEARER_TOKEN or PROMETHEUS_USERNAME/PROMETHEUS_PASSWORD`,
          true,
        );
      throw new PrometheusUnavailable(
        `Prometheus at ${address} answered HTTP ${answer.status}${body.error ? `: ${body.error}` : ''}`,
      );
    },
  };
}

/** Runs `fn` over `items`, at most `width` at a time, keeping their order. */
export async function mapLimited<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}
