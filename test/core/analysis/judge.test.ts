import { describe, expect, it } from 'vitest';
import { renderQuery, resolveCheck } from '../../../core/analysis/checks.js';
import type { AnalysisCheck } from '../../../core/analysis/checks.js';
import { judge } from '../../../core/analysis/judge.js';

const check = (overrides: Partial<AnalysisCheck>): AnalysisCheck => ({
  ...resolveCheck({ name: 'request-success-rate', noData: 'inconclusive', dryRun: false }),
  ...overrides,
});

describe('rendering a check for a workload', () => {
  it("renders Flagger's success rate for the workload over the interval, from sidecars or waypoints", () => {
    const query = renderQuery(check({}), { namespace: 'bookinfo', workload: 'reviews-v2' }, 60);
    expect(query).toBe(
      'sum(rate(istio_requests_total{reporter=~"destination|waypoint",destination_workload_namespace="bookinfo",destination_workload="reviews-v2",response_code!~"5.*"}[1m])) / sum(rate(istio_requests_total{reporter=~"destination|waypoint",destination_workload_namespace="bookinfo",destination_workload="reviews-v2"}[1m]))',
    );
  });

  it('renders p99 from the duration histogram, and a custom query with every placeholder', () => {
    const duration = resolveCheck({ name: 'request-duration', max: 500, noData: 'inconclusive', dryRun: false });
    expect(renderQuery(duration, { namespace: 'shop', workload: 'cart' }, 600)).toBe(
      'histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter=~"destination|waypoint",destination_workload_namespace="shop",destination_workload="cart"}[10m])) by (le))',
    );
    const custom = resolveCheck({
      name: 'errors',
      query: 'sum(rate(app_errors{ns="{{namespace}}",app="{{ workload }}"}[{{ interval }}]))',
      max: 1,
      noData: 'inconclusive',
      dryRun: false,
    });
    expect(custom.layer).toBe('L7');
    expect(renderQuery(custom, { namespace: 'shop', workload: 'cart' }, 90)).toBe(
      'sum(rate(app_errors{ns="shop",app="cart"}[1m30s]))',
    );
  });
});

describe('judging one value', () => {
  it('passes a value within the threshold and fails one below min, naming value and bound', () => {
    expect(judge(check({ min: 0.99 }), 0.995, null)).toEqual({
      verdict: 'Successful',
      rule: 'min 0.99',
      reason: '0.995 within min 0.99',
    });
    expect(judge(check({ min: 0.99 }), 0.91, null)).toMatchObject({ verdict: 'Failed', reason: '0.91 < min 0.99' });
    expect(judge(check({ max: 500 }), 843.25, null)).toMatchObject({ verdict: 'Failed', reason: '843.3 > max 500' });
  });

  it('says "at most 0.5 points lower" as maxDecrease 0.005 and fails beyond it, naming value and baseline', () => {
    const rule = check({ baseline: { maxDecrease: 0.005 } });
    expect(judge(rule, 0.996, 0.999).verdict).toBe('Successful');
    expect(judge(rule, 0.91, 0.999)).toEqual({
      verdict: 'Failed',
      rule: 'at most 0.005 below baseline',
      reason: '0.91 is 0.089 below baseline 0.999 (allowed: 0.005 below, down to 0.994)',
    });
  });

  it('says "p99 at most 20 % higher" as maxIncreasePercent 20: 900 ms over a baseline of 80 fails while max 1000 would pass', () => {
    const rule = check({ max: 1000, baseline: { maxIncreasePercent: 20 } });
    expect(judge(rule, 95, 80).verdict).toBe('Successful');
    expect(judge(rule, 900, 80)).toEqual({
      verdict: 'Failed',
      rule: 'max 1000; at most 20 % above baseline',
      reason: '900 is 820 above baseline 80 (+1025 %) (allowed: 20 % above, up to 96)',
    });
  });

  it('never passes silently: no data is Inconclusive unless noData says otherwise, and so is a baseline rule without a baseline', () => {
    expect(judge(check({ min: 0.99 }), null, null)).toMatchObject({
      verdict: 'Inconclusive',
      reason: 'no data (noData: inconclusive)',
    });
    expect(judge(check({ min: 0.99, noData: 'fail' }), null, null).verdict).toBe('Failed');
    expect(judge(check({ min: 0.99, noData: 'pass' }), null, null).verdict).toBe('Successful');
    expect(judge(check({ baseline: { maxDecrease: 0.005 } }), 0.99, null)).toMatchObject({
      verdict: 'Inconclusive',
      reason: '0.99, but no baseline to compare with (the baseline window had no data)',
    });
  });
});
