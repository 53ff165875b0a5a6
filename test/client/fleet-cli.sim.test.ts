/**
 * `fleet plan` as a real process against three simulated clusters, reached through one kubeconfig
 * with a context per cluster, as an operator's would be: it plans every cluster in stage order,
 * names what blocks, writes nothing, and refuses bad fleet specs naming the field before it reads
 * any cluster.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startCluster } from '../activities/support/sim.js';
import type { SimCluster } from '../activities/support/sim.js';
import { runCli } from '../support/cli.js';

const CLUSTERS = ['staging', 'prod-a', 'prod-b'] as const;
let clusters: SimCluster[] = [];
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  // staging and prod-a run the istioctl scenario; prod-b the Helm one, whose tracing provider 1.27 removes.
  clusters = await Promise.all([
    startCluster('sidecarIstioctl'),
    startCluster('sidecarIstioctl'),
    startCluster('sidecarHelm'),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'fleet-cli-'));
  // One kubeconfig, one context per simulated cluster, named after the cluster.
  const merged = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [] as unknown[],
    users: [] as unknown[],
    contexts: [] as unknown[],
    'current-context': 'staging',
  };
  CLUSTERS.forEach((name, index) => {
    const kc = new KubeConfig();
    kc.loadFromFile(clusters[index]!.sim.kubeconfigPath);
    const cluster = kc.getCurrentCluster()!;
    const user = kc.getCurrentUser()!;
    merged.clusters.push({ name, cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData } });
    merged.users.push({ name, user: { token: user.token } });
    merged.contexts.push({ name, context: { cluster: name, user: name } });
  });
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, stringify(merged));
});
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

function fleetSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'mesh-1-27',
    target: '1.27.3',
    upgrade: {
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
      approvals: { approvers: ['alice', 'bob'] },
    },
    clusters: {
      staging: { context: 'staging' },
      'prod-a': {
        context: 'prod-a',
        windows: [{ days: ['tue', 'thu'], start: '02:00', duration: '4h', timeZone: 'Europe/Berlin' }],
      },
      'prod-b': { context: 'prod-b', overrides: { install: { method: 'helm' } } },
    },
    stages: [
      { name: 'staging', clusters: ['staging'], bake: '2h' },
      { name: 'prod', clusters: ['prod-a', 'prod-b'], concurrency: 2 },
    ],
    approvals: { approvers: ['alice', 'bob'] },
    ...overrides,
  };
}

async function fleetPlan(spec: Record<string, unknown>, ...args: string[]) {
  const file = join(dir, `fleet-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, stringify(spec));
  return runCli(['fleet', 'plan', '-f', file, '--kubeconfig', kubeconfig, ...args]);
}

describe('istio-upgrade fleet plan', () => {
  it("plans every cluster in stage order through its own context, names prod-b's blocker, and writes nothing", async () => {
    const result = await fleetPlan(fleetSpec());
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Fleet mesh-1-27: Istio 1.27.3 on 3 clusters in 2 stages');
    expect(result.stdout).toContain(
      '1. stage staging (gate before, 1 at a time, bake 2h after, halt on the first failure)',
    );
    expect(result.stdout).toContain('2. stage prod (gate before, 2 at a time, no bake, halt on the first failure)');
    expect(result.stdout).toContain(
      'prod-a: context prod-a, worker queue istio-upgrades-prod-a, starts 1 maintenance window, 0 freezes',
    );
    expect(result.stdout).toMatch(
      /staging: context staging[^\n]*\n {6}1\.26\.4 -> 1\.27\.3 \(istioctl, revision, sidecar\): \d+ steps, \d+ gates\n {6}no blocking findings/,
    );
    expect(result.stdout).toMatch(
      /prod-b: [^\n]*\n {6}1\.26\.4 -> 1\.27\.3 \(helm, revision, sidecar\)[^\n]*\n {6}BLOCK removed-tracing-providers: /,
    );
    expect(result.stdout).toContain('Blocked: prod-b;');
    expect(result.exitCode).toBe(3);
    for (const cluster of clusters) expect(cluster.sim.writeLog).toEqual([]);
  });

  it('exits 0 when no cluster blocks, and --context chooses a context per cluster', async () => {
    const spec = fleetSpec({
      clusters: { staging: { context: 'nope' }, 'prod-a': { context: 'prod-a' } },
      stages: [{ name: 'all', clusters: ['staging', 'prod-a'], concurrency: 2 }],
    });
    const result = await fleetPlan(spec, '--context', 'staging=staging');
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('staging: context staging,');
    expect(result.stdout).toContain('Every cluster can start');
    expect(result.exitCode).toBe(0);
  });

  it('refuses bad fleet specs with exit 2 naming the field, before reading any cluster', async () => {
    const before = clusters.map((c) => c.sim.requests.length);
    const twice = await fleetPlan(
      fleetSpec({
        stages: [
          { name: 'a', clusters: ['staging', 'prod-a', 'prod-b'] },
          { name: 'b', clusters: ['prod-a'] },
        ],
      }),
    );
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toContain('stages[1].clusters[0]: cluster "prod-a" is already in stage "a"');
    const empty = await fleetPlan(fleetSpec({ stages: [{ name: 'a', clusters: [] }] }));
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('stages[0].clusters: expected at least one cluster in a stage');
    const window = await fleetPlan(
      fleetSpec({
        clusters: {
          ...(fleetSpec().clusters as object),
          staging: { windows: [{ days: ['mon'], start: '25:00', duration: '1h', timeZone: 'Europe/Berlin' }] },
        },
      }),
    );
    expect(window.exitCode).toBe(2);
    expect(window.stderr).toContain('clusters.staging.windows[0].start: expected a time like "02:00" (24 h)');
    const unknownContext = await fleetPlan(
      fleetSpec({ clusters: { ...(fleetSpec().clusters as object), 'prod-a': { context: 'prod-x' } } }),
    );
    expect(unknownContext.exitCode).toBe(2);
    expect(unknownContext.stderr).toContain('clusters.prod-a.context: no context "prod-x" in the kubeconfig');
    expect(clusters.map((c) => c.sim.requests.length)).toEqual(before);
  });
});
