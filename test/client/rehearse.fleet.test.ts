/**
 * `rehearse -f fleet.yaml` as a real process: three simulators (one per cluster, each from a
 * scenario or a read-only snapshot), one private dev server, a worker per cluster on its own
 * task queue, and the fleet workflow as in production, every gate answered as `rehearsal`.
 */
import { access, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { FleetRehearsalOutcome } from '../../client/rehearsal/fleet-outcome.js';
import { renderFleetRehearsal } from '../../client/render/fleet-rehearsal.js';
import { SCENARIOS, startCluster } from '../activities/support/sim.js';
import { runCli } from '../support/cli.js';

const DAY = 86_400_000;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-fleet-'));
});

/** staging alone (bake 1h), then prod-a and prod-b: the demo's canary on every cluster. */
function fleetSpec(more: { prodConcurrency?: number; prodAFreeze?: { from: string; to: string } } = {}) {
  return {
    name: 'mesh-1-27',
    target: '1.27.3',
    upgrade: {
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
      scope: { namespaces: ['bookinfo'] },
      restarts: { order: ['bookinfo/reviews-v2'] },
      timers: { soakAfterControlPlane: '2m', graceBeforeRevisionRemoval: '5m' },
      approvals: { approvers: ['alice', 'bob'] },
      notifications: { slack: { channel: '#mesh-upgrades' } },
    },
    clusters: {
      staging: {},
      'prod-a': more.prodAFreeze ? { freezes: [{ ...more.prodAFreeze, reason: 'release week' }] } : {},
      'prod-b': {},
    },
    stages: [
      { name: 'staging', clusters: ['staging'], gate: false, bake: '1h' },
      { name: 'prod', clusters: ['prod-a', 'prod-b'], concurrency: more.prodConcurrency ?? 2 },
    ],
    approvals: { approvers: ['alice', 'bob'] },
  };
}

async function writeFleet(name: string, spec: object): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, stringify(spec));
  return file;
}

async function rehearseFleet(args: string[]) {
  const report = join(dir, `fleet-${Math.random().toString(36).slice(2)}.html`);
  const result = await runCli([
    'rehearse',
    ...args,
    '--time-scale',
    '60',
    '--report',
    report,
    '--json',
    '--as',
    'carol',
  ]);
  if (result.stdout.trim() === '') throw new Error(`rehearse exited ${String(result.exitCode)}: ${result.stderr}`);
  return { exitCode: result.exitCode, json: JSON.parse(result.stdout) as FleetRehearsalOutcome, report };
}

const onTarget = (c: FleetRehearsalOutcome['clusters'][number]) =>
  c.finalState.revisions.join() === '1-27-3@1.27.3' &&
  Object.values(c.finalState.proxies).every((p) => p.join() === '1.27.3@1-27-3');

