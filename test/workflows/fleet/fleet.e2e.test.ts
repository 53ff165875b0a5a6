/**
 * A fleet end to end: three simulated clusters, three workers (one task queue each, each holding
 * only its own cluster's kubeconfig), a control worker without any cluster, and one dev server.
 * The clusters' upgrades are the real upgrade workflow and activities.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities/index.js';
import type { FleetSpecInput } from '../../../core/fleet/spec.js';
import { standInToolsFolder } from '../../../sim/index.js';
import type { fleetUpgrade } from '../../../workflows/fleet/fleet.js';
import { fleetStatusQuery } from '../../../workflows/fleet/messages.js';
import type { FleetResult } from '../../../workflows/fleet/messages.js';
import { approveSignal, statusQuery } from '../../../workflows/messages.js';
import type { SimCluster } from '../../activities/support/sim.js';
import { operatorEnv, runCli } from '../../support/cli.js';
import { devServerEnv } from '../../support/temporal.js';
import { workflowBundle } from '../../support/worker.js';
import { meshState, startSimCluster } from '../support/upgrade-harness.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const ROLES = ['staging', 'prod-a', 'prod-b'] as const;
type Role = (typeof ROLES)[number];

interface Fleet {
  names: Record<Role, string>;
  clusters: Record<Role, SimCluster>;
}

async function startFleetClusters(): Promise<Fleet> {
  const suffix = randomUUID().slice(0, 6);
  const started = await Promise.all(ROLES.map(() => startSimCluster('sidecarIstioctl')));
  return {
    names: Object.fromEntries(ROLES.map((role) => [role, `${role}-${suffix}`])) as Record<Role, string>,
    clusters: Object.fromEntries(ROLES.map((role, index) => [role, started[index]])) as Record<Role, SimCluster>,
  };
}

/** The shared upgrade spec: a revision canary of bookinfo, gates off inside each cluster (the fleet's gates are the humans' here). */
function fleetSpec(fleet: Fleet, more: Partial<FleetSpecInput> = {}): FleetSpecInput {
  const { names } = fleet;
  return {
    name: `e2e-${names.staging.slice(-6)}`,
    target: '1.27.3',
    upgrade: {
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
      timers: { soakAfterControlPlane: '1s', graceBeforeRevisionRemoval: '1s' },
      gates: {
        beforeControlPlane: false,
        beforeGateways: false,
        beforeZtunnel: false,
        perNamespace: false,
        beforeDefaultTag: false,
        beforeRemovingOldRevision: false,
        onTestFailure: false,
      },
      restarts: { concurrency: 4 },
      // Failure gates (a rollback's too) are answered by approvers even with every planned gate off.
      approvals: { approvers: ['alice', 'bob'] },
    },
    clusters: { [names.staging]: {}, [names['prod-a']]: {}, [names['prod-b']]: {} },
    stages: [
      { name: 'staging', clusters: [names.staging], bake: '2s', gate: false },
      { name: 'prod', clusters: [names['prod-a'], names['prod-b']], concurrency: 2 },
    ],
    approvals: { approvers: ['alice', 'bob'] },
    ...more,
  };
}

/**
 * Runs the fleet with a worker per cluster queue and a control worker; approves the fleet's stage
 * gates. Each worker names the cluster it serves, as ISTIO_UPGRADE_CLUSTER does; `queues` routes a
 * cluster's worker to another queue than its own.
 */
