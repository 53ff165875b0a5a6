import { describe, expect, it } from 'vitest';
import { formatProblems, parseSpec } from '../../../core/spec/parse.js';

const base = {
  install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
  version: { target: '1.28.0' },
  approvals: { approvers: ['alice'] },
};

function analysisOf(analysis: unknown) {
  const result = parseSpec({ ...base, analysis });
  if (!result.ok) throw new Error(formatProblems(result.problems));
  return result.spec.analysis;
}

function problems(analysis: unknown): string[] {
  const result = parseSpec({ ...base, analysis });
  if (result.ok) throw new Error('expected the spec to be refused');
  return formatProblems(result.problems).split('\n');
}

describe('the analysis spec', () => {
  it("fills in Argo's defaults: 3 measurements a minute apart, no failure or inconclusive tolerated, a 10m baseline", () => {
    const analysis = analysisOf({ checks: [{ name: 'request-success-rate', min: 0.99 }] });
    expect(analysis).toEqual({
      prometheus: {},
      interval: 60,
      count: 3,
      failureLimit: 0,
      inconclusiveLimit: 0,
      initialDelay: 0,
      baseline: { window: 600 },
      checks: [{ name: 'request-success-rate', min: 0.99, noData: 'inconclusive', dryRun: false }],
    });
  });

  it('reads durations, a baseline rule in points and in percent, and a custom query with placeholders', () => {
    const analysis = analysisOf({
      prometheus: { address: 'http://prometheus.monitoring:9090' },
      interval: '30s',
      count: 5,
      failureLimit: 1,
      initialDelay: '1m',
      baseline: { window: '15m' },
      checks: [
        { name: 'request-success-rate', baseline: { maxDecrease: 0.005 } },
        { name: 'request-duration', max: 500, baseline: { maxIncreasePercent: 20 } },
        {
          name: 'errors',
          query: 'sum(rate(app_errors{namespace="{{ namespace }}",app="{{workload}}"}[{{ interval }}]))',
          max: 1,
          dryRun: true,
          noData: 'pass',
        },
      ],
    });
    expect(analysis?.interval).toBe(30);
    expect(analysis?.initialDelay).toBe(60);
    expect(analysis?.baseline.window).toBe(900);
    expect(analysis?.checks.map((check) => check.name)).toEqual(['request-success-rate', 'request-duration', 'errors']);
  });

  it('refuses an unknown check, naming it and the built-ins', () => {
    expect(problems({ checks: [{ name: 'success-rate', min: 0.99 }] })).toEqual([
      'analysis.checks[0].name: unknown check "success-rate": expected a built-in (request-success-rate, request-duration, tcp-connection-rate) or a query',
    ]);
  });

  it('refuses a threshold of the wrong type, naming the field', () => {
    expect(problems({ checks: [{ name: 'request-success-rate', min: '0.99' }] })).toEqual([
      'analysis.checks[0].min: expected a number',
    ]);
  });

  it('refuses a check with neither threshold nor baseline rule, an empty rule, and an unknown placeholder', () => {
    expect(
      problems({
        checks: [
          { name: 'request-success-rate' },
          { name: 'request-duration', baseline: {} },
          { name: 'custom', query: 'up{job="{{ job }}"}', min: 1 },
        ],
      }),
    ).toEqual([
      'analysis.checks[0]: expected a threshold (min, max) or a baseline rule, or both',
      'analysis.checks[1].baseline: expected at least one of maxDecrease, maxIncrease, maxDecreasePercent, maxIncreasePercent',
      'analysis.checks[2].query: unknown placeholder {{ job }}: expected {{ namespace }}, {{ workload }}, {{ interval }}',
    ]);
  });

  it('refuses a bad duration, credentials in the address and unknown fields', () => {
    expect(
      problems({
        prometheus: { address: 'http://admin:hunter2@prometheus:9090' },
        interval: 'soon',
        checks: [
          { name: 'request-success-rate', min: 0.99 },
          { name: 'request-duration', max: 1, treshold: 3 },
        ],
      }),
    ).toEqual([
      'analysis.prometheus.address: expected no credentials in the address: the worker reads them from PROMETHEUS_BEARER_TOKEN or PROMETHEUS_USERNAME/PROMETHEUS_PASSWORD',
      'analysis.interval: expected a duration like "30s", "1m" or "10m"',
      'analysis.checks[1].treshold: unknown field',
    ]);
  });

  it('refuses duplicate check names', () => {
    expect(
      problems({
        checks: [
          { name: 'request-success-rate', min: 0.99 },
          { name: 'request-success-rate', max: 1 },
        ],
      }),
    ).toEqual(['analysis.checks[1].name: "request-success-rate" is already a check: names must be unique']);
  });
});
