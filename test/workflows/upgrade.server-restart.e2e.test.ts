/**
 * The Temporal dev server stopped and started again on the same SQLite file and port in the
 * middle of a revision canary, twice: once while the gate before moving bookinfo waits for a
 * human, once while a deployment rolls out. The worker stays up and keeps polling through both
 * outages; the upgrade goes on from where it was, and every deployment is restarted once.
 *
 * This file starts its own dev server (the shared one must never go down under other files).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDevServer, type DevServer } from '../../scripts/dev-server.js';
import { decideUpdate, statusQuery } from '../../workflows/messages.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import type { upgrade } from '../../workflows/upgrade.js';
import type { SimCluster } from '../activities/support/sim.js';
import { bookinfoRestarts, crashCanarySpec, expectFinishedOnce, startCrashCluster } from './support/crash-harness.js';
import { APPROVERS, answerGates, runWorker, startUpgrade } from './support/upgrade-harness.js';

const GATE = 'gate:namespace:bookinfo@1.27.3';

let folder: string;
let dbFilename: string;
let port: number;
let server: DevServer | null = null;
let env: TestWorkflowEnvironment;
let cluster: SimCluster;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'temporal-restart-'));
  dbFilename = join(folder, 'temporal.db');
  port = await freePort();
  [server, cluster] = await Promise.all([
    startDevServer({ port, dbFilename }),
    // Bookinfo's pods take 2 s each to get ready: a rollout lasts long enough to stop the server in.
    startCrashCluster({ timeScale: 50, bookinfoReadySeconds: 100 }),
  ]);
  env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address });
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop(), server?.stop()]);
  if (folder) rmSync(folder, { recursive: true, force: true });
});

function accepts(target: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port: target, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Stops the dev server, proves it is gone, and starts it again on the same file and port. */
async function restartServer(handle: WorkflowHandle<typeof upgrade>): Promise<void> {
  await server?.stop();
  server = null;
  expect(await accepts(port)).toBe(false);
  server = await startDevServer({ port, dbFilename });
  await handle.query(statusQuery);
}

/**
 * Polls the status (a query fails while the server is down) and approves every pending gate but
 * `hold`, until `until` holds; returns that status.
 */
async function driveUntil(
  handle: WorkflowHandle<typeof upgrade>,
  until: (status: UpgradeStatus) => boolean,
  hold: string | null,
): Promise<UpgradeStatus> {
  let turn = 0;
  for (;;) {
    const status = await handle.query(statusQuery).catch(() => null);
    if (status !== null && until(status)) return status;
    if (status?.outcome)
      throw new Error(
        `the upgrade ended (${status.outcome}) before the stop point: ${status.steps.map((s) => `${s.id}:${s.state}`).join(', ')}`,
      );
    for (const gate of status?.pendingGates ?? []) {
      if (gate.id === hold) continue;
      if (gate.kind === 'failure') throw new Error(`unexpected failure gate: ${gate.description}`);
      const by = APPROVERS[turn++ % APPROVERS.length] ?? 'alice';
      await handle.executeUpdate(decideUpdate, {
        args: [{ gateId: gate.id, by, requestId: randomUUID(), decision: 'approve' }],
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the Temporal server restarted in the middle of a canary', () => {
  it('keeps the bookinfo gate open across a server restart, resumes a rollout cut by a second restart, and completes restarting every bookinfo deployment exactly once', async () => {
    const outcome = await runWorker(env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(env, taskQueue, crashCanarySpec());

      // 1. The gate before moving bookinfo waits for a human: stop the server under it.
      const atGate = await driveUntil(handle, (status) => status.pendingGates.some((gate) => gate.id === GATE), GATE);
      const writesBeforeGate = cluster.sim.writeLog.length;
      await restartServer(handle);
      const afterFirst = await driveUntil(handle, () => true, GATE);
      expect(afterFirst.pendingGates.map((gate) => gate.id)).toEqual([GATE]);
      expect(afterFirst.steps.map((step) => `${step.id}:${step.state}`)).toEqual(
        atGate.steps.map((step) => `${step.id}:${step.state}`),
      );
      expect(cluster.sim.writeLog.length).toBe(writesBeforeGate);

      // 2. reviews-v2 rolls out (its patch sent, its pods not ready yet): stop the server again.
      const midRestart = await driveUntil(
        handle,
        (status) =>
          bookinfoRestarts(cluster)['reviews-v2'] === 1 &&
          status.workloads.find((w) => w.name === 'reviews-v2')?.state === 'running',
        null,
      );
      expect(midRestart.current).toBe('restart:bookinfo/reviews-v2@1.27.3');
      await restartServer(handle);

      // 3. The same run goes on to the end.
      const result = await answerGates(handle);
      return { result, atKill: midRestart, handle };
    });

    expect(statSync(dbFilename).size).toBeGreaterThan(0);
    await expectFinishedOnce(env, outcome, cluster);
    const history = await outcome.handle.fetchHistory();
    expect((history.events ?? []).filter((event) => event.workflowExecutionStartedEventAttributes).length).toBe(1);
    expect(
      outcome.result.status.decisions
        .filter((decision) => decision.gateId === GATE)
        .map((decision) => `${decision.outcome} via ${decision.via}`),
    ).toEqual(['approved via update']);
  }, 300_000);
});
