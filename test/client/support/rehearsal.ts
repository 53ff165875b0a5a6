/**
 * Shared by the rehearse test files: `rehearse` as a real process (the simulator as its child,
 * its own private dev server and worker, gates answered as `rehearsal`), and the same spec run
 * the normal way on a fresh simulator from the same scenario (the upgrade harness: shared dev
 * server, real worker, gates answered by alice and bob), to compare the two: the same steps in
 * the same states, the same outcome, the same mesh at the end. Call `rehearsalHarness()` once
 * at the top of a test file: it registers that file's dev server and scratch folder.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, expect } from 'vitest';
import { createInventoryActivities } from '../../../activities/kubernetes/inventory.js';
import { meshStateOf, type MeshState } from '../../../client/rehearsal/outcome.js';
import { rehearsalSpec } from '../../../client/rehearsal/spec.js';
import { parseSpec } from '../../../core/spec/parse.js';
import type { UpgradeStatus } from '../../../workflows/messages.js';
import type { SCENARIOS } from '../../activities/support/sim.js';
import { runCli } from '../../support/cli.js';
import { answerGates, e2eSuite, runWorker, startUpgrade } from '../../workflows/support/upgrade-harness.js';

export const TIME_SCALE = 60;

export interface RehearsalJson {
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

export function rehearsalHarness() {
  const suite = e2eSuite();
  const scratch = { dir: '' };
  beforeAll(async () => {
    scratch.dir = await mkdtemp(join(tmpdir(), 'rehearse-'));
  });
  const dir = () => scratch.dir;

  async function rehearse(
    args: string[],
    env: Record<string, string> = {},
    timeScale = TIME_SCALE,
  ): Promise<{ exitCode: number | undefined; json: RehearsalJson; stderr: string }> {
    const report = join(dir(), `report-${Math.random().toString(36).slice(2)}.html`);
    const result = await runCli(
      ['rehearse', ...args, '--time-scale', String(timeScale), '--report', report, '--json', '--as', 'carol'],
      env,
    );
    if (result.exitCode === 2 || result.stdout.trim() === '')
      throw new Error(`rehearse exited ${String(result.exitCode)}: ${result.stderr}`);
    return { exitCode: result.exitCode, json: JSON.parse(result.stdout) as RehearsalJson, stderr: result.stderr };
  }

  /** The same spec as the rehearsal runs, on a fresh simulator from the scenario, the normal way. */
  async function normalRun(
    scenario: keyof typeof SCENARIOS,
    specFile: string,
    overridePrechecks: string[] = [],
    timeScale = TIME_SCALE,
  ) {
    const raw = parseYaml(await readFile(specFile, 'utf8')) as Record<string, unknown>;
    const parsed = parseSpec(raw);
    if (!parsed.ok) throw new Error(`example ${specFile} is invalid`);
    const input = rehearsalSpec(raw, parsed.spec, { timeScale, context: 'sim' }).input;
    const cluster = await suite.fresh(scenario);
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, input, overridePrechecks), (gateId, status) => {
        const gate = status.pendingGates.find((g) => g.id === gateId);
        return gate?.kind === 'failure' ? 'reject' : 'approve';
      }),
    );
    const after = await createInventoryActivities(cluster.clients).readInventory({
      controlPlaneNamespace: parsed.spec.install.namespace,
    });
    return { result, finalState: meshStateOf(after), cluster };
  }

  const shape = (steps: readonly { id: string; kind: string; state: string }[] | null) =>
    steps?.map((s) => `${s.id} ${s.kind} ${s.state}`) ?? null;

  function expectSameRun(rehearsal: RehearsalJson, normal: Awaited<ReturnType<typeof normalRun>>): void {
    expect(rehearsal.outcome).toBe(normal.result.outcome);
    expect(shape(rehearsal.steps)).toEqual(shape(normal.result.status.steps));
    expect(shape(rehearsal.rollback)).toEqual(shape(normal.result.status.rollback));
    expect(rehearsal.restarts).toBe(normal.result.status.workloads.reduce((sum, w) => sum + w.attempts, 0));
    expect(rehearsal.finalState).toEqual(normal.finalState);
  }

  return { suite, dir, rehearse, normalRun, expectSameRun };
}