async function runFleet(
  fleet: Fleet,
  spec: FleetSpecInput,
  queues: Partial<Record<Role, string>> = {},
): Promise<FleetResult> {
  const bundle = await workflowBundle('workflows/index.ts');
  const tools = standInToolsFolder();
  const control = `control-${randomUUID()}`;
  const workers = await Promise.all([
    Worker.create({ connection: env.nativeConnection, taskQueue: control, workflowBundle: bundle }),
    ...ROLES.map((role) =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue: queues[role] ?? `istio-upgrades-${fleet.names[role]}`,
        workflowBundle: bundle,
        // Only this cluster's kubeconfig: the worker cannot reach the others.
        activities: createActivities({
          kubeConfig: fleet.clusters[role].kubeConfig,
          cluster: fleet.names[role],
          tools: { kubeconfigPath: fleet.clusters[role].sim.kubeconfigPath, searchPath: [tools] },
        }),
      }),
    ),
  ]);
  const run = async (): Promise<FleetResult> => {
    const handle: WorkflowHandle<typeof fleetUpgrade> = await env.client.workflow.start('fleetUpgrade', {
      taskQueue: control,
      workflowId: `istio-fleet-${spec.name}`,
      args: [{ fleet: spec, initiator: 'carol' }],
    });
    const answered = new Set<string>();
    for (;;) {
      const status = await handle.query(fleetStatusQuery);
      if (status.outcome !== null) break;
      for (const gate of status.pendingGates.filter((g) => !answered.has(g.id))) {
        answered.add(gate.id);
        await handle.signal(approveSignal, { gateId: gate.id, by: 'alice', requestId: `approve-${gate.id}` });
      }
      // The test a cluster fails also fails on the old proxies during its rollback: the operator
      // lets each rollback go on past it, as in upgrade.canary.e2e.test.ts.
      for (const cluster of status.clusters.filter((c) => c.state === 'running')) {
        const child = env.client.workflow.getHandle(cluster.workflowId);
        const childStatus = await child.query(statusQuery).catch(() => null);
        if (process.env.FLEET_DEBUG)
          console.log(
            cluster.name,
            childStatus?.phase,
            childStatus?.current,
            childStatus?.pendingGates.map((g) => g.id),
            JSON.stringify(childStatus?.refused),
            JSON.stringify(childStatus?.decisions.slice(-2)),
          );
        for (const gate of childStatus?.pendingGates ?? []) {
          if (answered.has(`${cluster.name}/${gate.id}`) || !gate.id.startsWith('failed:rollback:')) continue;
          answered.add(`${cluster.name}/${gate.id}`);
          await child.signal(approveSignal, { gateId: gate.id, by: 'bob', requestId: `approve-${gate.id}` });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return handle.result();
  };
  const nest = (list: Worker[]): Promise<FleetResult> => {
    const [head, ...tail] = list;
    return head === undefined ? run() : head.runUntil(nest(tail));
  };
  return nest(workers);
}

function onTarget(cluster: SimCluster): boolean {
  const state = meshState(cluster) as { istiods: string[]; proxies: Record<string, string> };
  return (
    state.istiods.length === 1 &&
    state.istiods[0]?.endsWith(':1.27.3') === true &&
    Object.values(state.proxies).every((proxy) => proxy.startsWith('1.27.3'))
  );
}

describe('a fleet of three simulated clusters', () => {
  it(
    'upgrades staging, bakes, then prod-a and prod-b side by side: every cluster ends on the target, each audited under its own id',
    { timeout: 300_000 },
    async () => {
      const fleet = await startFleetClusters();
      try {
        const spec = fleetSpec(fleet);
        const result = await runFleet(fleet, spec);
        expect(result.status.reason).toBeNull();
        expect(result.outcome).toBe('completed');
        expect(result.status.clusters.map((c) => c.state)).toEqual(['completed', 'completed', 'completed']);
        for (const role of ROLES) expect(onTarget(fleet.clusters[role]), role).toBe(true);
        // Each child is the ordinary upgrade, under its usual id, found by the fleet's search attribute.
        const listed: string[] = [];
        for await (const execution of env.client.workflow.list({ query: `FleetId = 'istio-fleet-${spec.name}'` }))
          listed.push(execution.workflowId);
        expect(listed.sort()).toEqual(
          [`istio-fleet-${spec.name}`, ...ROLES.map((role) => `istio-upgrade-${fleet.names[role]}`)].sort(),
        );
        const child = await env.client.workflow.getHandle(`istio-upgrade-${fleet.names['prod-a']}`).describe();
        expect(child.status.name).toBe('COMPLETED');
        expect(child.taskQueue).toBe(`istio-upgrades-${fleet.names['prod-a']}`);
        // The fleet's report links each cluster's own upgrade report, written beside it (a real CLI process).
        const dir = await mkdtemp(join(tmpdir(), 'fleet-report-'));
        const report = await runCli(
          ['fleet', 'report', `istio-fleet-${spec.name}`, '--out-dir', dir],
          operatorEnv('unused', 'alice'),
        );
        expect(report.stderr).toBe('');
        expect(report.exitCode).toBe(0);
        const page = await readFile(join(dir, `istio-fleet-${spec.name}.html`), 'utf8');
        expect(page).toContain('<strong>completed</strong>');
        for (const role of ROLES) {
          expect(page).toContain(`<a href="istio-upgrade-${fleet.names[role]}.html">`);
          const own = await readFile(join(dir, `istio-upgrade-${fleet.names[role]}.html`), 'utf8');
          expect(own).toContain(`istio-upgrade-${fleet.names[role]}`);
        }
      } finally {
        await Promise.all(ROLES.map((role) => fleet.clusters[role].stop()));
      }
    },
  );

  it(
    'halts when prod-a fails its test and rolls back: prod-b never starts and the fleet names prod-a and why',
    { timeout: 300_000 },
    async () => {
      const fleet = await startFleetClusters();
      try {
        const before = meshState(fleet.clusters['prod-b']);
        const spec = fleetSpec(fleet, {
          stages: [
            { name: 'staging', clusters: [fleet.names.staging], gate: false },
            { name: 'prod', clusters: [fleet.names['prod-a'], fleet.names['prod-b']], concurrency: 1, gate: false },
          ],
        });
        spec.clusters[fleet.names['prod-a']] = {
          overrides: {
            tests: {
              'bookinfo/reviews-v2': { command: { argv: ['sh', '-c', 'echo "503 from reviews" >&2; exit 1'] } },
            },
          },
        };
        const result = await runFleet(fleet, spec);
        expect(result.outcome).toBe('halted');
        expect(result.status.reason).toMatch(new RegExp(`^stage prod: ${fleet.names['prod-a']} rolled-back \\(`));
        expect(result.status.reason).toContain('reviews-v2');
        expect(result.status.clusters.map((c) => c.state)).toEqual(['completed', 'rolled-back', 'not-started']);
        expect(meshState(fleet.clusters['prod-b'])).toEqual(before);
        expect(fleet.clusters['prod-b'].sim.writeLog).toEqual([]);
      } finally {
        await Promise.all(ROLES.map((role) => fleet.clusters[role].stop()));
      }
    },
  );

  it(
    "a worker never acts on another cluster: prod-b's upgrade routed to staging's worker is refused, naming both, and staging is untouched",
    { timeout: 300_000 },
    async () => {
      const fleet = await startFleetClusters();
      try {
        const misrouted = `misrouted-${fleet.names['prod-b']}`;
        const spec = fleetSpec(fleet, {
          clusters: { [fleet.names['prod-b']]: { taskQueue: misrouted } },
          stages: [{ name: 'prod', clusters: [fleet.names['prod-b']], gate: false }],
        });
        // staging's worker, with staging's kubeconfig, serves the queue prod-b's upgrade is sent to.
        const result = await runFleet(fleet, spec, { staging: misrouted });
        expect(result.outcome).toBe('halted');
        const prodB = result.status.clusters[0];
        expect(prodB?.state).toBe('refused');
        expect(prodB?.reason).toBe(
          `Validation: this upgrade is for cluster ${fleet.names['prod-b']}, but the worker on task queue ${misrouted} serves cluster ${fleet.names.staging} (ISTIO_UPGRADE_CLUSTER): nothing was changed; route it to ${fleet.names['prod-b']}'s worker`,
        );
        expect(fleet.clusters.staging.sim.writeLog).toEqual([]);
        expect(fleet.clusters['prod-b'].sim.writeLog).toEqual([]);
      } finally {
        await Promise.all(ROLES.map((role) => fleet.clusters[role].stop()));
      }
    },
  );
});
