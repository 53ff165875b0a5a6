/**
 * The report's analysis: one chart per check over the upgrade (well-formed inline SVG with a line
 * per workload, the threshold and baselines as lines, the steps marked where they started, the
 * measurements that did not pass marked by verdict), and every measurement with its query below.
 */
import { describe, expect, it } from 'vitest';
import type { Journal } from '../../../client/render/history.js';
import { renderReport } from '../../../client/render/report.js';
import { assertWellFormedXml } from '../../support/well-formed-xml.js';
import { analysisUpgradeStatus, FIXTURE_NOW, FIXTURE_START } from '../fixtures/analysis-upgrade.js';

const journal: Journal = {
  startedAt: FIXTURE_START,
  endedAt: null,
  closed: null,
  spans: [],
  messages: [],
  events: 412,
};

function report(status = analysisUpgradeStatus()): string {
  return renderReport({
    workflowId: 'istio-upgrade-prod-eu-1',
    execution: 'RUNNING',
    status,
    journal,
    now: FIXTURE_NOW,
  });
}

function chartOf(html: string, check: string): string {
  const start = html.indexOf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-check="${check}"`);
  expect(start, `no chart for ${check}`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</svg>', start) + '</svg>'.length);
}

const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;

describe('report: the analysis charts', () => {
  it('draws one well-formed SVG per check, with no script and nothing fetched', () => {
    const html = report();
    const charts = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((match) => match[0]);
    expect(charts.map((svg) => /data-check="([^"]+)"/.exec(svg)?.[1])).toEqual([
      'request-success-rate',
      'request-duration',
      'upstream-resets',
    ]);
    for (const svg of charts) expect(assertWellFormedXml(svg)[0]).toBe('svg');
    expect(html).not.toMatch(/<script|\bsrc=|url\(|@import|<link/i);
  });

  it('draws a line per workload and run through each of its measurements, with its baseline', () => {
    const svg = chartOf(report(), 'request-success-rate');
    // Five during the soak, then three (first batch) or one (second batch) after its restart; a
    // run's points are joined, the unmeasured time between runs is not.
    for (const [workload, lines] of [
      ['productpage-v1', [5, 3]],
      ['ratings-v1', [5, 3]],
      ['reviews-v2', [5]],
    ] as const) {
      const series = new RegExp(
        `<g class="series" data-series="bookinfo/${workload}" data-points="(\\d+)">(.*?)</g>`,
      ).exec(svg);
      const points = lines.reduce((sum, n) => sum + n, 0) + (workload === 'reviews-v2' ? 1 : 0);
      expect(series?.[1]).toBe(String(points));
      expect(count(series?.[2] ?? '', /<circle /g)).toBe(points);
      expect(
        [...(series?.[2] ?? '').matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1]?.split(' ').length),
      ).toEqual(lines);
    }
    expect(count(svg, /<g class="series" /g)).toBe(6);
    expect(count(svg, /<g class="baseline" /g)).toBe(6);
    expect(svg).toContain('<g class="baseline" data-series="bookinfo/reviews-v2" data-value="0.9983">');
  });

  it('draws the threshold, and marks the failed measurement with its value and baseline', () => {
    const svg = chartOf(report(), 'request-success-rate');
    expect(svg).toMatch(/<g class="threshold" data-bound="min" data-value="0.99"><title>threshold: min 0.99<\/title>/);
    const failed = [...svg.matchAll(/<circle class="verdict" data-verdict="Failed"[^>]*><title>([^<]*)<\/title>/g)];
    expect(failed.map((m) => m[1])).toEqual([
      'Failed: bookinfo/reviews-v2 0.912 (baseline 0.9983) at 2026-12-05T02:12:00.000Z: 0.912 &lt; min 0.99',
    ]);
    // The dry run's failure is drawn hollow: recorded, not acted on.
    expect(chartOf(report(), 'upstream-resets')).toMatch(
      /<circle class="verdict" data-verdict="Failed"[^>]*fill="#ffffff"/,
    );
  });

  it('marks every started step at its start, numbered as status numbers them', () => {
    const status = analysisUpgradeStatus();
    const svg = chartOf(report(status), 'request-duration');
    const marked = [...svg.matchAll(/<g class="step" data-step="([^"]+)"><title>step (\d+): /g)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    const started = status.steps.flatMap((step, index) => (step.startedAt ? [[step.id, index + 1]] : []));
    expect(marked).toEqual(started);
    expect(started).toHaveLength(12);
  });

  it('shows many workloads as the band they span and the worst one', () => {
    const svg = chartOf(report(analysisUpgradeStatus({ extraWorkloads: 60 })), 'request-success-rate');
    expect(svg).toContain('<polygon class="band" points="');
    expect(count(svg, /<g class="series" /g)).toBe(1);
    expect(svg).toContain('<g class="series" data-series="bookinfo/reviews-v2"');
    expect(svg).toContain('>all 66 workloads</text>');
    expect(svg).toContain('>worst: bookinfo/reviews-v2</text>');
    assertWellFormedXml(svg);
  });
});

describe('report: every measurement', () => {
  it('lists each measurement with its query, value, baseline, threshold and verdict', () => {
    const status = analysisUpgradeStatus();
    const html = report(status);
    const total = (status.analysis?.runs ?? []).reduce((sum, run) => sum + run.measurements.length, 0);
    expect(count(html, /<tr class="verdict-/g)).toBe(total);
    expect(html).toMatch(
      /<tr class="verdict-Failed"><td>2026-12-05T02:12:00.000Z<\/td><td>after restarts \(analysis:restart:bookinfo\/reviews-v3@1.27.3#1\)<\/td><td>request-success-rate<\/td><td>bookinfo\/reviews-v2<\/td><td>0.912<\/td><td>0.9983<\/td><td>min 0.99<\/td><td>min 0.99; at most 0.005 below baseline<\/td><td class="verdict">Failed<\/td><td>0.912 &lt; min 0.99<\/td><td><code>sum\(rate\(istio_requests_total\{reporter=~&quot;destination\|waypoint&quot;,destination_workload_namespace=&quot;bookinfo&quot;,destination_workload=&quot;reviews-v2&quot;,response_code!~&quot;5\.\*&quot;\}\[1m\]\)\)/,
    );
    expect(html).toContain('<h3>Baselines (read before the upgrade touched each workload)</h3>');
  });

  it('has no analysis section for an upgrade without analysis', () => {
    const status = analysisUpgradeStatus();
    delete status.analysis;
    expect(report(status)).not.toContain('<h2>Analysis</h2>');
  });
});
