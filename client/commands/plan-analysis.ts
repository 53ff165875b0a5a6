/**
 * The analysis part of `plan`: before anything is written, every check's query is sent to the
 * Prometheus the spec names (or PROMETHEUS_URL here, with the same credential variables as the
 * worker), so a query that does not parse is an invalid spec (exit 2, naming the check), and the
 * baseline of every check on every workload is read and shown, the values the upgrade will be
 * held to. No address at all is an invalid spec too: the analysis could not run.
 */
import { prometheusClient, PrometheusUnavailable, mapLimited } from '../../activities/prometheus/client.js';
import type { PrometheusClient } from '../../activities/prometheus/client.js';
import { prometheusConfigFromEnv } from '../../activities/prometheus/config.js';
import { renderQuery } from '../../core/analysis/checks.js';
import type { Baseline } from '../../core/analysis/measurement.js';
import { checksFor } from '../../core/analysis/plan.js';
import type { AnalysisPlan } from '../../core/analysis/plan.js';
import type { Plan } from '../../core/plan/steps.js';
import { cliFailure, invalidInput } from '../errors.js';

/** Opens a client for an address; tests may point it elsewhere. */
export type PrometheusFor = (address: string) => PrometheusClient;

export const operatorPrometheus: PrometheusFor = (address) => prometheusClient(address, prometheusConfigFromEnv());

const ADDRESS_FIELD = 'analysis.prometheus.address';

function addressOf(analysis: AnalysisPlan, env: NodeJS.ProcessEnv): string {
  const address = analysis.address ?? env.PROMETHEUS_URL?.trim();
  if (address === undefined || address === '')
    throw invalidInput(
      [
        {
          path: ADDRESS_FIELD,
          message: "no Prometheus address: set it in the spec, or PROMETHEUS_URL here and in the worker's environment",
        },
      ],
      { heading: 'invalid spec' },
    );
  return address;
}

async function ask(client: PrometheusClient, query: string, atMs: number) {
  try {
    return await client.query(query, atMs);
  } catch (err) {
    if (err instanceof PrometheusUnavailable) throw cliFailure(`cannot plan the analysis: ${err.message}`, err);
    throw err;
  }
}

/**
 * The plan with `analysis.baselines` read from Prometheus; the plan as it is without analysis.
 * Throws an invalid-spec CliError (exit 2) for no address or a query Prometheus refuses.
 */
export async function withAnalysisBaselines(
  plan: Plan,
  prometheusFor: PrometheusFor | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Plan> {
  const analysis = plan.analysis;
  if (analysis === undefined || prometheusFor === undefined) return plan;
  const address = addressOf(analysis, env);
  let client: PrometheusClient;
  try {
    client = prometheusFor(address);
  } catch (err) {
    throw invalidInput([{ path: ADDRESS_FIELD, message: err instanceof Error ? err.message : String(err) }]);
  }
  const atMs = Date.now();
  // Every check once, on its first workload (or a stand-in: a check no workload has data for is still checked).
  const problems = (
    await mapLimited(analysis.checks, 4, async (check) => {
      const target = analysis.targets.find((t) => t.checks.includes(check.name)) ?? {
        namespace: 'default',
        workload: 'none',
      };
      const answer = await ask(client, renderQuery(check, target, analysis.intervalSeconds), atMs);
      return answer.ok ? null : { check, error: answer.error };
    })
  ).flatMap((problem, index) =>
    problem === null
      ? []
      : [
          {
            path: `analysis.checks[${index}].${problem.check.builtIn ? 'name' : 'query'}`,
            message: `${problem.check.name}: Prometheus refused the query (${problem.error})`,
          },
        ],
  );
  if (problems.length > 0) throw invalidInput(problems, { heading: 'invalid spec' });
  const items = analysis.targets.flatMap((target) =>
    checksFor(analysis, target).map((check) => ({
      check: check.name,
      namespace: target.namespace,
      workload: target.workload,
      query: renderQuery(check, target, analysis.baselineWindowSeconds),
    })),
  );
  const at = new Date(atMs).toISOString();
  const baselines = await mapLimited(items, 8, async (item): Promise<Baseline> => {
    const answer = await ask(client, item.query, atMs);
    return {
      ...item,
      value: answer.ok ? answer.value : null,
      windowSeconds: analysis.baselineWindowSeconds,
      at,
    };
  });
  return { ...plan, analysis: { ...analysis, baselines } };
}
