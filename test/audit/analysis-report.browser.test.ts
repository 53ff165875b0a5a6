/**
 * The report's analysis charts in a real browser (Debian's Chromium driven by playwright-core):
 * the page loads with nothing to complain about (no request, no error), Chromium's own XML parser
 * accepts every chart as SVG, and each chart is drawn at a readable size. Screenshots of the
 * section and of each chart land in test-artifacts/analysis-report/ (git-ignored);
 * docs/analysis-report.png in the README is the request-success-rate one, from this fixture.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../client/render/report.js';
import { projectRoot } from '../../scripts/tools.js';
import { analysisUpgradeStatus, FIXTURE_NOW, FIXTURE_START } from '../client/fixtures/analysis-upgrade.js';
import { collectProblems, launchChromium } from './support/chromium.js';

const ARTIFACTS = join(projectRoot, 'test-artifacts', 'analysis-report');

let browser: Browser;
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

interface ChartFacts {
  check: string | null;
  parseError: string | null;
  root: string;
  width: number;
  height: number;
  series: number;
  steps: number;
  thresholds: number;
}

/**
 * Run in the page (a string: the project compiles without the DOM's types). Each chart's markup
 * goes through the browser's strict XML parser, which reports what the HTML parser would repair.
 */
const CHART_FACTS = `[...document.querySelectorAll('svg.chart')].map((svg) => {
  const parsed = new DOMParser().parseFromString(svg.outerHTML, 'image/svg+xml');
  const box = svg.getBoundingClientRect();
  return {
    check: svg.getAttribute('data-check'),
    parseError: parsed.querySelector('parsererror')?.textContent ?? null,
    root: parsed.documentElement.nodeName,
    width: box.width,
    height: box.height,
    series: svg.querySelectorAll('g.series').length,
    steps: svg.querySelectorAll('g.step').length,
    thresholds: svg.querySelectorAll('g.threshold').length,
  };
})`;

function writeReport(name: string, extraWorkloads = 0): string {
  const html = renderReport({
    workflowId: 'istio-upgrade-prod-eu-1',
    execution: 'RUNNING',
    status: analysisUpgradeStatus({ extraWorkloads }),
    journal: { startedAt: FIXTURE_START, endedAt: null, closed: null, spans: [], messages: [], events: 412 },
    now: FIXTURE_NOW,
  });
  const path = join(ARTIFACTS, `${name}.html`);
  writeFileSync(path, html);
  return path;
}

describe('the analysis charts in Chromium', () => {
  it.each([
    ['bookinfo', 0],
    ['many-workloads', 60],
  ] as const)('renders the %s report: every chart parses as SVG and is drawn', async (name, extra) => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 2 });
    const problems = collectProblems(page);
    try {
      await page.goto(pathToFileURL(writeReport(name, extra)).href);
      const charts = await page.evaluate<ChartFacts[]>(CHART_FACTS);
      expect(charts.map((c) => c.check)).toEqual(['request-success-rate', 'request-duration', 'upstream-resets']);
      for (const chart of charts) {
        expect(chart.parseError, chart.check ?? '').toBeNull();
        expect(chart.root).toBe('svg');
        expect(chart.width).toBeGreaterThan(900);
        expect(chart.height).toBeGreaterThan(200);
        expect(chart.steps).toBe(12);
        expect(chart.thresholds).toBe(1);
        expect(chart.series).toBe(extra === 0 ? 6 : 1);
      }
      for (const check of ['request-success-rate', 'request-duration', 'upstream-resets'])
        await page
          .locator(`section.check[data-check="${check}"]`)
          .screenshot({ path: join(ARTIFACTS, `${name}-${check}.png`) });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
