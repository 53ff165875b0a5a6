/**
 * An operator's session, command by command, as real processes: the real upgrade workflow on the
 * dev server, its real activities on the simulated cluster. The canary from 1.26.4 to 1.27.3 is
 * started, watched to each gate, paused and resumed, approved to the end, listed, reported and
 * rolled back.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import { startCluster } from '../activities/support/sim.js';
import { toolsFolder } from '../activities/support/tools.js';
import type { SimCluster } from '../activities/support/sim.js';
import { operatorCli } from '../support/cli.js';
import { devServerEnv } from '../support/temporal.js';
import { withWorker } from '../support/worker.js';

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
let dir: string;
beforeAll(async () => {
  [env, cluster, dir] = await Promise.all([
    devServerEnv(),
    startCluster('sidecarIstioctl', { timeScale: 60 }),
    mkdtemp(join(tmpdir(), 'cli-upgrade-')),
  ]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

type StatusJson = UpgradeStatus & { workflowId: string; execution: string };

describe('an operator drives the demo canary with istio-upgrade', () => {
  it('starts, watches to each gate, pauses and resumes, approves to the end, lists, reports and rolls back', async () => {
    const name = `cli-${randomUUID().slice(0, 8)}`;
    const spec = join(dir, 'canary.yaml');
    const demo = await readFile('examples/demo-istioctl-canary.yaml', 'utf8');
    await writeFile(spec, demo.replace('  context: sim', `  context: sim\n  name: ${name}`));
    const activities = createActivities({
      kubeConfig: cluster.kubeConfig,
      tools: {
        kubeconfigPath: cluster.sim.kubeconfigPath,
        searchPath: [toolsFolder({ 'istioctl-1.26': 'istioctl', 'istioctl-1.27': 'istioctl' })],
      },
    });

    await withWorker(env, { workflowsPath: 'workflows/index.ts', activities }, async ({ taskQueue }) => {
      const cli = operatorCli(taskQueue, 'carol');

      const started = await cli('start', '-f', spec, '--kubeconfig', cluster.sim.kubeconfigPath, '--json');
      expect(started.stderr).toBe('');
      expect(started.exitCode).toBe(0);
      const { workflowId, initiator, target, webUi } = JSON.parse(started.stdout) as {
        workflowId: string;
        initiator: string;
        target: string;
        webUi: string;
      };
      expect(workflowId).toBe(`istio-upgrade-${name}`);
      expect(initiator).toBe('carol');
      expect(target).toBe('1.27.3');
      expect(webUi).toMatch(new RegExp(`/namespaces/default/workflows/${workflowId}$`));
      // The Web UI's Summary and Details of the upgrade, set once at start.
      const meta = await env.client.workflow.getHandle(workflowId).describe();
      expect(await meta.staticSummary()).toBe(
        `Istio 1.26.4 → 1.27.3 on ${name} (revision, istioctl, sidecar), started by carol`,
      );
      expect(await meta.staticDetails()).toMatch(
        /started by \*\*carol\*\*; \d+ steps, [1-9]\d* approval gates, 6 workload restarts\n- revision default → 1-27-3\n- prechecks overridden: none/,
      );

      // Watch stops at the first gate and prints the exact command that answers it.
      const watched = await cli('watch', workflowId);
      expect(watched.exitCode).toBe(0);
      expect(watched.stdout).toMatch(/^\d\d:\d\d:\d\d watching istio-upgrade-cli-/);
      expect(watched.stdout).toMatch(/waiting for a human: gate "[^"]+": .*install revision 1-27-3/);
      expect(watched.stdout).toContain(`npx istio-upgrade approve ${workflowId} `);

      const paused = await cli('pause', workflowId, '--as', 'alice', '--comment', 'lunch');
      expect(paused.exitCode).toBe(0);
      expect(paused.stdout).toMatch(/^pause accepted from alice at /);
      const held = JSON.parse((await cli('status', workflowId, '--json')).stdout) as StatusJson;
      expect(held.held).toBe(true);
      expect((await cli('resume', workflowId, '--as', 'alice')).exitCode).toBe(0);

      // Each gate in turn: status names it, approve answers it, watch goes on to the next.
      const gates: string[] = [];
      for (let round = 0; round < 40; round += 1) {
        const status = JSON.parse((await cli('status', workflowId, '--json')).stdout) as StatusJson;
        if (status.outcome !== null) break;
        const gate = status.pendingGates[0];
        if (gate === undefined && status.timer !== null) {
          const skipped = await cli('skip-soak', workflowId, '--as', 'alice', '--comment', 'test does not wait');
          expect(skipped.stdout).toMatch(/^skipSoak accepted from alice/);
          continue;
        }
        if (gate === undefined) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        const approved = await cli(
          'approve',
          workflowId,
          gate.id,
          '--as',
          'alice',
          '--comment',
          `looks fine at ${gate.id}`,
        );
        expect(approved.stdout).toMatch(new RegExp(`^gate "${gate.id}" approved by alice at `));
        gates.push(gate.id);
      }
      expect(gates.length).toBeGreaterThanOrEqual(4);

      const done = await cli('status', workflowId);
      expect(done.exitCode).toBe(0);
      expect(done.stdout).toContain(`${workflowId}: upgrade 1.26.4 -> 1.27.3 on ${name}`);
      expect(done.stdout).toMatch(/\[x\] +\d+\. Restart bookinfo\/reviews-v2/);
      expect(done.stdout).toContain('Restarts: [########################] 6/6 deployments');
      expect(done.stdout).toContain('Outcome: completed');
      const bookinfo = await cluster.clients.core.readNamespace({ name: 'bookinfo' });
      expect(bookinfo.metadata?.labels?.['istio.io/rev']).toBe('1-27-3');

      const listed = await cli('list', '--cluster', name, '--json');
      expect(listed.exitCode).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual([
        expect.objectContaining({ workflowId, type: 'upgrade', status: 'COMPLETED', cluster: name, target: '1.27.3' }),
      ]);
      const table = await cli('list', '--cluster', name);
      expect(table.stdout.split('\n')[0]).toMatch(/^ID +TYPE +STATUS +PHASE/);

      const out = join(dir, 'report.html');
      const reported = await cli('report', workflowId, '--out', out);
      expect(reported.exitCode).toBe(0);
      expect(reported.stdout.trim()).toBe(`report written to ${out}`);
      const html = await readFile(out, 'utf8');
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).not.toMatch(/<script|<link|src="http/); // self-contained
      expect(html).toContain(`looks fine at ${gates[0] ?? ''}`);
      expect(html).toContain('bookinfo/reviews-v2');
      expect(html).toMatch(/class="outcome"[^>]*>completed</);

      const rolledBack = await cli(
        'rollback',
        workflowId,
        '--as',
        'alice',
        '--reason',
        'drill',
        '--kubeconfig',
        cluster.sim.kubeconfigPath,
      );
      expect(rolledBack.stderr).toBe('');
      expect(rolledBack.exitCode).toBe(0);
      expect(rolledBack.stdout).toMatch(/Rollback plan for .*: Istio 1\.27\.3 -> 1\.26\.4/);
      expect(rolledBack.stdout).toContain(`Started ${workflowId}-rollback, requested by alice`);
      // The upgrade ran to its cleanup, so the old revision is gone: the rollback workflow refuses (exit 3) and changes nothing.
      const rollback = await cli('watch', `${workflowId}-rollback`, '--interval', '0.5');
      expect(rollback.stdout).toMatch(/outcome: refused \(\w+: .+\)/);
      expect(rollback.exitCode).toBe(3);
      const unchanged = await cluster.clients.core.readNamespace({ name: 'bookinfo' });
      expect(unchanged.metadata?.labels?.['istio.io/rev']).toBe('1-27-3');
    });
  }, 300_000);
});
