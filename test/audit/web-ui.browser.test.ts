/**
 * The Temporal Web UI as the audit console, in a real browser (Debian's Chromium driven by
 * playwright-core): a dev server with its UI, the real upgrade workflow and activities on a
 * simulated cluster, the operator's CLI as real processes. The canary pauses at its second gate;
 * the browser finds it by its search attributes, reads where it stands and who approved the first
 * gate, approves the second through the UI's own Signal dialog, and sees it go on. Then the same
 * browser opens the CLI's HTML report and finds nothing to complain about.
 *
 * Screenshots of each step land in test-artifacts/web-ui/ (git-ignored); docs/web-ui-gate.png in
 * the README is one of them.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { TypedSearchAttributes } from '@temporalio/common';
import type { Browser, Page } from 'playwright-core';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDevServer, type DevServer } from '../../scripts/dev-server.js';
import { projectRoot } from '../../scripts/tools.js';
import { PAUSED_SEARCH_PHASE } from '../../core/vocabulary.js';
import { statusQuery, type GateAnswer } from '../../workflows/messages.js';
import { istioTargetVersionKey, meshClusterKey, upgradePhaseKey } from '../../workflows/search-attributes.js';
import type { upgrade } from '../../workflows/upgrade.js';
import type { SimCluster } from '../activities/support/sim.js';
import { runCli } from '../support/cli.js';
import { answerGates, runWorker, startSimCluster } from '../workflows/support/upgrade-harness.js';
import { collectProblems, launchChromium } from './support/chromium.js';

const ARTIFACTS = join(projectRoot, 'test-artifacts', 'web-ui');
const TARGET = '1.27.3';
const FIRST_GATE = `gate:before-control-plane@${TARGET}`;
const SECOND_GATE = `gate:namespace:bookinfo@${TARGET}`;
const THIRD_GATE = `gate:default-tag@${TARGET}`;

let server: DevServer;
let ui: string;
let env: TestWorkflowEnvironment;
let cluster: SimCluster;
let browser: Browser;

/** Waits for a condition the test cannot be told about (a gate opening, visibility catching up). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 120_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // The browser first: a machine without Chromium fails here, naming the command that installs it.
  browser = await launchChromium();
  server = await startDevServer({ uiPort: await freePort() });
  ui = server.uiAddress ?? '';
  // The frontend answers before the UI's HTTP server does.
  await until('the Web UI to answer', () =>
    fetch(ui).then(
      (r) => (r.ok ? true : undefined),
      () => undefined,
    ),
  );
  [env, cluster] = await Promise.all([
    TestWorkflowEnvironment.createFromExistingServer({ address: server.address }),
    startSimCluster('sidecarIstioctl'),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([env?.teardown(), cluster?.stop()]);
  await server?.stop();
});

describe('auditing an upgrade in the Temporal Web UI', () => {
  const name = `ui-${randomUUID().slice(0, 8)}`;
  const workflowId = `istio-upgrade-${name}`;
  let cliEnv: Record<string, string>;

  it('finds the paused canary by its search attributes, shows its details and the first approver, and the Signal dialog approves the next gate', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(60_000);

    const spec = parseYaml(readFileSync(join(projectRoot, 'examples/demo-istioctl-canary.yaml'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    const specFile = join(ARTIFACTS, `${name}.yaml`);
    writeFileSync(
      specFile,
      stringifyYaml({
        ...spec,
        cluster: { ...spec.cluster, name },
        timers: { soakAfterControlPlane: '1s', graceBeforeRevisionRemoval: '1s' },
      }),
    );

    await runWorker(env, cluster, async (taskQueue) => {
      cliEnv = {
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: 'default',
        ISTIO_UPGRADE_TASK_QUEUE: taskQueue,
        ISTIO_UPGRADE_USER: 'carol',
        TEMPORAL_UI_URL: ui,
      };
      const started = await runCli(
        ['start', '-f', specFile, '--kubeconfig', cluster.sim.kubeconfigPath, '--json'],
        cliEnv,
      );
      expect(started.stderr).toBe('');
      const { webUi } = JSON.parse(started.stdout) as { webUi: string };
      expect(webUi).toBe(`${ui}/namespaces/default/workflows/${workflowId}`);
      const handle = env.client.workflow.getHandle<typeof upgrade>(workflowId);
      const status = () => handle.query(statusQuery);
      const pending = (gate: string) =>
        until(`gate ${gate}`, async () =>
          (await status()).pendingGates.some((g) => g.id === gate) ? true : undefined,
        );

      // Another upgrade of the same cluster that is not waiting for anyone (it never runs): the
      // search below must leave it out.
      const decoyId = `decoy-${randomUUID().slice(0, 8)}`;
      const decoy = await env.client.workflow.start('upgrade', {
        taskQueue: `nobody-${randomUUID()}`,
        workflowId: decoyId,
        args: [{ spec: {}, initiator: 'nobody' }],
        typedSearchAttributes: new TypedSearchAttributes([
          { key: meshClusterKey, value: name },
          { key: upgradePhaseKey, value: 'workloads' },
          { key: istioTargetVersionKey, value: TARGET },
        ]),
      });

      // The first gate is approved from the CLI by alice: the UI must show her in the history.
      await pending(FIRST_GATE);
      const approved = await runCli(
        ['approve', workflowId, FIRST_GATE, '--as', 'alice', '--comment', 'precheck clean'],
        cliEnv,
      );
      expect(approved.stdout).toMatch(new RegExp(`^gate "${FIRST_GATE}" approved by alice`));
      await pending(SECOND_GATE);

      const query = `MeshCluster = "${name}" AND UpgradePhase = "${PAUSED_SEARCH_PHASE}" AND PendingGate = "${SECOND_GATE}" AND IstioTargetVersion = "${TARGET}"`;
      // Visibility is eventually consistent: search in the UI once the server lists the upgrade.
      await until('the paused upgrade in visibility', async () =>
        (await env.client.workflow.count(query)).count === 1 ? true : undefined,
      );

      // 1. The list: both upgrades, then only the paused one once the query is entered.
      await page.goto(`${ui}/namespaces/default/workflows`);
      await page.getByRole('link', { name: decoyId, exact: true }).waitFor();
      await page.getByRole('link', { name: workflowId, exact: true }).waitFor();
      await page.getByTestId('toggle-manual-query').click();
      const search = page.getByPlaceholder('Enter a query');
      await search.fill(query);
      await search.press('Enter');
      await page.getByRole('link', { name: decoyId, exact: true }).waitFor({ state: 'detached' });
      await page.getByRole('link', { name: workflowId, exact: true }).waitFor();
      expect(new URL(page.url()).searchParams.get('query')).toBe(query);
      await shot(page, '01-search-by-attributes');

      // 2. The upgrade's details, as the workflow publishes them: phase, progress, the gate.
      await page.getByRole('link', { name: workflowId, exact: true }).click();
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      const details = page.frameLocator('#user-metadata-current-details');
      await details.locator('code', { hasText: SECOND_GATE }).waitFor();
      const detailsText = await details.locator('body').innerText();
      // The Summary and Details panels (their own output frames) show what start set, fixed for the upgrade's life.
      const panels = page.locator('iframe[title="output"]');
      const panelTexts: string[] = [];
      for (let i = 0; i < (await panels.count()); i += 1)
        panelTexts.push(await page.frameLocator('iframe[title="output"]').nth(i).locator('body').innerText());
      expect(panelTexts.join('\n')).toContain(`Istio 1.26.4 → ${TARGET} on `);
      expect(panelTexts.join('\n')).toMatch(/started by carol/);
      expect(detailsText).toMatch(/phase: workloads \(awaiting-approval\)/);
      expect(detailsText).toMatch(/progress: 0\D6 deployments/); // the UI renders 0/6 with a fraction slash
      expect(detailsText).toContain(
        `waiting for approval of ${SECOND_GATE}: move bookinfo to 1-27-3 and restart its workloads`,
      );
      await shot(page, '02-current-details');

      // 3. The history: each activity's summary, and who approved the first gate (the decide Update's payload).
      await page.getByRole('tab', { name: /Event History/ }).click();
      const rows = page.getByTestId('event-summary-row');
      await rows
        .filter({ hasText: 'Activity Task Scheduled' })
        .filter({ hasText: `istioctl install revision 1-27-3 (${TARGET})` })
        .waitFor();
      await rows
        .filter({ hasText: 'Timer Started' })
        .filter({ hasText: `soak 1s: let istiod ${TARGET} soak` })
        .waitFor();
      await rows.filter({ hasText: 'Workflow Execution Update Completed' }).filter({ hasText: FIRST_GATE }).click();
      const firstDecision = page
        .getByTestId('event-summary-row-expanded')
        .filter({ hasText: `"gateId": "${FIRST_GATE}"` })
        .filter({ hasText: '"outcome": "approved"' });
      await firstDecision
        .filter({ hasText: '"by": "alice"' })
        .filter({ hasText: '"comment": "precheck clean"' })
        .first()
        .waitFor();
      await shot(page, '03-first-approver-in-history');

      // The whole status board, from the Queries tab (the workflow's queries are offered by name).
      await page.getByRole('tab', { name: 'Queries' }).click();
      await page.getByTestId('query-select-button').click();
      await page.getByRole('option', { name: 'status', exact: true }).click();
      await page.getByRole('button', { name: 'Run Query' }).click();
      // The result's first lines: the editor draws only what is on screen.
      for (const line of [
        '"phase": "workloads"',
        '"pause": "awaiting-approval"',
        `"cluster": "${name}"`,
        '"initiator": "carol"',
        `"target": "${TARGET}"`,
      ]) {
        await page.getByText(line).first().waitFor();
      }

      // 4. The UI's own Signal dialog: the workflow's signals are offered by name; the payload names the approver.
      await page.getByRole('button', { name: 'More Actions' }).click();
      await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
      const dialog = page.getByRole('dialog', { name: 'Send a Signal' });
      await dialog
        .getByRole('button', { name: /Signal name|Select a signal/ })
        .first()
        .click();
      await dialog.getByRole('option', { name: 'approve', exact: true }).click();
      const answer: GateAnswer = {
        gateId: SECOND_GATE,
        by: 'bob',
        requestId: `ui-${randomUUID()}`,
        comment: 'approved in the Web UI',
      };
      // Already formatted: the editor reformats JSON when it loses focus, and the reflow would
      // move the Submit button away from under the click.
      await dialog.getByRole('textbox', { name: 'Data' }).fill(JSON.stringify(answer, null, 2));
      await shot(page, '04-signal-dialog');
      await dialog.getByRole('button', { name: 'Submit' }).click();
      await dialog.waitFor({ state: 'hidden' });

      // 5. It goes on: bookinfo moves and restarts, and the next gate opens.
      await pending(THIRD_GATE);
      const after = await status();
      expect(after.decisions.find((d) => d.gateId === SECOND_GATE)).toMatchObject({
        outcome: 'approved',
        via: 'signal',
        by: 'bob',
        requestId: answer.requestId,
        comment: answer.comment,
      });
      expect(after.refused).toEqual([]);
      expect(after.progress).toEqual({ restarted: 6, total: 6 });

      await page.reload();
      await page.getByRole('tab', { name: /Event History/ }).click();
      // As an auditor does once restarts have filled the history: only signals and child workflows.
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('menuitem', { name: 'None' }).click();
      await page.getByRole('menuitem', { name: /^Signal/ }).click();
      await page.getByRole('menuitem', { name: /^Child Workflow/ }).click();
      await page.keyboard.press('Escape');
      await rows.filter({ hasText: 'Workflow Execution Signaled' }).filter({ hasText: 'approve' }).click();
      await page
        .getByTestId('event-summary-row-expanded')
        .filter({ hasText: `"gateId": "${SECOND_GATE}"` })
        .filter({ hasText: '"by": "bob"' })
        .first()
        .waitFor();
      await rows
        .filter({ hasText: 'Start Child Workflow Execution Initiated' })
        .filter({ hasText: 'restart bookinfo/reviews-v2' })
        .first()
        .waitFor();
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      await details.locator('code', { hasText: THIRD_GATE }).waitFor();
      expect(await details.locator('body').innerText()).toMatch(/progress: 6\D6 deployments/);
      await shot(page, '05-gone-on-to-the-next-gate');

      // The link `start` printed opens the same upgrade.
      await page.goto(webUi);
      await page.getByRole('heading', { name: workflowId }).waitFor();
      await page.getByRole('tab', { name: /Event History/ }).waitFor();

      await decoy.terminate('decoy for the Web UI search');
      const result = await answerGates(handle);
      expect(result.outcome).toBe('completed');
    });
    await page.close();
  }, 480_000);

  it('opens the HTML report of that upgrade with no console errors, naming both approvers', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const problems = collectProblems(page);
    const out = join(ARTIFACTS, `${workflowId}.html`);
    const report = await runCli(['report', workflowId, '--out', out], cliEnv);
    expect(report.stderr).toBe('');
    expect(report.exitCode).toBe(0);

    await page.goto(pathToFileURL(out).href);
    await page.getByRole('heading', { name: `${workflowId} completed` }).waitFor();
    const decisions = page.getByRole('row');
    await decisions
      .filter({ hasText: FIRST_GATE })
      .filter({ hasText: 'alice' })
      .filter({ hasText: 'update' })
      .first()
      .waitFor();
    await decisions
      .filter({ hasText: SECOND_GATE })
      .filter({ hasText: 'bob' })
      .filter({ hasText: 'signal' })
      .first()
      .waitFor();
    await page.screenshot({ path: join(ARTIFACTS, '06-report.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
