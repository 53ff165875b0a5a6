/**
 * Gate messages in Slack follow the upgrade to the end: a gate the upgrade stops waiting for
 * (an abort, a cancel from the Web UI) has its message updated in place, buttons gone, saying
 * why, so nobody approves a gate that no longer exists. Real worker and activities on the dev
 * server, the simulator, and a stand-in for Slack's Web API.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { SpecInput } from '../../core/spec/schema.js';
import { standInToolsFolder } from '../../sim/index.js';
import { abortUpdate, statusQuery } from '../../workflows/messages.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import type { upgrade } from '../../workflows/upgrade.js';
import type { SimCluster } from '../activities/support/sim.js';
import { CHANNEL_ID, SlackApiStandIn } from '../activities/slack/slack-api-stand-in.js';
import type { RecordedCall } from '../activities/slack/slack-api-stand-in.js';
import { withWorker } from '../support/worker.js';
import { e2eSuite, meshState, quickSpec, startUpgrade } from './support/upgrade-harness.js';

const TOKEN = 'xoxb-withdrawn-gates';
const GATE = 'gate:before-control-plane@1.27.3';

const suite = e2eSuite();
let slack: SlackApiStandIn;
beforeAll(async () => {
  slack = await new SlackApiStandIn(TOKEN).start();
});
afterAll(async () => {
  await slack?.stop();
});

const spec: SpecInput = quickSpec({
  install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
  version: { target: '1.27.3' },
  scope: { namespaces: ['bookinfo'] },
  notifications: { slack: { channel: '#mesh-upgrades' } },
});

function runSlackWorker<T>(cluster: SimCluster, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const activities = createActivities({
    kubeConfig: cluster.kubeConfig,
    tools: { kubeconfigPath: cluster.sim.kubeconfigPath, searchPath: [standInToolsFolder()] },
    slack: { botToken: TOKEN, apiUrl: slack.url, webUiUrl: 'http://localhost:8233' },
  });
  return withWorker(suite.env, { workflowsPath: 'workflows/index.ts', activities }, ({ taskQueue }) => fn(taskQueue));
}

async function until(handle: WorkflowHandle<typeof upgrade>, ok: (status: UpgradeStatus) => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!ok(await handle.query(statusQuery))) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the upgrade');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The gate's message as posted, once the workflow is waiting at it. */
async function postedGate(handle: WorkflowHandle<typeof upgrade>): Promise<RecordedCall> {
  await until(handle, (status) => status.pendingGates.some((gate) => gate.id === GATE));
  const deadline = Date.now() + 15_000;
  for (;;) {
    // This run's post: earlier tests' posts of the same gate were updated already.
    const post = slack
      .callsOf('chat.postMessage')
      .find(
        (call) =>
          call.response?.ok === true &&
          JSON.stringify(call.args.blocks).includes(GATE) &&
          !slack.callsOf('chat.update').some((update) => update.args.ts === call.response?.ts),
      );
    if (post !== undefined) return post;
    if (Date.now() > deadline) throw new Error(`gate ${GATE} was never posted to Slack`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const updatesOf = (post: RecordedCall) => slack.callsOf('chat.update').filter((u) => u.args.ts === post.response?.ts);
const blockTypes = (call: RecordedCall | undefined) =>
  (call?.args.blocks as { type: string }[] | undefined)?.map((block) => block.type);

describe('a Slack gate message the upgrade stops waiting for', () => {
  it('says "withdrawn: the upgrade was aborted by carol" with her reason when she aborts at the gate, and leaves no buttons', async () => {
    const cluster = await suite.fresh();
    const before = meshState(cluster);
    await runSlackWorker(cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, spec);
      const post = await postedGate(handle);
      expect(blockTypes(post)).toContain('actions');

      await handle.executeUpdate(abortUpdate, {
        args: [{ by: 'carol', requestId: randomUUID(), comment: 'change freeze' }],
      });
      const result = await handle.result();
      expect(result.outcome).toBe('rolled-back');
      expect(result.status.pendingGates).toEqual([]);
      expect(result.status.notices.filter((notice) => notice.includes('Slack'))).toEqual([]);

      const [update, ...more] = updatesOf(post);
      expect(more).toEqual([]);
      expect(update?.args.channel).toBe(CHANNEL_ID);
      expect(update?.args.text).toBe(
        `Gate ${GATE} on ${result.plan?.cluster ?? handle.workflowId}: withdrawn: the upgrade was aborted by carol`,
      );
      expect(blockTypes(update)).not.toContain('actions');
      const shown = JSON.stringify(update?.args.blocks);
      expect(shown).toContain('withdrawn: the upgrade was aborted by carol');
      expect(shown).toContain('> change freeze');
    });
    expect(meshState(cluster)).toEqual(before);
  }, 120_000);

  it('says "withdrawn: the upgrade was cancelled" when the Web UI cancels the upgrade at the gate', async () => {
    const cluster = await suite.fresh();
    await runSlackWorker(cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, spec);
      const post = await postedGate(handle);
      await handle.cancel();
      const result = await handle.result();
      expect(result.outcome).toBe('rolled-back');

      const [update, ...more] = updatesOf(post);
      expect(more).toEqual([]);
      expect(update?.args.text).toBe(
        `Gate ${GATE} on ${result.plan?.cluster ?? handle.workflowId}: withdrawn: the upgrade was cancelled`,
      );
      expect(blockTypes(update)).not.toContain('actions');
    });
  }, 120_000);
});
