/**
 * The Slack bridge's Revert button end to end: the real Bolt app on loopback, the Slack Web API
 * stand-in, signed requests, and a failed workload's gate on the dev server. A click opens a
 * dialog asking why; its submission is the `revert` Update; an answer the workflow refuses is
 * told to the clicker and leaves the gate pending.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVERT_ACTION_ID, REVERT_REASON_CALLBACK_ID, encodeGateRef } from '../../../activities/slack/buttons.js';
import { createBridge, EVENTS_PATH } from '../../../client/slack/bridge.js';
import type { Bridge } from '../../../client/slack/bridge.js';
import { statusQuery } from '../../../workflows/messages.js';
import { devServerEnv } from '../../support/temporal.js';
import { withWorker } from '../../support/worker.js';
import { CHANNEL_ID, SlackApiStandIn } from '../../activities/slack/slack-api-stand-in.js';
import type { RevertGateInput, RevertGateResult, revertGateRunbook } from './fixtures/revert-gate-runbook.js';
import { buttonClick, formBody, modalSubmission, send, sign } from './signed-request.js';

const TOKEN = 'xoxb-test-bridge-token-0002';
const SECRET = '8f742231b10e8888abcd99yyyzzz85a6';
const ALICE = 'U0ALICE01';
const MALLORY = 'U0MALLORY';

let env: TestWorkflowEnvironment;
let slack: SlackApiStandIn;
let bridge: Bridge;
let eventsUrl: string;

beforeAll(async () => {
  env = await devServerEnv();
  slack = await new SlackApiStandIn(TOKEN).start();
  bridge = createBridge({
    config: {
      botToken: TOKEN,
      signingSecret: SECRET,
      apiUrl: slack.url,
      host: '127.0.0.1',
      port: 0,
      approvers: new Map([
        [ALICE, 'alice'],
        [MALLORY, 'mallory'],
      ]),
    },
    temporal: env.client.workflow,
    log: () => undefined,
  });
  eventsUrl = `http://127.0.0.1:${(await bridge.listen()).port}${EVENTS_PATH}`;
});
afterAll(async () => {
  await bridge?.close();
  await slack?.stop();
  await env?.teardown();
});

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Clicks Revert as `userId`, fills the dialog with `reason`, and returns what the clicker is told. */
async function revertAs(userId: string, value: string, reason: string): Promise<string> {
  const opened = slack.callsOf('views.open').length;
  await send(
    eventsUrl,
    sign(
      SECRET,
      formBody(buttonClick({ userId, actionId: REVERT_ACTION_ID, value, channel: CHANNEL_ID, messageTs: '1.2' })),
    ),
  );
  const modal = await until('views.open', () => slack.callsOf('views.open')[opened]);
  const view = modal.args.view as { callback_id: string; private_metadata: string };
  expect(view.callback_id).toBe(REVERT_REASON_CALLBACK_ID);
  const told = slack.callsOf('chat.postEphemeral').filter((c) => c.args.user === userId).length;
  await send(
    eventsUrl,
    sign(
      SECRET,
      formBody(
        modalSubmission({
          userId,
          viewId: String((modal.response?.view as { id: string }).id),
          callbackId: view.callback_id,
          privateMetadata: view.private_metadata,
          reason,
        }),
      ),
    ),
  );
  const answer = await until(
    'the answer',
    () => slack.callsOf('chat.postEphemeral').filter((c) => c.args.user === userId)[told],
  );
  return String(answer.args.text);
}

describe('the Revert button', () => {
  it('refuses someone who is not an approver, then reverts with the reason asked in the dialog', async () => {
    const input: RevertGateInput = {
      policy: { approvers: ['alice', 'bob'], initiator: 'carol', allowSelfApproval: false },
      gateId: 'failed:restart:shop/cart-v1@1.27.3#1',
      stepId: 'restart:shop/cart-v1@1.27.3',
    };
    await withWorker(
      env,
      { workflowsPath: 'test/client/slack/fixtures/revert-gate-runbook.ts' },
      async ({ taskQueue }) => {
        const handle = await env.client.workflow.start<typeof revertGateRunbook>('revertGateRunbook', {
          taskQueue,
          workflowId: `slack-revert-${randomUUID()}`,
          args: [input],
        });
        while ((await handle.query(statusQuery)).pendingGates.length === 0) await new Promise((r) => setTimeout(r, 50));
        const value = encodeGateRef({
          workflowId: handle.workflowId,
          runId: handle.firstExecutionRunId,
          gateId: input.gateId,
        });

        expect(await revertAs(MALLORY, value, 'looks broken')).toBe(
          'Not recorded: "mallory" is not an approver of this upgrade',
        );
        expect((await handle.query(statusQuery)).pendingGates.map((g) => g.id)).toEqual([input.gateId]);

        expect(await revertAs(ALICE, value, 'cart 5xx on 1.27')).toBe(
          `Recorded: revert at gate \`${input.gateId}\` of \`${handle.workflowId}\` by alice.`,
        );
        const result: RevertGateResult = await handle.result();
        expect(result.choice).toBe('revert');
        expect(result.revert).toMatchObject({
          action: 'revert',
          by: 'alice',
          comment: 'cart 5xx on 1.27',
          gateId: input.gateId,
        });
        expect(result.decision).toMatchObject({ by: 'alice', comment: 'revert: cart 5xx on 1.27' });
      },
    );
  });
});
