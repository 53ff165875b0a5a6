/**
 * The operator controls of a running upgrade as real processes: extend-soak, abort, retry, skip
 * and `rollback` of a running upgrade, each spawned with real arguments against the shared dev
 * server, a worker with the real activities and a fresh simulated cluster per test. Exit codes
 * and output are asserted, `status --json` is parsed. The watch view is also run in a
 * pseudo-terminal, where it redraws instead of printing one line per change.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { SpecInput } from '../../core/spec/schema.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import type { SimCluster } from '../activities/support/sim.js';
import { operatorCli, operatorEnv, runCliInTerminal } from '../support/cli.js';
import type { CliResult } from '../support/cli.js';
import { APPROVERS, e2eSuite, meshState, runWorker } from '../workflows/support/upgrade-harness.js';

const suite = e2eSuite();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-controls-'));
});

type Cli = (...args: string[]) => Promise<CliResult>;
type StatusJson = UpgradeStatus & { workflowId: string; execution: string };

const GATE_CONTROL_PLANE = 'gate:before-control-plane@1.27.3';
const GATE_BOOKINFO = 'gate:namespace:bookinfo@1.27.3';
const GATE_DEFAULT_TAG = 'gate:default-tag@1.27.3';
const SOAK = 'soak:control-plane@1.27.3';

/** The demo canary on a cluster name of its own (so its workflow id is new), short timers unless the test needs a soak. */
async function specFile(extra: Partial<SpecInput> = {}): Promise<{ path: string; workflowId: string }> {
  const name = `ctl-${randomUUID().slice(0, 8)}`;
  const spec: SpecInput = {
    cluster: { context: 'sim', name },
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.27.3' },
    scope: { namespaces: ['bookinfo'] },
    approvals: { approvers: APPROVERS },
    ...extra,
    timers: { soakAfterControlPlane: '1s', graceBeforeRevisionRemoval: '1s', ...extra.timers },
  };
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, stringify(spec));
  return { path, workflowId: `istio-upgrade-${name}` };
}

async function start(cli: Cli, cluster: SimCluster, spec: { path: string; workflowId: string }): Promise<string> {
  const started = await cli('start', '-f', spec.path, '--kubeconfig', cluster.sim.kubeconfigPath, '--json');
  expect(started.stderr).toBe('');
  expect(started.exitCode).toBe(0);
  expect((JSON.parse(started.stdout) as { workflowId: string }).workflowId).toBe(spec.workflowId);
  return spec.workflowId;
}

async function status(cli: Cli, workflowId: string): Promise<StatusJson> {
  const shown = await cli('status', workflowId, '--json');
  expect(shown.stderr).toBe('');
  expect(shown.exitCode).toBe(0);
  return JSON.parse(shown.stdout) as StatusJson;
}

