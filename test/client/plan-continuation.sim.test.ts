/**
 * `plan` as a real process against a simulated cluster left partial by an upgrade: the new
 * revision 1-27-3 runs beside the revision-less 1.26.4, `shop` moved for good, `bookinfo` was
 * reverted (annotated, back on istio-injection=enabled) and in the unlabelled `legacy` the
 * pinned `billing` was reverted alone. The plan continues that upgrade and names it; it reads
 * only.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClients, mergePatch } from '../../activities/kubernetes/clients.js';
import { REVERTED_ANNOTATION } from '../../core/labels.js';
import { startSim, type Sim } from '../../sim/index.js';
import { runCli } from '../support/cli.js';

const SPEC = `install: { method: helm, mode: sidecar, strategy: revision }
version: { target: 1.27.3 }
tests: { bookinfo: { command: { argv: [/bin/true] } } }
onFailure: { default: gate, namespaces: { bookinfo: revert } }
approvals: { approvers: [alice, bob] }
`;

let sim: Sim;
let dir: string;
beforeAll(async () => {
  sim = await startSim({
    scenario: {
      name: 'partial-canary',
      timing: { podReadySeconds: 1, jobRunSeconds: 1 },
      nodes: 1,
      istio: {
        installer: 'helm',
        version: '1.26.4',
        revisions: [{ name: '1-27-3', version: '1.27.3' }],
        gateways: [{ name: 'istio-ingress', namespace: 'istio-ingress' }],
      },
      namespaces: [
        { name: 'bookinfo', labels: { 'istio-injection': 'enabled' }, deployments: [{ name: 'reviews-v2' }] },
        { name: 'shop', labels: { 'istio.io/rev': '1-27-3' }, deployments: [{ name: 'cart' }] },
        {
          name: 'legacy',
          deployments: [
            { name: 'billing', podLabels: { 'istio.io/rev': 'default' } },
            { name: 'batch', podLabels: { 'istio.io/rev': '1-27-3' } },
          ],
        },
      ],
    },
    timeScale: 20,
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sim.kubeconfigPath);
  const clients = createKubeClients(kubeConfig);
  // What part 1's revert leaves behind: the marks on the namespace and on the pinned workload.
  const mark = (reason: string) => ({
    [REVERTED_ANNOTATION]: JSON.stringify({
      upgrade: 'istio-upgrade-sim',
      from: '1-27-3',
      to: 'default',
      reason,
      at: '2026-12-04T21:10:00.000Z',
    }),
  });
  await clients.core.patchNamespace(
    { name: 'bookinfo', body: { metadata: { annotations: mark('alice: reviews-v2 fails its smoke test') } } },
    mergePatch,
  );
  await clients.apps.patchNamespacedDeployment(
    { namespace: 'legacy', name: 'billing', body: { metadata: { annotations: mark('bob: billing times out') } } },
    mergePatch,
  );
  dir = await mkdtemp(join(tmpdir(), 'plan-continuation-'));
});
afterAll(async () => {
  await sim?.stop();
});

describe('istio-upgrade plan of a partial upgrade', () => {
  it('continues istio-upgrade-sim: names what was reverted and why, installs nothing, ends with the cleanup, writes nothing', async () => {
    const writesBefore = sim.writeLog.length;
    const file = join(dir, 'spec.yaml');
    await writeFile(file, SPEC);
    const result = await runCli(['plan', '-f', file, '--kubeconfig', sim.kubeconfigPath]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const out = result.stdout;
    expect(out).toContain('Istio 1.26.4 -> 1.27.3');
    expect(out).toContain(
      'continues the partial upgrade istio-upgrade-sim: namespace bookinfo reverted because alice: reviews-v2 fails its smoke test (2026-12-04T21:10:00.000Z); workload legacy/billing reverted because bob: billing times out (2026-12-04T21:10:00.000Z)',
    );
    expect(out).not.toMatch(/Install istiod revision|Upgrade Helm release istio-base|let istiod/);
    expect(out).not.toMatch(/shop|legacy\/batch/);
    expect(out).toMatch(
      /Move namespace bookinfo from default to revision 1-27-3 \(label istio\.io\/rev=1-27-3, remove istio-injection\)/,
    );
    expect(out).toContain(
      'Set istio.io/rev=1-27-3 on the pod template of legacy/billing (pinned by its pod label), restart it',
    );
    expect(out).toMatch(/Move the default revision .* from default to 1-27-3/);
    expect(out).toMatch(/Remove revision default \(1\.26\.4\) with helm once no proxy or tag uses it\./);
    expect(out).toContain('On a failed workload test or analysis (onFailure):');
    expect(out).toMatch(
      / {2}bookinfo: revert at once, then go on\n {4}a revert covers namespace bookinfo alone: its label goes back to istio-injection=enabled \(removing istio.io\/rev\)/,
    );
    expect(out).toMatch(/ {2}legacy\/billing: gate .*\n {4}a revert covers only legacy\/billing/);
    expect(sim.writeLog.length).toBe(writesBefore);
  });

  it('carries the continuation and the revert units in --json', async () => {
    const file = join(dir, 'spec-json.yaml');
    await writeFile(file, SPEC);
    const result = await runCli(['plan', '-f', file, '--kubeconfig', sim.kubeconfigPath, '--json']);
    expect(result.exitCode).toBe(0);
    const plan = JSON.parse(result.stdout) as {
      continues: { upgrade: string; reverted: { namespace: string; workload: string | null }[] };
      reverts: { namespace: string; workload: string | null; onFailure: string }[];
      steps: { kind: string }[];
    };
    expect(plan.continues.upgrade).toBe('istio-upgrade-sim');
    expect(plan.continues.reverted.map((entry) => [entry.namespace, entry.workload])).toEqual([
      ['bookinfo', null],
      ['legacy', 'billing'],
    ]);
    expect(plan.reverts.map((unit) => [unit.namespace, unit.workload, unit.onFailure])).toEqual([
      ['bookinfo', null, 'revert'],
      ['legacy', 'billing', 'gate'],
    ]);
    expect(plan.steps.map((step) => step.kind)).not.toContain('install-revision');
  });

  it('exits 2 naming the field when onFailure has a bad value, before reading anything', async () => {
    const file = join(dir, 'spec-bad.yaml');
    await writeFile(file, SPEC.replace('bookinfo: revert', 'bookinfo: undo'));
    const result = await runCli(['plan', '-f', file, '--kubeconfig', sim.kubeconfigPath]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('onFailure.namespaces.bookinfo: expected gate, revert or rollback');
  });
});
