/**
 * `rehearse` as a real process on each shipped scenario with its example spec: the simulator as
 * its child, its own private dev server and worker, gates answered as `rehearsal`. Each rehearsal
 * is compared with a normal run of the same spec on a fresh simulator from the same scenario
 * (the upgrade harness: shared dev server, real worker, gates answered by alice and bob): the
 * same steps in the same states, the same outcome, the same mesh at the end. Bad input exits 2
 * naming the field before anything starts.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createInventoryActivities } from '../../activities/kubernetes/inventory.js';
import { meshStateOf, type MeshState } from '../../client/rehearsal/outcome.js';
import { rehearsalSpec } from '../../client/rehearsal/spec.js';
import { parseSpec } from '../../core/spec/parse.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import { SCENARIOS } from '../activities/support/sim.js';
import { runCli } from '../support/cli.js';
import { answerGates, e2eSuite, runWorker, startUpgrade } from '../workflows/support/upgrade-harness.js';

const suite = e2eSuite();
const TIME_SCALE = 60;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-'));
});

interface RehearsalJson {
  workflowId: string;
  outcome: UpgradeStatus['outcome'];
  exitCode: number;
  steps: { id: string; kind: string; state: string }[];
  rollback: { id: string; kind: string; state: string }[] | null;
  refusedBy: string[];
  restarts: number;
  gates: number;
  soaks: { timer: string; realSeconds: number; rehearsedSeconds: number }[];
  estimate: { seconds: number; simulatedWorkSeconds: number; soakSeconds: number; timeScale: number };
  finalState: MeshState;
  specChanges: string[];
  report: string;
}

async function rehearse(args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number | undefined; json: RehearsalJson; stderr: string }> {
  const report = join(dir, `report-${Math.random().toString(36).slice(2)}.html`);
  const result = await runCli(['rehearse', ...args, '--time-scale', String(TIME_SCALE), '--report', report, '--json', '--as', 'carol'], env);
  if (result.exitCode === 2 || result.stdout.trim() === '') throw new Error(`rehearse exited ${String(result.exitCode)}: ${result.stderr}`);
  return { exitCode: result.exitCode, json: JSON.parse(result.stdout) as RehearsalJson, stderr: result.stderr };
}

/** The same spec as the rehearsal runs, on a fresh simulator from the scenario, the normal way. */
async function normalRun(scenario: keyof typeof SCENARIOS, specFile: string, overridePrechecks: string[] = []) {
  const raw = parseYaml(await readFile(specFile, 'utf8')) as Record<string, unknown>;
  const parsed = parseSpec(raw);
  if (!parsed.ok) throw new Error(`example ${specFile} is invalid`);
  const input = rehearsalSpec(raw, parsed.spec, { timeScale: TIME_SCALE, context: 'sim' }).input;
  const cluster = await suite.fresh(scenario);
  const result = await runWorker(suite.env, cluster, async (taskQueue) => answerGates(await startUpgrade(suite.env, taskQueue, input, overridePrechecks), (gateId, status) => {
    const gate = status.pendingGates.find((g) => g.id === gateId);
    return gate?.kind === 'failure' ? 'reject' : 'approve';
  }));
  const after = await createInventoryActivities(cluster.clients).readInventory({ controlPlaneNamespace: parsed.spec.install.namespace });
  return { result, finalState: meshStateOf(after), cluster };
}

const shape = (steps: readonly { id: string; kind: string; state: string }[] | null) => steps?.map((s) => `${s.id} ${s.kind} ${s.state}`) ?? null;

function expectSameRun(rehearsal: RehearsalJson, normal: Awaited<ReturnType<typeof normalRun>>): void {
  expect(rehearsal.outcome).toBe(normal.result.outcome);
  expect(shape(rehearsal.steps)).toEqual(shape(normal.result.status.steps));
  expect(shape(rehearsal.rollback)).toEqual(shape(normal.result.status.rollback));
  expect(rehearsal.restarts).toBe(normal.result.status.workloads.reduce((sum, w) => sum + w.attempts, 0));
  expect(rehearsal.finalState).toEqual(normal.finalState);
}