/** Polls `status --json` (a process each time, as a script would) until the upgrade is where the test needs it. */
async function until(
  cli: Cli,
  workflowId: string,
  what: string,
  ok: (status: StatusJson) => boolean,
): Promise<StatusJson> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const now = await status(cli, workflowId);
    if (ok(now)) return now;
    if (now.outcome !== null || Date.now() > deadline) {
      throw new Error(
        `gave up waiting for ${what}: ${JSON.stringify({ current: now.current, gates: now.pendingGates.map((g) => g.id), outcome: now.outcome, failure: now.failure })}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** `watch` returns when the upgrade waits for a human (exit 0) or ends (its outcome's exit code). */
async function watchUntilHuman(cli: Cli, workflowId: string): Promise<CliResult> {
  const watched = await cli('watch', workflowId, '--interval', '0.5');
  expect(watched.stderr).toBe('');
  return watched;
}

async function approve(cli: Cli, workflowId: string, gateId: string, by: string): Promise<void> {
  const pending = await until(cli, workflowId, `gate ${gateId}`, (s) => s.pendingGates.some((g) => g.id === gateId));
  expect(pending.outcome).toBeNull();
  const approved = await cli('approve', workflowId, gateId, '--as', by);
  expect(approved.stderr).toBe('');
  expect(approved.exitCode).toBe(0);
  expect(approved.stdout).toMatch(new RegExp(`^gate "${gateId}" approved by ${by} at `));
}

const bookinfoLabels = async (cluster: SimCluster) =>
  (await cluster.clients.core.readNamespace({ name: 'bookinfo' })).metadata?.labels ?? {};

describe('operator controls of a running upgrade, as istio-upgrade processes', () => {
  it('extend-soak moves the end of the running soak and records who; watch redraws in a terminal through the soak to the next gate', async () => {
    const cluster = await suite.fresh();
    await runWorker(suite.env, cluster, async (taskQueue) => {
      const cli = operatorCli(taskQueue, 'carol');
      const workflowId = await start(cli, cluster, await specFile({ timers: { soakAfterControlPlane: '1h' } }));
      await approve(cli, workflowId, GATE_CONTROL_PLANE, 'alice');
      const soaking = await until(cli, workflowId, 'the soak', (s) => s.timer !== null);
      expect(soaking.timer?.stepId).toBe(SOAK);
      expect(soaking.pause).toBe('soaking');
      const endsAt = Date.parse(soaking.timer?.endsAt ?? '');

      const badDuration = await cli('extend-soak', workflowId, 'a while', '--as', 'bob');
      expect(badDuration.exitCode).toBe(2);
      expect(badDuration.stderr).toContain('<duration>: expected a duration like "10m" or "1h30m", got "a while"');
      const notApprover = await cli('extend-soak', workflowId, '10m', '--as', 'mallory');
      expect(notApprover.exitCode).toBe(2);
      expect(notApprover.stderr).toMatch(/^error: refused: .*not an approver/);

      const extended = await cli(
        'extend-soak',
        workflowId,
        '30m',
        '--as',
        'bob',
        '--comment',
        'error rate still settling',
      );
      expect(extended.stderr).toBe('');
      expect(extended.exitCode).toBe(0);
      expect(extended.stdout).toMatch(
        new RegExp(`^extendSoak \\(\\+30m\\) accepted from bob at \\S+ on step ${SOAK}$`),
      );

      const later = await until(
        cli,
        workflowId,
        'the later end of the soak',
        (s) => s.timer !== null && s.timer.endsAt !== soaking.timer?.endsAt,
      );
      expect(later.timer?.stepId).toBe(SOAK);
      expect(Date.parse(later.timer?.endsAt ?? '') - endsAt).toBe(30 * 60_000);
      expect(later.controls).toEqual([
        expect.objectContaining({
          action: 'extendSoak',
          by: 'bob',
          seconds: 1800,
          comment: 'error rate still settling',
          stepId: SOAK,
        }),
      ]);
      const readable = await cli('status', workflowId);
      expect(readable.exitCode).toBe(0);
      expect(readable.stdout).toMatch(
        new RegExp(`extendSoak by bob on ${SOAK} \\(\\+30m\\): error rate still settling`),
      );
      expect(readable.stdout).toContain(`Timer: `);

      // In a terminal, watch redraws the whole view in place while the soak runs, and returns once the
      // next gate waits for a human: the soak is skipped from "another terminal" meanwhile.
      const terminal = runCliInTerminal(['watch', workflowId, '--interval', '0.5'], operatorEnv(taskQueue, 'carol'));
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        const onData = (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.split('\x1b[H\x1b[J').length > 2 && seen.includes('Timer: ')) {
            terminal.stdout.off('data', onData);
            resolve(); // two screens drawn during the soak
          }
        };
        terminal.stdout.on('data', onData);
        void terminal.then((ended) =>
          reject(
            new Error(`watch ended during the soak (exit ${String(ended.exitCode)}): ${ended.stdout}${ended.stderr}`),
          ),
        );
      });
      const skipped = await cli('skip-soak', workflowId, '--as', 'alice', '--comment', 'soaked in staging');
      expect(skipped.exitCode).toBe(0);
      expect(skipped.stdout).toMatch(/^skipSoak accepted from alice at /);
      const watched = await terminal;
      expect(watched.exitCode).toBe(0);
      const screens = watched.stdout.split('\x1b[H\x1b[J').slice(1);
      expect(screens.length).toBeGreaterThanOrEqual(2);
      expect(watched.stdout).not.toMatch(/^\d\d:\d\d:\d\d watching /m); // not the one-line-per-change log
      expect(screens[0]).toMatch(
        new RegExp(
          `^${workflowId}: upgrade 1\\.26\\.4 -> 1\\.27\\.3 on ctl-\\w+ \\[istioctl, sidecar, revision\\]: soak \\(soaking\\)\\r?\\n`,
        ),
      );
      expect(screens[0]).toContain(`Timer: let istiod 1.27.3 soak before any proxy moves to it, `);
      expect(screens[0]).toMatch(new RegExp(`, 1h(29m\\d+s|30m) left \\(ends ${later.timer?.endsAt ?? '?'}\\)`)); // the 1h soak plus 30m
      const last = screens.at(-1) ?? '';
      expect(last).toContain(`waiting: gate "${GATE_BOOKINFO}"`);
      expect(last).toContain(`npx istio-upgrade approve ${workflowId} ${GATE_BOOKINFO} --as <you>`);
      expect(last).toContain('(Ctrl-C stops watching; the upgrade goes on)');
      expect(last).not.toContain('Timer: ');

      await suite.env.client.workflow.getHandle(workflowId).terminate('the test is done with this upgrade');
    });
  }, 180_000);

  it('abort at a gate: the command answers at once (exit 0), the compensation runs, the outcome is rolled-back and bookinfo is labelled as before', async () => {
    const cluster = await suite.fresh();
    const before = meshState(cluster);
    const labelsBefore = await bookinfoLabels(cluster);
    await runWorker(suite.env, cluster, async (taskQueue) => {
      const cli = operatorCli(taskQueue, 'carol');
      const workflowId = await start(cli, cluster, await specFile());
      await approve(cli, workflowId, GATE_CONTROL_PLANE, 'alice');
      await approve(cli, workflowId, GATE_BOOKINFO, 'bob');
      await until(cli, workflowId, 'the default-tag gate', (s) =>
        s.pendingGates.some((g) => g.id === GATE_DEFAULT_TAG),
      );
      expect((await bookinfoLabels(cluster))['istio.io/rev']).toBe('1-27-3');

      const aborted = await cli('abort', workflowId, '--comment', 'error budget burned');
      expect(aborted.stderr).toBe('');
      expect(aborted.exitCode).toBe(0);
      expect(aborted.stdout).toMatch(new RegExp(`^abort accepted from carol at \\S+ on step ${GATE_DEFAULT_TAG}$`));
      const again = await cli('abort', workflowId, '--as', 'alice');
      if (again.exitCode === 0) throw new Error(`a second abort was accepted: ${again.stdout}`);
      expect(again.exitCode).toBe(2);
      expect(again.stderr).toMatch(/refused: an abort was already accepted from carol|has ended/);

      const watched = await watchUntilHuman(cli, workflowId);
      expect(watched.stdout).toContain('abort by carol: error budget burned');
      expect(watched.stdout).toMatch(/outcome: rolled-back \(Aborted: aborted by carol: error budget burned\)/);
      expect(watched.exitCode).toBe(1); // the upgrade was rolled back

      const ended = await status(cli, workflowId);
      expect(ended.execution).toBe('COMPLETED');
      expect(ended.outcome).toBe('rolled-back');
      expect(ended.failure).toEqual({ type: 'Aborted', message: 'aborted by carol: error budget burned' });
      expect(ended.controls).toEqual([
        expect.objectContaining({ action: 'abort', by: 'carol', comment: 'error budget burned' }),
      ]);
      expect(ended.rollback?.length).toBeGreaterThan(0);
      expect(ended.rollback?.filter((step) => step.state !== 'done')).toEqual([]);

      const late = await cli('abort', workflowId);
      expect(late.exitCode).toBe(2);
      expect(late.stderr).toMatch(/has ended \(completed\): there is nothing to control/);
    });
    expect(await bookinfoLabels(cluster)).toEqual(labelsBefore);
    expect(meshState(cluster)).toEqual(before);
  }, 180_000);

  it('retry after a deployment test failed once: the test runs again, passes, and the upgrade completes', async () => {
    const cluster = await suite.fresh();
    const marker = join(await mkdtemp(join(tmpdir(), 'flaky-')), 'ran-once');
    const flaky = { command: { argv: ['sh', '-c', `test -f ${marker} || { touch ${marker}; exit 1; }`] } };
    await runWorker(suite.env, cluster, async (taskQueue) => {
      const cli = operatorCli(taskQueue, 'carol');
      const gates = {
        perNamespace: false,
        beforeRemovingOldRevision: false,
        beforeControlPlane: false,
        beforeDefaultTag: false,
      };
      const workflowId = await start(cli, cluster, await specFile({ tests: { 'bookinfo/ratings-v1': flaky }, gates }));

      const atFailure = await watchUntilHuman(cli, workflowId);
      expect(atFailure.exitCode).toBe(0);
      expect(atFailure.stdout).toMatch(/waiting for a human: gate "[^"]+": .*ratings-v1.* failed \(TestFailed: /);
      expect(atFailure.stdout).toContain(`npx istio-upgrade retry ${workflowId} --as <you>`);
      const failed = await status(cli, workflowId);
      const gate = failed.pendingGates.find((g) => g.kind === 'failure');
      expect(gate?.stepId).toBe('restart:bookinfo/ratings-v1@1.27.3');

      const retried = await cli('retry', workflowId, '--as', 'alice', '--comment', 'the test was flaky');
      expect(retried.stderr).toBe('');
      expect(retried.exitCode).toBe(0);
      expect(retried.stdout).toMatch(
        /^retry accepted from alice at \S+ on step restart:bookinfo\/ratings-v1@1\.27\.3$/,
      );
      const twice = await cli('retry', workflowId, '--as', 'bob');
      expect(twice.exitCode).toBe(2);
      expect(twice.stderr).toMatch(/refused: no failed step is waiting for a decision|has ended/);

      const done = await watchUntilHuman(cli, workflowId);
      expect(done.stdout).toContain('outcome: completed');
      expect(done.exitCode).toBe(0);
      const ended = await status(cli, workflowId);
      expect(ended.outcome).toBe('completed');
      expect(ended.workloads.find((w) => w.name === 'ratings-v1')).toMatchObject({
        state: 'done',
        attempts: 2,
        test: { passed: true },
      });
      expect(ended.decisions.find((d) => d.gateId === gate?.id)).toMatchObject({
        outcome: 'approved',
        by: 'alice',
        comment: 'retry: the test was flaky',
      });
    });
    expect((await bookinfoLabels(cluster))['istio.io/rev']).toBe('1-27-3');
  }, 180_000);

  it('skip --comment after a deployment test failed: the deployment is left as it is and the upgrade goes on to the end', async () => {
    const cluster = await suite.fresh();
    const failing = { command: { argv: ['sh', '-c', 'echo "reviews returned 503" >&2; exit 1'] } };
    await runWorker(suite.env, cluster, async (taskQueue) => {
      const cli = operatorCli(taskQueue, 'carol');
      const gates = {
        perNamespace: false,
        beforeRemovingOldRevision: false,
        beforeControlPlane: false,
        beforeDefaultTag: false,
      };
      const workflowId = await start(
        cli,
        cluster,
        await specFile({ tests: { 'bookinfo/ratings-v1': failing }, gates }),
      );

      const atFailure = await watchUntilHuman(cli, workflowId);
      expect(atFailure.exitCode).toBe(0);
      expect(atFailure.stdout).toContain(`npx istio-upgrade skip ${workflowId} --as <you> --comment "why"`);

      const noComment = await cli('skip', workflowId, '--as', 'alice');
      expect(noComment.exitCode).toBe(2);
      expect(noComment.stderr).toContain("required option '--comment <text>' not specified");
      const notApprover = await cli('skip', workflowId, '--as', 'mallory', '--comment', 'ship it');
      expect(notApprover.exitCode).toBe(2);
      expect(notApprover.stderr).toMatch(/^error: refused: .*not an approver/);

      const skipped = await cli('skip', workflowId, '--as', 'bob', '--comment', 'known flaky test, tracked in MESH-42');
      expect(skipped.stderr).toBe('');
      expect(skipped.exitCode).toBe(0);
      expect(skipped.stdout).toMatch(/^skip accepted from bob at \S+ on step restart:bookinfo\/ratings-v1@1\.27\.3$/);

      const done = await watchUntilHuman(cli, workflowId);
      expect(done.stdout).toContain('skip by bob: known flaky test, tracked in MESH-42');
      expect(done.stdout).toMatch(/outcome: completed/);
      expect(done.exitCode).toBe(0);
      const ended = await status(cli, workflowId);
      expect(ended.outcome).toBe('completed');
      expect(ended.steps.find((s) => s.id === 'restart:bookinfo/ratings-v1@1.27.3')).toMatchObject({
        state: 'skipped',
        note: 'left as it is after TestFailed',
      });
      expect(ended.workloads.find((w) => w.name === 'ratings-v1')).toMatchObject({ state: 'skipped' });
      expect(ended.workloads.filter((w) => w.name !== 'ratings-v1').every((w) => w.state === 'done')).toBe(true);
      expect(ended.controls).toEqual([
        expect.objectContaining({ action: 'skip', by: 'bob', comment: 'known flaky test, tracked in MESH-42' }),
      ]);
    });
  }, 180_000);

  it('rollback <id> of a running upgrade prints the rollback plan, then aborts it and its compensation puts the mesh back', async () => {
    const cluster = await suite.fresh();
    const before = meshState(cluster);
    const labelsBefore = await bookinfoLabels(cluster);
    await runWorker(suite.env, cluster, async (taskQueue) => {
      const cli = operatorCli(taskQueue, 'carol');
      const workflowId = await start(cli, cluster, await specFile());
      await approve(cli, workflowId, GATE_CONTROL_PLANE, 'alice');
      await approve(cli, workflowId, GATE_BOOKINFO, 'bob');
      await until(cli, workflowId, 'the default-tag gate', (s) =>
        s.pendingGates.some((g) => g.id === GATE_DEFAULT_TAG),
      );

      const rolledBack = await cli(
        'rollback',
        workflowId,
        '--as',
        'alice',
        '--reason',
        'latency regression on reviews',
        '--kubeconfig',
        cluster.sim.kubeconfigPath,
      );
      expect(rolledBack.stderr).toBe('');
      expect(rolledBack.exitCode).toBe(0);
      const [plan = '', after = ''] = rolledBack.stdout.split(`\nRolling back ${workflowId} `);
      expect(plan).toMatch(/Rollback plan for .*: Istio 1\.27\.3 -> 1\.26\.4/);
      expect(plan).toContain('bookinfo');
      expect(after).toMatch(
        /^\(aborted by alice at \S+\): the running step is cancelled and the compensation runs\.\n {2}next: npx istio-upgrade watch /,
      );
      expect(after).toMatch(new RegExp(`npx istio-upgrade watch ${workflowId}$`));

      const watched = await watchUntilHuman(cli, workflowId);
      expect(watched.stdout).toMatch(
        /outcome: rolled-back \(Aborted: aborted by alice: latency regression on reviews\)/,
      );
      expect(watched.exitCode).toBe(1);
      const ended = await status(cli, workflowId);
      expect(ended.outcome).toBe('rolled-back');
      expect(ended.controls).toEqual([
        expect.objectContaining({ action: 'abort', by: 'alice', comment: 'latency regression on reviews' }),
      ]);
      expect(ended.rollback?.map((step) => step.kind)).toContain('remove-old-revision');
      expect(ended.rollback?.filter((step) => step.state !== 'done')).toEqual([]);

      // Rolled back already: a second rollback is refused and starts no rollback workflow.
      const again = await cli('rollback', workflowId, '--as', 'alice', '--kubeconfig', cluster.sim.kubeconfigPath);
      expect(again.exitCode).toBe(2);
      expect(again.stderr).toContain(`upgrade "${workflowId}" was already rolled back`);
    });
    expect(await bookinfoLabels(cluster)).toEqual(labelsBefore);
    expect(meshState(cluster)).toEqual(before);
  }, 180_000);
});
