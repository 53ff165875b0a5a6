/**
 * `plan`: the rendering, the exit codes and the inventory it asks for, with a fixture cluster
 * injected; then the real process with a saved inventory.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { describe, expect, it } from 'vitest';
import { runPlan } from '../../client/commands/plan.js';
import type { PlanDeps } from '../../client/commands/plan.js';
import type { InventorySource } from '../../client/cluster.js';
import type { Inventory } from '../../core/inventory.js';
import { projectRoot } from '../../scripts/tools.js';
import { cluster } from '../core/fixtures/cluster.js';

const example = join(projectRoot, 'examples/bookinfo-helm-revision.yaml');

function harness(inventory: Inventory, files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const reads: InventorySource[] = [];
  const deps: PlanDeps = {
    readInventory: (source) => {
      reads.push(source);
      return Promise.resolve(inventory);
    },
    readText: async (path) => files[path] ?? (await import('node:fs/promises')).readFile(path, 'utf8'),
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  };
  return { deps, out, err, reads };
}

describe('istio-upgrade plan', () => {
  it('prints the numbered canary plan for bookinfo with gates and timers visible, and exits 0', async () => {
    const run = harness(cluster());
    expect(await runPlan({ file: example }, run.deps)).toBe(0);
    expect(run.reads).toEqual([{ context: 'kind-mesh', controlPlaneNamespace: 'istio-system' }]);
    const text = run.out.join('\n');
    expect(text).toContain('Upgrade plan for prod-eu-1: Istio 1.27.3 -> 1.28.0');
    expect(text).toContain('helm, sidecar, revision-based (default -> 1-28-0); restarts one at a time');
    expect(text).toMatch(
      /^ {3}2\. \[GATE 1d\] Gate: wait for alice or bob \(not the initiator\) to approve: install revision 1-28-0/m,
    );
    expect(text).toMatch(
      /^ {3}3\. Upgrade Helm release istio-base \(CRDs, validating webhook\) in istio-system from 1.27.3 to 1.28.0, keeping defaultRevision default\.$/m,
    );
    expect(text).toMatch(/^ {3}5\. \[TIMER 10m\] Wait 10m: let istiod 1.28.0 soak/m);
    expect(text).toMatch(
      /^ +8\. Restart bookinfo\/reviews-v2 and check its proxies run 1.28.0 from 1-28-0, then run its HTTP test\.$/m,
    );
    expect(text).toMatch(
      /^ +12\. \[GATE 1d\] Gate: wait for alice or bob \(not the initiator\) to approve: make 1-28-0 the default revision/m,
    );
    expect(text.indexOf('reviews-v2')).toBeLessThan(text.indexOf('Restart bookinfo/ratings-v1'));
    expect(text).toContain(
      'Rollback (no gates, no timers; undoes only what is done):\n  stopped before step 6:\n    a. Remove revision 1-28-0 (1.28.0) with helm',
    );
    expect(text).toContain(
      '    a. Remove tag default so the revision-less istiod is the default revision again (from 1-28-0).',
    );
    expect(text).toContain(
      '  after step 18 no rollback is planned: revision default is gone; going back to 1.27.3 is a new installation',
    );
    expect(text).toContain('Precheck findings:\n  none');
    expect(text).toContain('Ready: no precheck blocks this plan.');
  });

  it('lets --context override the spec and exits 3 with findings grouped by severity when a precheck blocks', async () => {
    const inventory = cluster({ version: '1.26.4' });
    inventory.controlPlane.revisions[0]!.meshConfig!.extensionProviders = [{ name: 'ls', kind: 'lightstep' }];
    inventory.webhooks.push({
      kind: 'mutating',
      name: 'vault-agent-injector',
      istio: false,
      targetsPods: true,
      services: [],
    });
    const spec =
      'install: { method: helm, mode: sidecar, strategy: revision }\nversion: { target: 1.27.3 }\napprovals: { approvers: [alice, bob] }\n';
    const run = harness(inventory, { '/specs/up.yaml': spec });
    expect(await runPlan({ file: '/specs/up.yaml', context: 'other' }, run.deps)).toBe(3);
    expect(run.reads[0]?.context).toBe('other');
    const text = run.out.join('\n');
    expect(text.indexOf('  BLOCK (1)\n    removed-tracing-providers:')).toBeGreaterThan(0);
    expect(text.indexOf('  WARN (1)\n    native-sidecars:')).toBeGreaterThan(text.indexOf('BLOCK (1)'));
    expect(text).toContain('      evidence: MutatingWebhookConfiguration/vault-agent-injector');
    expect(text).toContain('Refused: 1 blocking precheck finding(s).');
  });

  it('exits 2 naming each invalid field and never reads the cluster', async () => {
    const run = harness(cluster(), {
      '/specs/bad.yaml':
        'install: { method: helm, mode: sidecar, strategy: revision }\nversion: { target: "1.28" }\ngates: { approvalTimeout: soon }\n',
    });
    expect(await runPlan({ file: '/specs/bad.yaml' }, run.deps)).toBe(2);
    expect(run.err.join('\n')).toBe(
      'invalid input:\n  version.target: expected a version like "1.27.3" or "v1.27.3"\n  gates.approvalTimeout: expected a duration like "24h", "10m" or "1h30m"\n  approvals.approvers: expected at least one approver while any gate is on (or turn every gate off)',
    );
    expect(run.reads).toEqual([]);
  });

  it('exits 2 on a YAML syntax error, naming the line', async () => {
    const run = harness(cluster(), { '/specs/broken.yaml': 'install:\n  method: [helm\n' });
    expect(await runPlan({ file: '/specs/broken.yaml' }, run.deps)).toBe(2);
    expect(run.err.join('\n')).toMatch(/^invalid input:\n {2}\/specs\/broken\.yaml:\d+:\d+: /);
  });

  it('exits 2 when the cluster cannot take the spec (a downgrade), naming version.target', async () => {
    const run = harness(cluster({ version: '1.28.0' }));
    expect(await runPlan({ file: example }, run.deps)).toBe(2);
    expect(run.err.join('\n')).toContain('version.target: the control plane already runs 1.28.0');
  });

  it('prints the same plan as data with --json', async () => {
    const run = harness(cluster());
    expect(await runPlan({ file: example, json: true }, run.deps)).toBe(0);
    const plan = JSON.parse(run.out.join('\n')) as {
      target: string;
      steps: { id: string; description: string }[];
      findings: unknown[];
      rollback: {
        points: { before: string | null; done: number; steps: { id: string; description: string }[] }[];
        noReturnAfter: string | null;
      };
    };
    expect(plan.target).toBe('1.28.0');
    expect(plan.steps[3]).toMatchObject({
      id: 'install-revision:1-28-0',
      description: 'Install istiod revision 1-28-0 (1.28.0) with helm in istio-system, beside the old one.',
    });
    expect(plan.rollback.points[0]).toMatchObject({
      before: 'gate:namespace:bookinfo@1.28.0',
      done: 5,
      steps: [{ id: 'rollback:remove-revision:1-28-0' }, { id: 'rollback:base@1.27.3' }],
    });
    expect(plan.rollback.noReturnAfter).toBe('remove-revision:default');
    expect(plan.findings).toEqual([]);
  });

  it('exits 1 when the cluster cannot be read', async () => {
    const run = harness(cluster());
    run.deps.readInventory = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443'));
    expect(await runPlan({ file: example }, run.deps)).toBe(1);
    expect(run.err).toEqual(['cannot plan: connect ECONNREFUSED 127.0.0.1:6443']);
  });
});

describe('istio-upgrade plan as a process', () => {
  it('exits 0, 3 and 2 the way scripts expect', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plan-'));
    const healthy = join(dir, 'healthy.json');
    const blocked = join(dir, 'blocked.json');
    await writeFile(healthy, JSON.stringify(cluster()));
    const broken = cluster();
    broken.webhooks.push({
      kind: 'mutating',
      name: 'gone',
      istio: false,
      targetsPods: true,
      services: [{ namespace: 'x', name: 'y' }],
    });
    await writeFile(blocked, JSON.stringify(broken));
    const plan = (...args: string[]) => runCli(['plan', ...args]);
    const [ok, refused, invalid] = await Promise.all([
      plan('-f', example, '--inventory', healthy),
      plan('-f', example, '--inventory', blocked, '--json'),
      plan('-f', join(projectRoot, 'package.json'), '--inventory', healthy),
    ]);
    expect([ok.exitCode, refused.exitCode, invalid.exitCode]).toEqual([0, 3, 2]);
    expect(ok.stdout).toContain('Ready: no precheck blocks this plan.');
    expect(
      (JSON.parse(refused.stdout) as { findings: { check: string }[] }).findings.map((finding) => finding.check),
    ).toEqual(['dangling-webhooks']);
    expect(invalid.stderr).toContain('install: required, missing (expected object)');
  });
});
