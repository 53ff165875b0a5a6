/**
 * A fleet of two clusters upgrading side by side, and the worker of one of them killed with
 * SIGKILL while its deployments roll: a new worker process for that cluster's queue finishes its
 * upgrade with every deployment restarted exactly once, and the other cluster, on its own worker,
 * never notices.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../../activities/index.js';
import type { FleetSpecInput } from '../../../core/fleet/spec.js';
import { standInToolsFolder } from '../../../sim/index.js';
import type { fleetUpgrade } from '../../../workflows/fleet/fleet.js';
import { fleetStatusQuery } from '../../../workflows/fleet/messages.js';
import { statusQuery } from '../../../workflows/messages.js';
import type { upgrade } from '../../../workflows/upgrade.js';
import type { SimCluster } from '../../activities/support/sim.js';
import { devServerEnv } from '../../support/temporal.js';
import { workflowBundle } from '../../support/worker.js';
import {
  BOOKINFO,
  bookinfoRestarts,
  scheduledActivities,
  startCrashCluster,
  startWorkerProcess,
} from '../support/crash-harness.js';
import type { WorkerProcess } from '../support/crash-harness.js';
import { meshState } from '../support/upgrade-harness.js';

let env: TestWorkflowEnvironment;
let a: SimCluster;
let b: SimCluster;
beforeAll(async () => {
  // Bookinfo's pods take 2 s each to get ready in both: a rollout lasts long enough to die in.
  [env, a, b] = await Promise.all([
    devServerEnv(),
    startCrashCluster({ timeScale: 50, bookinfoReadySeconds: 100 }),
    startCrashCluster({ timeScale: 50, bookinfoReadySeconds: 100 }),
  ]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), a?.stop(), b?.stop()]);
});

function onTarget(cluster: SimCluster): void {
  const state = meshState(cluster) as { istiods: string[]; proxies: Record<string, string> };
  expect(state.istiods).toEqual(['istiod-1-27-3:1.27.3']);
  expect(Object.entries(state.proxies).filter(([, proxy]) => !proxy.startsWith('1.27.3@'))).toEqual([]);
}

describe('a fleet whose cluster worker dies mid-upgrade', () => {
  it("finishes that cluster's upgrade on a new worker, each deployment restarted once, the other cluster undisturbed", async () => {
    const suffix = randomUUID().slice(0, 6);
    const [nameA, nameB] = [`crash-a-${suffix}`, `crash-b-${suffix}`];
    const fleet: FleetSpecInput = {
      name: `crash-${suffix}`,
      target: '1.27.3',
      upgrade: {
        install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
        scope: { namespaces: ['bookinfo'] },
        restarts: { order: ['bookinfo/reviews-v2'] },
        timers: { soakAfterControlPlane: '1s', graceBeforeRevisionRemoval: '1s' },
        gates: {
          beforeControlPlane: false,
          beforeGateways: false,
          beforeZtunnel: false,
          perNamespace: false,
          beforeDefaultTag: false,
          beforeRemovingOldRevision: false,
        },
        approvals: { approvers: ['alice', 'bob'] },
      },
      clusters: { [nameA]: {}, [nameB]: {} },
      stages: [{ name: 'both', clusters: [nameA, nameB], concurrency: 2, gate: false }],
      approvals: { approvers: ['alice', 'bob'] },
    };
    const address = inject('temporalAddress');
    const bundle = await workflowBundle('workflows/index.ts');
    const control = `control-${suffix}`;
    const controlWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: control,
      workflowBundle: bundle,
    });
    const workerB = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: `istio-upgrades-${nameB}`,
      workflowBundle: bundle,
      activities: createActivities({
        kubeConfig: b.kubeConfig,
        tools: { kubeconfigPath: b.sim.kubeconfigPath, searchPath: [standInToolsFolder()] },
      }),
    });
    const processes: WorkerProcess[] = [await startWorkerProcess(address, `istio-upgrades-${nameA}`, a)];
    const run = async () => {
      const handle: WorkflowHandle<typeof fleetUpgrade> = await env.client.workflow.start('fleetUpgrade', {
        taskQueue: control,
        workflowId: `istio-fleet-${fleet.name}`,
        args: [{ fleet, initiator: 'carol' }],
      });
      const childA: WorkflowHandle<typeof upgrade> = env.client.workflow.getHandle(`istio-upgrade-${nameA}`);
      // Kill A's worker once reviews-v2's restart patch is in and its rollout is not reported done.
      for (let looks = 0; ; looks += 1) {
        if (looks > 1200) throw new Error(`never reached the kill point:\n${processes[0]?.output() ?? ''}`);
        const status = await childA.query(statusQuery).catch(() => null);
        if (
          status !== null &&
          bookinfoRestarts(a)['reviews-v2'] === 1 &&
          status.workloads.find((w) => w.name === 'reviews-v2')?.state === 'running'
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await processes[0]?.kill();
      processes.push(await startWorkerProcess(address, `istio-upgrades-${nameA}`, a));
      for (;;) {
        const status = await handle.query(fleetStatusQuery);
        if (status.outcome !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return handle.result();
    };
    try {
      const result = await controlWorker.runUntil(workerB.runUntil(run()));
      expect(result.outcome).toBe('completed');
      expect(result.status.clusters.map((c) => [c.name, c.state])).toEqual([
        [nameA, 'completed'],
        [nameB, 'completed'],
      ]);
      const once = Object.fromEntries(BOOKINFO.map((name) => [name, 1]));
      expect(bookinfoRestarts(a)).toEqual(once);
      expect(bookinfoRestarts(b)).toEqual(once);
      for (const name of [nameA, nameB]) {
        const twice = Object.entries(
          await scheduledActivities(env, env.client.workflow.getHandle(`istio-upgrade-${name}`)),
        ).filter(([, count]) => count > 1);
        expect(twice, name).toEqual([]);
      }
      onTarget(a);
      onTarget(b);
    } finally {
      await Promise.all(processes.map((p) => p.kill()));
    }
  }, 300_000);
});
