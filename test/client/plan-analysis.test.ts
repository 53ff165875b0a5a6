/**
 * `plan` with `analysis:`, as a process against a real Prometheus scraping the simulator's Istio
 * metrics: it validates every query before anything is written and shows the baselines it read;
 * a bad analysis spec (unknown check, a query Prometheus refuses, a threshold of the wrong type,
 * no Prometheus address) exits 2 naming the field.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Baseline } from '../../core/analysis/measurement.js';
import { startSim, type Sim } from '../../sim/index.js';
import { cluster } from '../core/fixtures/cluster.js';
import { runCli } from '../support/cli.js';
import { prometheusForSim, untilQuery, type RunningPrometheus } from '../support/prometheus.js';
import { bookinfo } from '../sim/support.js';

let sim: Sim;
let prom: RunningPrometheus;
let dir: string;
let inventory: string;

beforeAll(async () => {
  sim = await startSim({ scenario: bookinfo(), timeScale: 1 });
  prom = await prometheusForSim(sim);
  dir = await mkdtemp(join(tmpdir(), 'plan-analysis-'));
  inventory = join(dir, 'inventory.json');
  await writeFile(inventory, JSON.stringify(cluster({ version: '1.26.4' })));
  await untilQuery(
    prom,
    'sum(rate(istio_requests_total{reporter="destination",destination_workload="reviews-v2"}[30s]))',
    (v) => v !== undefined && v > 0,
    60_000,
  );
}, 120_000);
afterAll(async () => {
  await prom?.stop();
  await sim?.stop();
});

async function plan(analysis: unknown, env: Record<string, string> = {}, json = true) {
  const file = join(dir, `spec-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(
    file,
    JSON.stringify({
      install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
      version: { target: '1.27.3' },
      approvals: { approvers: ['alice'] },
      analysis,
    }),
  );
  return runCli(['plan', '-f', file, '--inventory', inventory, ...(json ? ['--json'] : [])], env);
}

const problemsOf = (stdout: string) =>
  (JSON.parse(stdout) as { problems: { path: string; message: string }[] }).problems;

describe('plan with analysis', () => {
  it('validates the queries and shows the baselines it read, success rate near 1 for every workload', async () => {
    const result = await plan({
      prometheus: { address: prom.url },
      baseline: { window: '30s' },
      checks: [
        { name: 'request-success-rate', min: 0.99, baseline: { maxDecrease: 0.005 } },
        { name: 'request-duration', baseline: { maxIncreasePercent: 20 } },
      ],
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const baselines = (JSON.parse(result.stdout) as { analysis: { baselines: Baseline[] } }).analysis.baselines;
    expect(baselines).toHaveLength(8);
    const reviews = baselines.find((b) => b.check === 'request-success-rate' && b.workload === 'reviews-v2');
    expect(reviews?.value).toBeGreaterThan(0.99);
    expect(reviews?.query).toContain('[30s]');
    const p99 = baselines.find((b) => b.check === 'request-duration' && b.workload === 'reviews-v2');
    expect(p99?.value).toBeGreaterThan(10);
  });

  it('takes the address from PROMETHEUS_URL, and prints the analysis in the text plan', async () => {
    const result = await plan(
      { checks: [{ name: 'request-success-rate', min: 0.99 }] },
      { PROMETHEUS_URL: prom.url },
      false,
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('request-success-rate');
  });
});

describe('a bad analysis spec exits 2 naming the field, before anything is written', () => {
  it('refuses a query Prometheus cannot parse, naming the check', async () => {
    const result = await plan({
      prometheus: { address: prom.url },
      checks: [
        { name: 'request-success-rate', min: 0.99 },
        {
          name: 'broken',
          query: 'sum(rate(istio_requests_total{destination_workload="{{ workload }}"}[{{ interval }}])',
          max: 1,
        },
      ],
    });
    expect(result.exitCode).toBe(2);
    const problems = problemsOf(result.stdout);
    expect(problems.map((problem) => problem.path)).toEqual(['analysis.checks[1].query']);
    expect(problems[0]?.message).toMatch(/^broken: Prometheus refused the query \(bad_data: .*parse error/);
  });

  it('refuses no Prometheus address at all', async () => {
    // Empty, so a PROMETHEUS_URL in the shell running the tests cannot stand in.
    const result = await plan({ checks: [{ name: 'request-success-rate', min: 0.99 }] }, { PROMETHEUS_URL: '' });
    expect(result.exitCode).toBe(2);
    expect(problemsOf(result.stdout)).toEqual([
      {
        path: 'analysis.prometheus.address',
        message: "no Prometheus address: set it in the spec, or PROMETHEUS_URL here and in the worker's environment",
      },
    ]);
  });

  it('refuses an unknown check and a threshold of the wrong type', async () => {
    const result = await plan(
      {
        prometheus: { address: prom.url },
        checks: [
          { name: 'success-rate', min: 0.99 },
          { name: 'request-duration', max: '500ms' },
        ],
      },
      {},
      false,
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'analysis.checks[0].name: unknown check "success-rate": expected a built-in (request-success-rate, request-duration, tcp-connection-rate) or a query',
    );
    expect(result.stderr).toContain('analysis.checks[1].max: expected a number');
  });
});