describe('istio-upgrade rehearse on each shipped scenario, compared with a normal run', () => {
  it('rehearses the istioctl canary of sidecar-istioctl-1.26 to completion: same steps and mesh, soaks reported at their real length, report written', { timeout: 400_000 }, async () => {
    const { exitCode, json } = await rehearse(['-f', 'examples/demo-istioctl-canary.yaml', '--scenario', SCENARIOS.sidecarIstioctl]);
    expect(exitCode).toBe(0);
    expect(json.outcome).toBe('completed');
    expect(json.soaks).toEqual([
      { timer: 'soakAfterControlPlane', realSeconds: 120, rehearsedSeconds: 2 },
      { timer: 'graceBeforeRevisionRemoval', realSeconds: 300, rehearsedSeconds: 5 },
    ]);
    expect(json.estimate.soakSeconds).toBe(420);
    expect(json.estimate.seconds).toBe(json.estimate.simulatedWorkSeconds + 420);
    expect(json.gates).toBe(4);
    expect(json.specChanges[0]).toContain('approver "rehearsal" added');
    expect(json.finalState.revisions).toEqual(['1-27-3@1.27.3']);
    const report = await readFile(json.report, 'utf8');
    // Each gate's decision in the report: approved, by rehearsal, through the Update, with the comment marking it.
    expect(report.match(/<td>approved<\/td><td>rehearsal<\/td><td>update<\/td><td>rehearsal: answered unattended/g)).toHaveLength(4);

    const normal = await normalRun('sidecarIstioctl', 'examples/demo-istioctl-canary.yaml');
    expectSameRun(json, normal);
  });

  it('rehearses the Helm canary on sidecar-helm-1.26 on the operator\'s Temporal (--temporal): refused by the Lightstep precheck (exit 3) as a normal run is', { timeout: 400_000 }, async () => {
    const { exitCode, json } = await rehearse(['-f', 'examples/bookinfo-helm-revision.yaml', '--scenario', SCENARIOS.sidecarHelm, '--temporal'], { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default' });
    expect(exitCode).toBe(3);
    expect(json.outcome).toBe('refused');
    expect(json.refusedBy).toEqual(['removed-tracing-providers']);
    // Its HTTP and command tests would reach real endpoints, and its Slack channel is the team's.
    expect(json.specChanges.join('\n')).toMatch(/test bookinfo\/reviews-v2 \(http\) left out[\s\S]*test bookinfo \(command\) left out[\s\S]*Slack notifications to #mesh-upgrades left out/);
    expectSameRun(json, await normalRun('sidecarHelm', 'examples/bookinfo-helm-revision.yaml'));
    // The rehearsal ran on the shared server, under its own id, where visibility lists it.
    const rehearsals = suite.env.client.workflow.list({ query: `WorkflowId = "${json.workflowId}"` });
    const found: string[] = [];
    for await (const execution of rehearsals) found.push(execution.workflowId);
    expect(found).toEqual([json.workflowId]);
  });

  it('rehearses the Sail revision upgrade on ambient-sail-1.26: refused because the waypoint is bound to a revision name, as a normal run is', { timeout: 400_000 }, async () => {
    const { exitCode, json } = await rehearse(['-f', 'examples/sail-revision-based.yaml', '--scenario', SCENARIOS.ambientSail]);
    expect(exitCode).toBe(3);
    expect(json.refusedBy).toEqual(['waypoint-tags']);
    expectSameRun(json, await normalRun('ambientSail', 'examples/sail-revision-based.yaml'));
  });

  it('rehearses the same Sail upgrade past that precheck (--override-precheck): Sail moves to 1.28.0 with istio-cni, as a normal run does', { timeout: 400_000 }, async () => {
    const { exitCode, json } = await rehearse(['-f', 'examples/sail-revision-based.yaml', '--scenario', SCENARIOS.ambientSail, '--override-precheck', 'waypoint-tags']);
    expect(exitCode).toBe(0);
    expect(json.finalState.revisions).toEqual(['default-v1-28-0@1.28.0']);
    expect(json.finalState.nodeAgents['istio-cni']).toBe('1.28.0');
    expectSameRun(json, await normalRun('ambientSail', 'examples/sail-revision-based.yaml', ['waypoint-tags']));
  });

  it('rehearses a snapshot of a running cluster (--kubeconfig) with an override, and never writes to that cluster', { timeout: 400_000 }, async () => {
    const production = await suite.fresh('sidecarHelm');
    const { exitCode, json } = await rehearse(['-f', 'examples/bookinfo-helm-revision.yaml', '--kubeconfig', production.sim.kubeconfigPath, '--override-precheck', 'removed-tracing-providers']);
    expect(production.sim.writeLog).toEqual([]);
    expect(json.finalState.proxies['bookinfo/reviews-v2']).toEqual(['1.28.0@1-28-0']);
    expect(exitCode).toBe(0);
    expectSameRun(json, await normalRun('sidecarHelm', 'examples/bookinfo-helm-revision.yaml', ['removed-tracing-providers']));
  });

  it('rehearses with --faults: reviews-v2 never ready on 1.27, the failure gate is rejected and the canary rolled back (exit 1)', { timeout: 400_000 }, async () => {
    const faults = join(dir, 'faults.yaml');
    await writeFile(faults, '- { kind: neverReady, namespace: bookinfo, deployment: reviews-v2, minProxyVersion: 1.27.0 }\n');
    const { exitCode, json } = await rehearse(['-f', 'examples/demo-istioctl-canary.yaml', '--scenario', SCENARIOS.sidecarIstioctl, '--faults', faults]);
    expect(json.outcome).toBe('rolled-back');
    expect(exitCode).toBe(1);
    expect(json.steps.find((s) => s.id.includes('reviews-v2'))?.state).toBe('failed');
    expect(json.finalState.revisions).toEqual(['default@1.26.4']);
    expect(json.finalState.proxies['bookinfo/reviews-v2']).toEqual(['1.26.4@default']);
  });
});

describe('istio-upgrade rehearse refuses bad input (exit 2, the field named, nothing started)', () => {
  const scenario = SCENARIOS.sidecarIstioctl;
  it('without -f', async () => {
    const result = await runCli(['rehearse', '--scenario', scenario]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("required option '-f, --file <path>' not specified");
  });
  it('with both --kubeconfig and --scenario, or neither', async () => {
    const both = await runCli(['rehearse', '-f', 'examples/demo-istioctl-canary.yaml', '--scenario', scenario, '--kubeconfig', scenario]);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('--kubeconfig and --scenario: give one of them');
    const neither = await runCli(['rehearse', '-f', 'examples/demo-istioctl-canary.yaml']);
    expect(neither.exitCode).toBe(2);
    expect(neither.stderr).toContain('--kubeconfig or --scenario');
  });
  it('with a scenario file the simulator refuses', async () => {
    const bad = join(dir, 'bad-scenario.yaml');
    await writeFile(bad, 'name: broken\nnamespaces:\n  - name: bookinfo\n    deployments:\n      - { name: reviews-v2, replicas: two }\n');
    const result = await runCli(['rehearse', '-f', 'examples/demo-istioctl-canary.yaml', '--scenario', bad]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('namespaces[0].deployments[0].replicas');
  });
  it('with a faults file the simulator refuses', async () => {
    const bad = join(dir, 'bad-faults.yaml');
    await writeFile(bad, '- { kind: neverReady, namespace: bookinfo }\n');
    const result = await runCli(['rehearse', '-f', 'examples/demo-istioctl-canary.yaml', '--scenario', scenario, '--faults', bad]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('faults[0].deployment');
  });
  it('with an invalid spec or time scale', async () => {
    const spec = join(dir, 'bad-spec.yaml');
    await writeFile(spec, 'install: { method: istioctl, mode: sidecar, strategy: sideways }\nversion: { target: 1.27.3 }\n');
    const result = await runCli(['rehearse', '-f', spec, '--scenario', scenario]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('install.strategy');
    const scale = await runCli(['rehearse', '-f', 'examples/demo-istioctl-canary.yaml', '--scenario', scenario, '--time-scale', 'fast']);
    expect(scale.exitCode).toBe(2);
    expect(scale.stderr).toContain('--time-scale');
  });
});
