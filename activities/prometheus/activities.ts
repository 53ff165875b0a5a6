/**
 * The Prometheus adapter's activities: read the baselines at the start of an upgrade, measure
 * each check on each workload now, and validate queries. They only ask and answer: judging a
 * value is the workflow's (core/analysis/judge.ts). Inputs carry the spec's address and rendered
 * queries, never a credential; failures name the check and the address, never a header.
 */
import type { Baseline } from '../../core/analysis/measurement.js';
import { activityFailure } from '../failure.js';
import { heartbeat } from '../context.js';
import { NO_ADDRESS, prometheusConfigFromEnv } from './config.js';
import type { PrometheusConfig } from './config.js';
import { PrometheusUnavailable, mapLimited, prometheusClient } from './client.js';
import type { PrometheusClient, QueryAnswer } from './client.js';

/** One check on one workload, its query rendered. */
export interface AnalysisQuery {
  check: string;
  namespace: string;
  workload: string;
  query: string;
}

export interface ReadBaselinesInput {
  /** From the spec; null: the worker's PROMETHEUS_URL. */
  address: string | null;
  /** Rendered over the baseline window. */
  items: AnalysisQuery[];
  windowSeconds: number;
}

export interface MeasureInput {
  address: string | null;
  items: AnalysisQuery[];
}

/** In the order of the input's items; the query is not echoed back (history holds it once, in the input). */
export interface MeasuredValue extends Omit<AnalysisQuery, 'query'> {
  value: number | null;
  /** The query's own problem (does not parse, several series); null when it answered. */
  error: string | null;
}

export interface MeasureResult {
  /** ISO time the values are for. */
  at: string;
  values: MeasuredValue[];
}

export interface ValidateQueriesInput {
  address: string | null;
  queries: { check: string; query: string }[];
}

/** Queries at once per call: enough for hundreds of workloads, gentle on a shared Prometheus. */
const WIDTH = 8;

export function createPrometheusActivities(config: PrometheusConfig = prometheusConfigFromEnv()) {
  const clientFor = (address: string | null): PrometheusClient => {
    const chosen = address ?? config.defaultAddress;
    if (chosen === null) throw activityFailure('Validation', NO_ADDRESS);
    try {
      return prometheusClient(chosen, config);
    } catch (err) {
      throw activityFailure('Validation', err instanceof Error ? err.message : String(err));
    }
  };
  /** Unreachable or 5xx: retryable AnalysisError; refused credentials: Forbidden, final. */
  const ask = async (client: PrometheusClient, query: string, atMs: number): Promise<QueryAnswer> => {
    try {
      return await client.query(query, atMs);
    } catch (err) {
      if (err instanceof PrometheusUnavailable)
        throw activityFailure(err.forbidden ? 'Forbidden' : 'AnalysisError', err.message, {
          details: { address: client.address },
        });
      throw err;
    }
  };
  const askAll = async (client: PrometheusClient, items: readonly AnalysisQuery[], atMs: number) => {
    let done = 0;
    return mapLimited(items, WIDTH, async (item) => {
      const answer = await ask(client, item.query, atMs);
      done += 1;
      if (done % 50 === 0) heartbeat({ done, of: items.length });
      return answer;
    });
  };
  const badQuery = (check: string, error: string) =>
    activityFailure('Validation', `check ${check}: the query does not work: ${error}`, { details: { check } });

  return {
    /** Each query over the window ending now; a query Prometheus refuses fails for good, naming its check. */
    async readAnalysisBaselines(input: ReadBaselinesInput): Promise<Baseline[]> {
      const client = clientFor(input.address);
      const atMs = Date.now();
      const answers = await askAll(client, input.items, atMs);
      return input.items.map((item, index) => {
        const answer = answers[index] as QueryAnswer;
        if (!answer.ok) throw badQuery(item.check, answer.error);
        return {
          check: item.check,
          namespace: item.namespace,
          workload: item.workload,
          value: answer.value,
          query: item.query,
          windowSeconds: input.windowSeconds,
          at: new Date(atMs).toISOString(),
        };
      });
    },

    /** Each query now. A query's own problem comes back as its `error` (an Error verdict); Prometheus away is thrown. */
    async measureAnalysis(input: MeasureInput): Promise<MeasureResult> {
      const client = clientFor(input.address);
      const atMs = Date.now();
      const answers = await askAll(client, input.items, atMs);
      return {
        at: new Date(atMs).toISOString(),
        values: input.items.map((item, index) => {
          const answer = answers[index] as QueryAnswer;
          return {
            check: item.check,
            namespace: item.namespace,
            workload: item.workload,
            value: answer.ok ? answer.value : null,
            error: answer.ok ? null : answer.error,
          };
        }),
      };
    },

    /** Every query once, now: a query that does not parse fails for good, naming its check. */
    async validateAnalysisQueries(input: ValidateQueriesInput): Promise<void> {
      const client = clientFor(input.address);
      const atMs = Date.now();
      const answers = await mapLimited(input.queries, WIDTH, (item) => ask(client, item.query, atMs));
      input.queries.forEach((item, index) => {
        const answer = answers[index] as QueryAnswer;
        if (!answer.ok && answer.error.startsWith('bad_data')) throw badQuery(item.check, answer.error);
      });
    },
  };
}
