/**
 * Bad inputs to the CLI as real processes against the dev server and the simulated cluster: each
 * exits with the documented code and a message naming the problem and the fix, never a stack
 * trace, and the cluster is never written to.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { upgradeWorkflowId } from '../../workflows/messages.js';
import { pendingGateKey } from '../../workflows/search-attributes.js';
import { startCluster } from '../activities/support/sim.js';
import type { SimCluster } from '../activities/support/sim.js';
import { runCli } from '../support/cli.js';
import { devServerEnv } from '../support/temporal.js';
import { withWorker } from '../support/worker.js';
import type { gatedRunbook } from '../workflows/fixtures/gated-runbook.js';

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
let dir: string;
// A task queue no worker polls: an upgrade started here stays put and no other test sees it.
const taskQueue = `cli-bad-inputs-${randomUUID()}`;

beforeAll(async () => {
  [env, cluster, dir] = await Promise.all([
    devServerEnv(),
    startCluster('sidecarHelm'),
    mkdtemp(join(tmpdir(), 'cli-bad-')),
  ]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});
afterEach(() => {
  expect(cluster.sim.writeLog).toEqual([]);
});

function cli(...args: string[]) {
  return runCli(args, {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    ISTIO_UPGRADE_TASK_QUEUE: taskQueue,
    ISTIO_UPGRADE_USER: 'carol',
  });
}

async function specFile(text: string): Promise<string> {
  const file = join(dir, `spec-${randomUUID()}.yaml`);
  await writeFile(file, text);
  return file;
}

const clusterName = () => `bad-${randomUUID().slice(0, 8)}`;
const canary = (name: string) =>
  `cluster: { name: ${name}, context: sim }\ninstall: { method: helm, mode: sidecar, strategy: in-place }\nversion: { target: 1.26.5 }\napprovals: { approvers: [alice, bob] }\n`;

function expectClean(result: { stderr: string; stdout: string }) {
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack frame
}

describe('istio-upgrade with bad input', () => {
  it('start: a missing spec file exits 2 naming the file', async () => {
    const result = await cli('start', '-f', join(dir, 'missing.yaml'), '--kubeconfig', cluster.sim.kubeconfigPath);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/-f: cannot read .*missing\.yaml: ENOENT/);
    expectClean(result);
  });

  it('start: bad YAML exits 2 naming the line and column', async () => {
    const result = await cli(
      'start',
      '-f',
      await specFile('install: { method: helm\nversion: [\n'),
      '--kubeconfig',
      cluster.sim.kubeconfigPath,
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/spec-.*\.yaml:\d+:\d+: /);
    expectClean(result);
  });

  it('start: an unknown field exits 2 naming its path', async () => {
    const result = await cli(
      'start',
      '-f',
      await specFile(`${canary(clusterName())}restarts: { concurency: 2 }\n`),
      '--kubeconfig',
      cluster.sim.kubeconfigPath,
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('restarts.concurency: unknown field');
  });

  it('start: a bad version exits 2 saying what a version looks like', async () => {
    const result = await cli(
      'start',
      '-f',
      await specFile(canary(clusterName()).replace('1.26.5', '1.27-latest')),
      '--kubeconfig',
      cluster.sim.kubeconfigPath,
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('version.target: expected a version like "1.27.3"');
  });

  it('start: a spec without approvers exits 2 naming approvals.approvers', async () => {
    const result = await cli(
      'start',
      '-f',
      await specFile('install: { method: helm, mode: sidecar, strategy: in-place }\nversion: { target: 1.26.5 }\n'),
      '--kubeconfig',
      cluster.sim.kubeconfigPath,
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('approvals.approvers');
  });

  it('start: a downgrade exits 2 because the planner refuses it', async () => {
    const result = await cli(
      'start',
      '-f',
      await specFile(canary(clusterName()).replace('1.26.5', '1.25.9')),
      '--kubeconfig',
      cluster.sim.kubeconfigPath,
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('the spec cannot be planned on this cluster');
  });

  it('start: a blocking precheck exits 3 with the override to use, and starts nothing', async () => {
    const name = clusterName();
    const file = await specFile(
      canary(name).replace('strategy: in-place', 'strategy: revision').replace('1.26.5', '1.27.3'),
    );
    const result = await cli('start', '-f', file, '--kubeconfig', cluster.sim.kubeconfigPath);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toMatch(/BLOCK \(1\)\n {4}removed-tracing-providers: /);
    expect(result.stderr).toContain('refused: precheck removed-tracing-providers blocks this upgrade');
    expect(result.stderr).toContain('--override-precheck removed-tracing-providers');
    await expect(env.client.workflow.getHandle(upgradeWorkflowId(name)).describe()).rejects.toThrow(/not found/i);
  });

  it('start: overriding a precheck that did not fire exits 2', async () => {
    const result = await cli(
      'start',
      '-f',
      await specFile(canary(clusterName())),
      '--kubeconfig',
      cluster.sim.kubeconfigPath,
      '--override-precheck',
      'native-sidecars',
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--override-precheck: native-sidecars did not block this plan');
  });

  it('start: an unknown kubeconfig context exits 2 naming --context', async () => {
    const result = await cli(
      'start',
      '-f',
      await specFile(canary(clusterName())),
      '--kubeconfig',
      cluster.sim.kubeconfigPath,
      '--context',
      'prod',
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--context: no context "prod" in the kubeconfig');
  });

  it('start: a missing kubeconfig exits 2 naming --kubeconfig', async () => {
    const result = await cli(
      'start',
      '-f',
      await specFile(canary(clusterName())),
      '--kubeconfig',
      join(dir, 'nope.kubeconfig'),
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--kubeconfig: cannot read .*nope\.kubeconfig/);
  });

  it('start: an unreachable cluster exits 1 naming the server', async () => {
    const kubeconfig = join(dir, 'dead.kubeconfig');
    await writeFile(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{ name: dead, cluster: { server: "https://127.0.0.1:9" } }]\nusers: [{ name: u, user: { token: t } }]\ncontexts: [{ name: dead, context: { cluster: dead, user: u } }]\ncurrent-context: dead\n',
    );
    const result = await cli(
      'start',
      '-f',
      await specFile(canary(clusterName()).replace('context: sim', 'context: dead')),
      '--kubeconfig',
      kubeconfig,
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('the cluster is not reachable at https://127.0.0.1:9 (context dead)');
    expectClean(result);
  });

  it('start: Temporal unreachable exits 1 with the command that starts it', async () => {
    const result = await runCli(
      ['start', '-f', await specFile(canary(clusterName())), '--kubeconfig', cluster.sim.kubeconfigPath],
      { TEMPORAL_ADDRESS: '127.0.0.1:9' },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Temporal is not reachable at 127.0.0.1:9: start it with `npm run temporal`');
    expectClean(result);
  });

  it("start: a second upgrade of the same cluster is refused with the running one's id", async () => {
    const name = clusterName();
    const file = await specFile(canary(name));
    const first = await cli('start', '-f', file, '--kubeconfig', cluster.sim.kubeconfigPath);
    expect(first.exitCode).toBe(0);
    const second = await cli('start', '-f', file, '--kubeconfig', cluster.sim.kubeconfigPath);
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toContain(`cluster ${name} already has an upgrade running: istio-upgrade-${name}`);
    await env.client.workflow.getHandle(upgradeWorkflowId(name)).terminate('test done');
  });

  it('status, watch, report, rollback: an unknown id exits 2 with "no upgrade with id"', async () => {
    const commands = ['status', 'watch', 'report', 'rollback', 'pause'];
    const results = await Promise.all(commands.map((command) => cli(command, 'istio-upgrade-nowhere')));
    results.forEach((result, index) => {
      expect(result.exitCode, commands[index]).toBe(2);
      expect(result.stderr, commands[index]).toContain(
        'no upgrade with id "istio-upgrade-nowhere" in namespace default',
      );
    });
  });

  it('approve: a gate that is no longer pending and an outsider are refused with exit 2 and the reason', async () => {
    await withWorker(
      env,
      { workflowsPath: 'test/workflows/fixtures/gated-runbook.ts' },
      async ({ taskQueue: queue }) => {
        const workflowId = `cli-gates-${randomUUID()}`;
        const handle = await env.client.workflow.start<typeof gatedRunbook>('gatedRunbook', {
          taskQueue: queue,
          workflowId,
          args: [
            {
              policy: { approvers: ['alice', 'bob', 'carol'], initiator: 'carol', allowSelfApproval: false },
              gates: [
                { id: 'control-plane', description: 'upgrade istiod' },
                { id: 'cleanup', description: 'remove 1-26' },
              ],
            },
          ],
        });
        // Visibility, not the status query: this waits on what the workflow published, like the Web UI does.
        const opened = async (id: string) => {
          while (!((await handle.describe()).typedSearchAttributes.get(pendingGateKey) ?? []).includes(id))
            await new Promise((r) => setTimeout(r, 100));
        };
        await opened('control-plane');
        expect((await cli('approve', workflowId, 'control-plane', '--as', 'bob')).exitCode).toBe(0);
        await opened('cleanup');

        const again = await cli('approve', workflowId, 'control-plane', '--as', 'alice');
        expect(again.exitCode).toBe(2);
        expect(again.stderr).toMatch(/refused: gate "control-plane" is not pending: it was approved by bob at \d{4}-/);

        const outsider = await cli('approve', workflowId, 'cleanup', '--as', 'mallory');
        expect(outsider.exitCode).toBe(2);
        expect(outsider.stderr).toContain('refused: "mallory" is not an approver of this upgrade');

        const self = await cli('approve', workflowId, 'cleanup');
        expect(self.exitCode).toBe(2);
        expect(self.stderr).toContain('refused: "carol" started this upgrade and may not approve its own gates');

        const unknown = await cli('reject', workflowId, 'no-such-gate', '--as', 'alice');
        expect(unknown.exitCode).toBe(2);
        expect(unknown.stderr).toContain('refused: unknown gate "no-such-gate"; pending: cleanup');
        await handle.terminate('test done');
      },
    );
  });

  it('arguments: unknown option, missing -f, bad duration, bad phase, bad limit each exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['status', 'x', '--bogus'], "unknown option '--bogus'"],
      [['start'], "required option '-f, --file <path>' not specified"],
      [['skip', 'x'], "required option '--comment <text>' not specified"],
      [['extend-soak', 'x', 'ten minutes'], '<duration>: expected a duration like "10m" or "1h30m", got "ten minutes"'],
      [['list', '--phase', 'dancing'], '--phase: expected one of planning,'],
      [['list', '--cluster', "x' OR 1=1"], '--cluster: expected a name'],
      [['list', '--limit', '0'], '--limit: expected a positive whole number'],
      [['watch', 'x', '--interval', 'soon'], '--interval: expected a number of seconds'],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(...args)));
    results.forEach((result, index) => {
      const [args, message] = cases[index] ?? [[], ''];
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
    });
  });

  it('list and approve: Temporal unreachable exits 1, and --debug adds the cause', async () => {
    const plain = await runCli(['list'], { TEMPORAL_ADDRESS: '127.0.0.1:9' });
    expect(plain.exitCode).toBe(1);
    expect(plain.stderr.trim()).toBe(
      'error: Temporal is not reachable at 127.0.0.1:9: start it with `npm run temporal` (or set TEMPORAL_ADDRESS)',
    );
    const debug = await runCli(['approve', 'x', 'g', '--as', 'alice', '--debug'], { TEMPORAL_ADDRESS: '127.0.0.1:9' });
    expect(debug.exitCode).toBe(1);
    expect(debug.stderr).toContain('Failed to connect before the deadline');
  });
});