describe('istio-upgrade rehearse of a fleet spec', () => {
  it(
    'rehearses staging, then prod-a and prod-b two at a time, from scenarios: every cluster on 1.27.3 (exit 0), the bake shortened, the freeze ignored and both counted in the estimate, the fleet report linking each cluster report',
    { timeout: 400_000 },
    async () => {
      const now = Date.now();
      const file = await writeFleet(
        'fleet.yaml',
        fleetSpec({
          prodAFreeze: { from: new Date(now - DAY).toISOString(), to: new Date(now + 3 * DAY).toISOString() },
        }),
      );
      const scenario = SCENARIOS.sidecarIstioctl;
      const { exitCode, json, report } = await rehearseFleet([
        '-f',
        file,
        ...['staging', 'prod-a', 'prod-b'].flatMap((c) => ['--scenario', `${c}=${scenario}`]),
      ]);
      expect(json.reason).toBeNull();
      expect(exitCode).toBe(0);
      expect(json.outcome).toBe('completed');
      expect(json.clusters.map((c) => [c.name, c.state, c.outcome])).toEqual([
        ['staging', 'completed', 'completed'],
        ['prod-a', 'completed', 'completed'],
        ['prod-b', 'completed', 'completed'],
      ]);
      for (const c of json.clusters) {
        expect(onTarget(c), c.name).toBe(true);
        // Each cluster's upgrade ran as a real fleet's does: its usual id, on its own worker's queue.
        expect(c.workflowId).toBe(`istio-upgrade-${c.name}`);
        expect(c.taskQueue).toBe(`istio-upgrades-${c.name}`);
        expect(c.gates).toBeGreaterThan(0);
        expect(c.estimate?.soakSeconds).toBe(420);
      }
      // The gate before stage prod; staging has none.
      expect(json.fleetGates).toBe(1);
      expect(json.stages.map((s) => [s.name, s.state, s.bake.realSeconds, s.bake.rehearsedSeconds])).toEqual([
        ['staging', 'done', 3600, 10],
        ['prod', 'done', 0, 0],
      ]);
      expect(json.specChanges.join('\n')).toMatch(
        /bake 1h runs as 10s[\s\S]*prod-a: 0 maintenance window\(s\) and 1 freeze\(s\) ignored/,
      );
      expect(json.clusters[0]?.specChanges.join('\n')).toContain('Slack notifications to #mesh-upgrades left out');

      // A real run started now: staging, its hour of bake, then prod-a held until the freeze ends in three days.
      const e = json.estimate;
      expect(e.bakeSeconds).toBe(3600);
      expect(e.seconds).toBe(e.unscheduledSeconds + e.windowWaitSeconds);
      const [staging, prodA, prodB] = json.clusters.map((c) => c.estimate?.seconds ?? 0);
      expect(e.unscheduledSeconds).toBe(staging! + 3600 + Math.max(prodA!, prodB!));
      // "Now" is when the rehearsal started its fleet, a few seconds (simulators booting) after the freeze was written.
      expect(e.seconds).toBeGreaterThanOrEqual(3 * 86_400 + prodA! - 120);
      expect(e.seconds).toBeLessThanOrEqual(3 * 86_400 + prodA!);
      expect(e.gates).toBe(1 + json.clusters.reduce((sum, c) => sum + c.gates, 0));

      const page = await readFile(report, 'utf8');
      expect(page).toContain('<strong>completed</strong>');
      expect(page).toMatch(
        /<td>before-stage:prod<\/td><td>approved<\/td><td>rehearsal<\/td>.*rehearsal: answered unattended/,
      );
      for (const c of json.clusters) {
        expect(page).toContain(`<a href="${c.report ?? ''}">istio-upgrade-${c.name}</a>`);
        const own = await readFile(join(dir, c.report ?? ''), 'utf8');
        expect(
          own.match(/<td>approved<\/td><td>rehearsal<\/td><td>update<\/td><td>rehearsal: answered unattended/g),
        ).toHaveLength(c.gates);
      }

      const text = renderFleetRehearsal(json);
      expect(text).toContain('Fleet rehearsal rehearsal-fleet-mesh-1-27-');
      expect(text).toMatch(/1\. staging: done, bake 1h \(rehearsed as 10s\)\n\s+staging\s+completed/);
      expect(text).toMatch(/Estimated duration at real speed, started now: 3d/);
    },
  );

  it(
    'halts when a fault fails prod-a (exit 1 naming prod-a): prod-a rolled back, prod-b (a read-only snapshot of a running cluster) never started',
    { timeout: 400_000 },
    async () => {
      const production = await startCluster('sidecarIstioctl');
      try {
        const faults = join(dir, 'faults.yaml');
        await writeFile(
          faults,
          '- { kind: neverReady, namespace: bookinfo, deployment: reviews-v2, minProxyVersion: 1.27.0 }\n',
        );
        const file = await writeFleet('fleet-halt.yaml', fleetSpec({ prodConcurrency: 1 }));
        const scenario = SCENARIOS.sidecarIstioctl;
        const { exitCode, json } = await rehearseFleet([
          '-f',
          file,
          '--scenario',
          `staging=${scenario}`,
          '--scenario',
          `prod-a=${scenario}`,
          '--faults',
          `prod-a=${faults}`,
          '--kubeconfig',
          `prod-b=${production.sim.kubeconfigPath}`,
        ]);
        expect(production.sim.writeLog).toEqual([]);
        expect(exitCode).toBe(1);
        expect(json.outcome).toBe('halted');
        expect(json.reason).toMatch(/^stage prod: prod-a rolled-back/);
        const byName = Object.fromEntries(json.clusters.map((c) => [c.name, c]));
        expect(byName.staging?.state).toBe('completed');
        expect(byName['prod-a']?.state).toBe('rolled-back');
        expect(byName['prod-a']?.steps?.find((s) => s.id.includes('reviews-v2'))?.state).toBe('failed');
        expect(byName['prod-a']?.finalState.revisions).toEqual(['default@1.26.4']);
        expect(byName['prod-b']?.source).toContain(
          `snapshot (read-only) of the current context in ${production.sim.kubeconfigPath}`,
        );
        expect(byName['prod-b']?.state).toBe('not-started');
        expect(byName['prod-b']?.report).toBeNull();
        expect(byName['prod-b']?.finalState.revisions).toEqual(['default@1.26.4']);
        expect(json.estimate.unmeasured).toEqual(['prod-b']);
        expect(renderFleetRehearsal(json)).toMatch(
          /2\. prod: halted, 1 failed of 0 allowed\n\s+prod-a\s+rolled-back: /,
        );
        await access(json.report);
      } finally {
        await production.stop();
      }
    },
  );

  it('refuses a cluster without a source, a flag naming no cluster and --temporal (exit 2, nothing started)', async () => {
    const file = await writeFleet('fleet-sources.yaml', fleetSpec());
    const scenario = SCENARIOS.sidecarIstioctl;
    const missing = await runCli([
      'rehearse',
      '-f',
      file,
      '--scenario',
      `staging=${scenario}`,
      '--scenario',
      `prod-a=${scenario}`,
    ]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('no source for cluster prod-b: give --scenario prod-b=<scenario.yaml>');
    const unknown = await runCli(['rehearse', '-f', file, '--scenario', `prod-c=${scenario}`]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('--scenario: expected <cluster>=<scenario file> naming a cluster of the fleet');
    expect(unknown.stderr).toContain('no source for clusters staging, prod-a, prod-b');
    const shared = await runCli(['rehearse', '-f', file, '--scenario', `staging=${scenario}`, '--temporal']);
    expect(shared.exitCode).toBe(2);
    expect(shared.stderr).toContain('--temporal: a fleet rehearsal runs on a private dev server only');
  });
});
