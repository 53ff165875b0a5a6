/**
 * The wrong istioctl and transient tool failures, end to end: a real worker whose tools are the
 * stand-ins (per minor, per exact patch, or scripted to fail), the shared dev server and a
 * simulated cluster per test. `istioctl-1.27` claims 1.27.3, the newest 1.27 patch the project
 * knows, so a 1.27.2 upgrade with only that binary is the operator with a stale download.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { ToolsConfig } from '../../activities/tools/config.js';
import type { SpecInput } from '../../core/spec/schema.js';
import { standInToolsFolder } from '../../sim/index.js';
import type { ScriptedFailure } from '../../sim/tools/cli/scripted-failures.js';
import type { SimCluster } from '../activities/support/sim.js';
import { withWorker } from '../support/worker.js';
import { answerGates, meshState, quickSpec, startUpgrade, e2eSuite } from './support/upgrade-harness.js';

const suite = e2eSuite();
const perMinor = standInToolsFolder();
const withPatch = standInToolsFolder({ patches: ['1.27.2'] });

function runWorker<T>(
  cluster: SimCluster,
  tools: Omit<ToolsConfig, 'kubeconfigPath'>,
  fn: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const activities = createActivities({
    kubeConfig: cluster.kubeConfig,
    tools: { kubeconfigPath: cluster.sim.kubeconfigPath, ...tools },
  });
  return withWorker(suite.env, { workflowsPath: 'workflows/index.ts', activities }, ({ taskQueue }) => fn(taskQueue));
}

/** A failure script for the stand-ins, and a reader of how many scripted failures are left. */
function scripted(failures: ScriptedFailure[]) {
  const file = join(mkdtempSync(join(tmpdir(), 'tool-failures-')), 'failures.json');
  writeFileSync(file, JSON.stringify(failures));
  return {
    env: { SIM_TOOL_FAILURES: file },
    left: () => (JSON.parse(readFileSync(file, 'utf8')) as ScriptedFailure[])[0]?.times,
  };
}

const canary = (method: 'istioctl' | 'helm', target: string): SpecInput =>
  quickSpec({ install: { method, mode: 'sidecar', strategy: 'revision' }, version: { target } });

describe('istioctl matches the hop', () => {
  it('refuses an istioctl canary to 1.27.2 before any write when istioctl-1.27 reports 1.27.3', async () => {
    const cluster = await suite.fresh('sidecarIstioctl');
    const result = await runWorker(cluster, { searchPath: [perMinor] }, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, canary('istioctl', '1.27.2'))),
    );
    expect(result.outcome).toBe('refused');
    expect(result.status.failure?.type).toBe('PrecheckBlocked');
    expect(result.status.failure?.message).toContain(
      `tool-versions: ${perMinor}/istioctl-1.27 reports 1.27.3, but the plan needs istioctl 1.27.2`,
    );
    expect(cluster.sim.writeLog).toEqual([]);
    expect((meshState(cluster) as { istiods: string[] }).istiods).toEqual(['istiod:1.26.4']);
  }, 120_000);

  it('runs the istioctl canary to 1.27.2 with istioctl-1.27.2 beside istioctl-1.27', async () => {
    const cluster = await suite.fresh('sidecarIstioctl');
    const result = await runWorker(cluster, { searchPath: [perMinor, withPatch] }, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, canary('istioctl', '1.27.2'))),
    );
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    const after = meshState(cluster) as { istiods: string[]; proxies: Record<string, string> };
    expect(after.istiods).toEqual(['istiod-1-27-2:1.27.2']);
    expect(Object.values(after.proxies).every((proxy) => proxy.startsWith('1.27.2@'))).toBe(true);
  }, 180_000);

  it('refuses a Helm canary whose tag move would use istioctl-1.27 at 1.27.3, and whose istiod chart 1.27.2 is not in the repository', async () => {
    const cluster = await suite.fresh('sidecarHelm');
    const result = await runWorker(
      cluster,
      { searchPath: [perMinor], env: { SIM_HELM_ABSENT_CHART_VERSIONS: 'istiod@1.27.2' } },
      async (taskQueue) =>
        answerGates(await startUpgrade(suite.env, taskQueue, canary('helm', '1.27.2'), ['removed-tracing-providers'])),
    );
    expect(result.outcome).toBe('refused');
    expect(result.status.failure?.message).toContain(
      `tool-versions: ${perMinor}/istioctl-1.27 reports 1.27.3, but the plan needs istioctl 1.27.2`,
    );
    expect(result.status.failure?.message).toContain(
      'chart-versions: chart istio/istiod version 1.27.2 is not in the configured repository',
    );
    expect(result.plan?.findings.filter((f) => f.check === 'tool-versions').map((f) => f.evidence)).toEqual([
      [`${perMinor}/istioctl-1.27 version --remote=false -> 1.27.3`],
    ]);
    expect(cluster.sim.writeLog).toEqual([]);
  }, 120_000);
});

describe('transient tool failures', () => {
  it('completes an istioctl canary whose install met a refused connection twice', async () => {
    const cluster = await suite.fresh('sidecarIstioctl');
    const failures = scripted([
      {
        tool: 'istioctl',
        command: 'install',
        times: 2,
        message: 'failed to get resource: dial tcp 127.0.0.1:6443: connect: connection refused',
      },
    ]);
    const result = await runWorker(cluster, { searchPath: [perMinor], env: failures.env }, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, canary('istioctl', '1.27.3'))),
    );
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(failures.left()).toBe(0);
    expect((meshState(cluster) as { istiods: string[] }).istiods).toEqual(['istiod-1-27-3:1.27.3']);
  }, 180_000);

  it('stops at a failure gate after one run when istioctl install is denied by a webhook', async () => {
    const cluster = await suite.fresh('sidecarIstioctl');
    const failures = scripted([
      {
        tool: 'istioctl',
        command: 'install',
        times: 5,
        message: 'admission webhook "validation.istio.io" denied the request: configuration is invalid',
      },
    ]);
    const gates: string[] = [];
    const result = await runWorker(cluster, { searchPath: [perMinor], env: failures.env }, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, canary('istioctl', '1.27.3')), (gateId, status) => {
        const gate = status.pendingGates.find((g) => g.id === gateId);
        if (gate?.kind !== 'failure') return 'approve';
        gates.push(gate.description);
        return 'reject';
      }),
    );
    expect(failures.left()).toBe(4);
    expect(gates).toHaveLength(1);
    expect(gates[0]).toContain('denied the request');
    expect(result.outcome).toBe('rolled-back');
    expect((meshState(cluster) as { istiods: string[] }).istiods).toEqual(['istiod:1.26.4']);
  }, 180_000);
});
