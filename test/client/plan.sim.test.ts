/**
 * `plan` as a real process against the simulated cluster: it reads through the kubeconfig like
 * any cluster and the simulator's write log proves it wrote nothing.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from '../activities/support/sim.js';
import type { SimCluster } from '../activities/support/sim.js';

let cluster: SimCluster;
let dir: string;
beforeAll(async () => {
  cluster = await startCluster('sidecarHelm');
  dir = await mkdtemp(join(tmpdir(), 'plan-sim-'));
});
afterAll(async () => {
  await cluster?.stop();
});

async function plan(spec: string, ...args: string[]) {
  const file = join(dir, `spec-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, spec);
  return runCli(['plan', '-f', file, '--kubeconfig', cluster.sim.kubeconfigPath, ...args]);
}

describe('istio-upgrade plan against the simulated cluster', () => {
  it('plans the Helm canary of bookinfo from 1.26.4, blocks on the Lightstep provider 1.27 removes, and writes nothing', async () => {
    const readsBefore = cluster.sim.requests.length;
    const result = await plan(
      'install: { method: helm, mode: sidecar, strategy: revision }\nversion: { target: 1.27.3 }\nrestarts: { order: [bookinfo/reviews-v2] }\napprovals: { approvers: [alice, bob] }\n',
      '--context',
      'sim',
    );
    expect(result.stderr).not.toContain('cannot plan');
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toContain('Upgrade plan for sim: Istio 1.26.4 -> 1.27.3');
    expect(result.stdout).toMatch(
      /Move namespace bookinfo from default to revision 1-27-3 \(label istio\.io\/rev=1-27-3, remove istio-injection\)/,
    );
    expect(result.stdout.indexOf('Restart bookinfo/reviews-v2')).toBeLessThan(
      result.stdout.indexOf('Restart bookinfo/details-v1'),
    );
    expect(result.stdout).toMatch(/BLOCK \(1\)\n {4}removed-tracing-providers: /);
    expect(cluster.sim.requests.length).toBeGreaterThan(readsBefore);
    expect(cluster.sim.writeLog).toEqual([]);
  });

  it('prints the same plan as JSON, exit 0 when the upgrade does not cross 1.27, still without a write', async () => {
    const result = await plan(
      'install: { method: helm, mode: sidecar, strategy: in-place }\nversion: { target: 1.26.5 }\napprovals: { approvers: [alice, bob] }\n',
      '--json',
    );
    expect(result.exitCode).toBe(0);
    const data = JSON.parse(result.stdout) as { source: string; steps: { kind: string }[] };
    expect(data.source).toBe('1.26.4');
    expect(data.steps.filter((step) => step.kind === 'restart-workload').length).toBeGreaterThan(0);
    expect(cluster.sim.writeLog).toEqual([]);
  });

  it('exits 2 naming --context when the context does not exist', async () => {
    const result = await plan(
      'install: { method: helm, mode: sidecar, strategy: revision }\nversion: { target: 1.27.3 }\napprovals: { approvers: [alice, bob] }\n',
      '--context',
      'prod',
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--context: no context "prod" in the kubeconfig');
  });
});
