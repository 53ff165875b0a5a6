/**
 * `status` shows the analysis: the baselines read, the latest run at each point with its phase,
 * and per check the latest value of each workload against its baseline, failing ones first.
 */
import { describe, expect, it } from 'vitest';
import type { AnalysisRun } from '../../../core/analysis/measurement.js';
import { renderStatus } from '../../../client/render/status.js';
import { analysisUpgradeStatus, FIXTURE_NOW } from '../fixtures/analysis-upgrade.js';

const ID = 'istio-upgrade-prod-eu-1';

function section(text: string): string {
  const start = text.indexOf('\nAnalysis: ');
  const end = text.indexOf('\n  waiting: ', start);
  expect(start).toBeGreaterThan(-1);
  return text.slice(start, end === -1 ? undefined : end);
}

function rowsOf(text: string, check: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`  ${check}: `));
  expect(start, `no block for ${check}`).toBeGreaterThan(-1);
  const rows: string[] = [];
  // The block's header line, then its rows up to the blank line that ends it.
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('    ') || line.startsWith('    and ')) break;
    rows.push(line.trim());
  }
  return rows;
}

describe('status: the analysis section', () => {
  it('names the failed check, its workload, value and baseline first, above the passing ones', () => {
    const text = section(renderStatus(ID, analysisUpgradeStatus(), FIXTURE_NOW));
    expect(text).toContain('Analysis: 3 runs, ');
    expect(text).toContain('baselines: 12 read (window ending 02:00:15Z)');
    const rows = rowsOf(text, 'request-success-rate');
    expect(rows[0]).toMatch(/^bookinfo\/reviews-v2\s+0\.912\s+0\.9983\s+Failed\s+02:12:00Z\s+0\.912 < min 0\.99$/);
    expect(rows.slice(1).every((row) => /\sSuccessful\s/.test(row))).toBe(true);
    expect(rows).toHaveLength(6);
    // Checks whose failure was acted on come before the dry run's.
    expect(text.indexOf('  request-success-rate: min 0.99')).toBeLessThan(text.indexOf('  upstream-resets: max 0.002'));
    expect(text.indexOf('  request-duration: max 500')).toBeLessThan(text.indexOf('  upstream-resets: max 0.002'));
  });

  it('shows only the latest run at each point, with its phase and why it ended', () => {
    const text = section(renderStatus(ID, analysisUpgradeStatus(), FIXTURE_NOW));
    expect(text).toMatch(/soak\s+Successful\s+soak:control-plane@1\.27\.3\s+02:02:30Z-02:07:00Z\s+90 measurements/);
    expect(text).toMatch(
      /after restarts\s+Failed\s+restart:bookinfo\/reviews-v3@1\.27\.3\s+02:11:30Z-02:12:00Z\s+request-success-rate of bookinfo\/reviews-v2: 0\.912 < min 0\.99 \(baseline 0\.9983\)/,
    );
    // The first batch's run passed earlier; the later run at the same point replaces it.
    expect(text).not.toContain('restart:bookinfo/ratings-v1@1.27.3');
  });

  it('fails a p99 on its baseline rule although it is far under the fixed max', () => {
    const rows = rowsOf(section(renderStatus(ID, analysisUpgradeStatus(), FIXTURE_NOW)), 'request-duration');
    expect(rows[0]).toMatch(
      /^bookinfo\/reviews-v3\s+131\.4\s+85\s+Failed\s+02:12:00Z\s+131\.4 is 46\.4 above baseline 85 .*up to 102\)$/,
    );
  });

  it('marks a dry-run check as recorded, not acted on', () => {
    const text = section(renderStatus(ID, analysisUpgradeStatus(), FIXTURE_NOW));
    expect(text).toContain('  upstream-resets: max 0.002 (dry run: recorded, not acted on)');
    const rows = rowsOf(text, 'upstream-resets');
    expect(rows[0]).toMatch(/^bookinfo\/reviews-v2\s+0\.0031\s+-\s+Failed\s+02:12:00Z\s+0\.0031 > max 0\.002$/);
  });

  it('says "no data" for an empty result, after the failed and before the passing ones', () => {
    const status = analysisUpgradeStatus();
    const runs = status.analysis?.runs ?? [];
    const soak = runs[0] as AnalysisRun;
    const late = '2026-12-05T02:12:30Z';
    const running: AnalysisRun = {
      ...soak,
      id: 'analysis:before-removal#1',
      stepId: 'remove-revision:1-26-4',
      point: 'before-removal',
      phase: 'Running',
      startedAt: '2026-12-05T02:12:20Z',
      endedAt: null,
      summary: null,
      measurements: [
        {
          ...(soak.measurements[1] as AnalysisRun['measurements'][number]),
          check: 'request-duration',
          workload: 'details-v1',
          value: null,
          verdict: 'Inconclusive',
          reason: 'no data (noData: inconclusive)',
          at: late,
        },
      ],
    };
    status.analysis?.runs.push(running);
    status.analysis?.baselines.push({
      ...(status.analysis.baselines[0] as NonNullable<typeof status.analysis>['baselines'][number]),
      workload: 'ratings-v2',
      value: null,
    });
    const text = section(renderStatus(ID, status, FIXTURE_NOW));
    expect(text).toMatch(/before removal\s+Running\s+remove-revision:1-26-4\s+since 02:12:20Z\s+1 measurement$/m);
    const rows = rowsOf(text, 'request-duration');
    expect(rows[0]).toMatch(/^bookinfo\/reviews-v3\s.*Failed/);
    expect(rows[1]).toMatch(
      /^bookinfo\/details-v1\s+no data\s+\S+\s+Inconclusive\s+02:12:30Z\s+no data \(noData: inconclusive\)$/,
    );
    expect(text).toContain(
      'without data, so their baseline rules cannot judge: request-success-rate bookinfo/ratings-v2',
    );
  });

  it('keeps many workloads short: the worst first, the rest counted by verdict', () => {
    const text = section(renderStatus(ID, analysisUpgradeStatus({ extraWorkloads: 60 }), FIXTURE_NOW));
    const rows = rowsOf(text, 'request-success-rate');
    expect(rows).toHaveLength(6);
    expect(rows[0]).toMatch(/^bookinfo\/reviews-v2\s.*Failed/);
    expect(text).toContain('    and 60 more: 60 Successful (`status --json` has every measurement)');
  });

  it('has no analysis section for an upgrade without analysis', () => {
    const status = analysisUpgradeStatus();
    delete status.analysis;
    expect(renderStatus(ID, status, FIXTURE_NOW)).not.toContain('\nAnalysis: ');
  });
});
