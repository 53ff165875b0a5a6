/**
 * `plan` checks the istioctl on the operator's machine (ISTIO_TOOLS_PATH, as the worker reads
 * it) against each hop: a real CLI process against the simulated cluster, with stand-in tools.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standInToolsFolder } from '../../sim/index.js';
import { startCluster, type SimCluster } from '../activities/support/sim.js';
import { runCli } from '../support/cli.js';

let cluster: SimCluster;
let spec: string;
const perMinor = standInToolsFolder({ minors: ['1.27'] });
const withPatch = standInToolsFolder({ minors: ['1.27'], patches: ['1.27.2'] });

beforeAll(async () => {
  cluster = await startCluster('sidecarIstioctl');
  spec = join(await mkdtemp(join(tmpdir(), 'plan-tools-')), 'spec.yaml');
  await writeFile(
    spec,
    'install: { method: istioctl, mode: sidecar, strategy: revision }\nversion: { target: 1.27.2 }\napprovals: { approvers: [alice, bob] }\n',
  );
});
afterAll(async () => {
  await cluster?.stop();
});

const plan = (tools: string, ...args: string[]) =>
  runCli(['plan', '-f', spec, '--kubeconfig', cluster.sim.kubeconfigPath, ...args], { ISTIO_TOOLS_PATH: tools });

describe('istio-upgrade plan checks the istioctl on this machine', () => {
  it('blocks (exit 3) a 1.27.2 canary when istioctl-1.27 on this machine reports 1.27.3, naming both', async () => {
    const result = await plan(perMinor);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toContain(
      `Tools checked (istioctl and helm on this machine):\n  istioctl 1.27.2: ${perMinor}/istioctl-1.27 reports 1.27.3 (MISMATCH)\n`,
    );
    expect(result.stdout).toMatch(
      new RegExp(
        `BLOCK \\(1\\)\\n {4}tool-versions: ${perMinor}/istioctl-1\\.27 reports 1\\.27\\.3, but the plan needs istioctl 1\\.27\\.2`,
      ),
    );
  }, 60_000);

  it('passes with istioctl-1.27.2 and lists what it checked in --json', async () => {
    const result = await plan(withPatch, '--json');
    expect(result.exitCode).toBe(0);
    const data = JSON.parse(result.stdout) as {
      tools: { where: string; istioctl: unknown[] };
      findings: { check: string; severity: string }[];
    };
    expect(data.tools.where).toBe('istioctl and helm on this machine');
    expect(data.tools.istioctl).toEqual([
      {
        version: '1.27.2',
        path: `${withPatch}/istioctl-1.27.2`,
        reports: '1.27.2',
        error: null,
        tried: [`${withPatch}/istioctl-1.27.2`, `${withPatch}/istioctl-1.27`],
      },
    ]);
    expect(data.findings.filter((finding) => finding.severity === 'block')).toEqual([]);
  }, 60_000);
});
