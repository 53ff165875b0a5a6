/**
 * The approval bridge end to end: the real Bolt app on loopback, a local stand-in for Slack's
 * Web API, click requests signed as Slack signs them, and a gated workflow with its Slack
 * messages on the dev server. Every refusal must leave the gate pending and no decision (no
 * accepted Update, no signal) in the workflow's history.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSlackActivities } from '../../../activities/slack/activities.js';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID, REJECT_REASON_CALLBACK_ID } from '../../../activities/slack/buttons.js';
import { createBridge, EVENTS_PATH } from '../../../client/slack/bridge.js';
import type { Bridge } from '../../../client/slack/bridge.js';
import { decideUpdate } from '../../../workflows/messages.js';
import { pendingGateKey } from '../../../workflows/search-attributes.js';
import { runCli } from '../../support/cli.js';
import { devServerEnv } from '../../support/temporal.js';
import { withWorker } from '../../support/worker.js';
import { CHANNEL_ID, SlackApiStandIn } from '../../activities/slack/slack-api-stand-in.js';
import type { RecordedCall } from '../../activities/slack/slack-api-stand-in.js';
import type { SlackGatedInput, slackGatedRunbook } from './fixtures/slack-gated-runbook.js';
import { buttonClick, formBody, modalSubmission, send, sign } from './signed-request.js';
import type { SignedRequest } from './signed-request.js';

const FIXTURE = 'test/client/slack/fixtures/slack-gated-runbook.ts';
const TOKEN = 'xoxb-test-bridge-token-0001';
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const ALICE = 'U0ALICE01';
const BOB = 'U0BOB0001';
const CAROL = 'U0CAROL01';
const MALLORY = 'U0MALLORY';
const STRANGER = 'U0STRANGE';

const input: SlackGatedInput = {
  // Four eyes: carol is an approver, but started this upgrade and may not approve it.
  policy: { approvers: ['alice', 'bob', 'carol'], initiator: 'carol', allowSelfApproval: false },
  gates: [
    { id: 'control-plane', description: 'install istiod 1-27-3 beside 1-26-4' },
    { id: 'remove-old-revision', description: 'remove istiod 1-26-4' },
  ],
  notice: {
    cluster: 'prod-eu',
    source: '1.26.4',
    target: '1.27.3',
    strategy: 'revision-based',
    method: 'istioctl',
    mode: 'sidecar',
    channel: '#mesh-upgrades',
    step: 'install istiod 1-27-3 beside 1-26-4 with istioctl',
    next: 'move bookinfo to 1-27-3',
  },
};

let env: TestWorkflowEnvironment;
let slack: SlackApiStandIn;
let bridge: Bridge;
let eventsUrl: string;
const bridgeLog: string[] = [];

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
        [BOB, 'bob'],
        [CAROL, 'carol'],
        [MALLORY, 'mallory'],
      ]),
    },
    temporal: env.client.workflow,
    log: (message) => bridgeLog.push(message),
  });
  const address = await bridge.listen();
  eventsUrl = `http://127.0.0.1:${address.port}${EVENTS_PATH}`;
});
afterAll(async () => {
  await bridge?.close();
  await slack?.stop();
  await env?.teardown();
});

type Handle = WorkflowHandle<typeof slackGatedRunbook>;

interface GateMessage {
  call: RecordedCall;
  ts: string;
  /** The value the posted buttons carry, as Slack would send it back on a click. */
  value: string;
}

/** Starts the runbook with a worker whose Slack activities talk to the stand-in. */
function withRunbook<T>(fn: (handle: Handle) => Promise<T>): Promise<T> {
  const activities = createSlackActivities({ botToken: TOKEN, apiUrl: slack.url, webUiUrl: 'http://localhost:8233' });
  return withWorker(env, { workflowsPath: FIXTURE, activities }, async ({ taskQueue }) => {
    const handle = await env.client.workflow.start<typeof slackGatedRunbook>('slackGatedRunbook', {
      taskQueue,
      workflowId: `slack-${randomUUID()}`,
      args: [input],
    });
    return fn(handle);
  });
}

function postedFor(workflowId: string, gateId: string): RecordedCall[] {
  return slack
    .callsOf('chat.postMessage')
    .filter(
      (c) =>
        JSON.stringify(c.args.blocks).includes(workflowId) && JSON.stringify(c.args.blocks).includes(`\`${gateId}\``),
    );
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits for the gate's message to be posted, and reads the buttons' value from it. */
async function gateMessage(handle: Handle, gateId: string): Promise<GateMessage> {
  const call = await until(`the message of ${gateId}`, () => postedFor(handle.workflowId, gateId)[0]);
  const ts = await until('its ts', () => (typeof call.response?.ts === 'string' ? call.response.ts : undefined));
  const actions = (call.args.blocks as { type: string; elements?: { value: string }[] }[]).find(
    (b) => b.type === 'actions',
  );
  return { call, ts, value: actions?.elements?.[0]?.value ?? '' };
}

function click(userId: string, actionId: string, message: GateMessage): Record<string, unknown> {
  return buttonClick({ userId, actionId, value: message.value, channel: CHANNEL_ID, messageTs: message.ts });
}

function ephemeralsTo(userId: string): RecordedCall[] {
  return slack.callsOf('chat.postEphemeral').filter((c) => c.args.user === userId);
}

/** Sends a signed request and waits for the clicker's ephemeral answer. */
async function sendAndHear(
  userId: string,
  payload: Record<string, unknown>,
): Promise<{ status: number; text: string }> {
  const before = ephemeralsTo(userId).length;
  const status = await send(eventsUrl, sign(SECRET, formBody(payload)));
  const answer = await until(`an ephemeral answer to ${userId}`, () => ephemeralsTo(userId)[before]);
  expect(answer.args.channel).toBe(CHANNEL_ID);
  return { status, text: String(answer.args.text) };
}

/** Waits for the message at `ts` to be updated, and returns what it now says. */
async function updateOf(ts: string): Promise<{ text: string; blocks: { type: string }[] }> {
  const call = await until(`chat.update of ${ts}`, () => slack.callsOf('chat.update').find((c) => c.args.ts === ts));
  expect(call.args.channel).toBe(CHANNEL_ID);
  return { text: JSON.stringify(call.args.blocks), blocks: call.args.blocks as { type: string }[] };
}

type History = Awaited<ReturnType<Handle['fetchHistory']>>;

function acceptedUpdates(history: History): { by: string; requestId: string; decision: string; comment?: string }[] {
  return (history.events ?? []).flatMap((e) => {
    const data = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.[0]?.data;
    return data
      ? [
          JSON.parse(Buffer.from(data).toString()) as {
            by: string;
            requestId: string;
            decision: string;
            comment?: string;
          },
        ]
      : [];
  });
}

async function pendingGates(handle: Handle): Promise<string[] | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(pendingGateKey);
}

/** Waits until the workflow says (in its PendingGate search attribute) that these gates are pending. */
async function untilPending(handle: Handle, gateIds: string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (JSON.stringify(await pendingGates(handle)) !== JSON.stringify(gateIds)) {
    if (Date.now() > deadline) throw new Error(`gates ${gateIds.join(', ')} never became the pending ones`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The gate is still pending, the run goes on, and nothing in history decided anything: no accepted Update, no signal. */
async function expectNoDecision(handle: Handle): Promise<void> {
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect(await pendingGates(handle)).toEqual(['control-plane']);
  const events = (await handle.fetchHistory()).events ?? [];
  expect(
    events.filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionSignaledEventAttributes,
    ),
  ).toEqual([]);
}

/** A refusal at the door: 401, no answer to anyone, the workflow untouched. */
async function expectRefusedAtTheDoor(handle: Handle, request: SignedRequest): Promise<void> {
  const ephemerals = slack.callsOf('chat.postEphemeral').length;
  expect(await send(eventsUrl, request)).toBe(401);
  await expectNoDecision(handle);
  expect(slack.callsOf('chat.postEphemeral')).toHaveLength(ephemerals);
}

describe('approving and rejecting from Slack', () => {
  it('approves from the button: the Slack user decides as their approver name, hears so, and the message loses its buttons', async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      const heard = await sendAndHear(ALICE, click(ALICE, APPROVE_ACTION_ID, message));
      expect(heard).toEqual({
        status: 200,
        text: `Recorded: gate \`control-plane\` of \`${handle.workflowId}\` approved by alice.`,
      });

      const updated = await updateOf(message.ts);
      expect(updated.text).toContain('*Approved* by alice');
      expect(updated.blocks.some((b) => b.type === 'actions')).toBe(false);

      const [accepted] = acceptedUpdates(await handle.fetchHistory());
      expect(accepted).toMatchObject({
        by: 'alice',
        decision: 'approve',
        requestId: expect.stringMatching(new RegExp(`^slack:${ALICE}:`)) as string,
      });
      await untilPending(handle, ['remove-old-revision']);
      await handle.terminate('test done');
    });
  });

  it('rejects with a reason asked in a modal: the decision carries the reason, and the message says who rejected', async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      const opened = slack.callsOf('views.open').length;
      const clickPayload = click(BOB, REJECT_ACTION_ID, message);
      expect(await send(eventsUrl, sign(SECRET, formBody(clickPayload)))).toBe(200);
      const modal = await until('views.open', () => slack.callsOf('views.open')[opened]);
      expect(modal.args.trigger_id).toBe(clickPayload.trigger_id);
      const view = modal.args.view as { callback_id: string; private_metadata: string };
      expect(view.callback_id).toBe(REJECT_REASON_CALLBACK_ID);
      await expectNoDecision(handle);

      const viewId = String((modal.response?.view as { id: string }).id);
      const submission = modalSubmission({
        userId: BOB,
        viewId,
        callbackId: view.callback_id,
        privateMetadata: view.private_metadata,
        reason: '5xx in the canary',
      });
      const heard = await sendAndHear(BOB, submission);
      expect(heard).toEqual({
        status: 200,
        text: `Recorded: gate \`control-plane\` of \`${handle.workflowId}\` rejected by bob.`,
      });

      const results = await handle.result();
      expect(
        results.map((r) => [r.gateId, r.decision.outcome, r.decision.by, r.decision.comment, r.decision.requestId]),
      ).toEqual([['control-plane', 'rejected', 'bob', '5xx in the canary', `slack:${BOB}:${viewId}`]]);
      const updated = await updateOf(message.ts);
      expect(updated.text).toContain('*Rejected* by bob');
      expect(updated.text).toContain('5xx in the canary');
    });
  });

  it('updates the Slack message when the gate is decided from the CLI, and a later click is told the gate is no longer pending', async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      const cli = await runCli(
        ['approve', handle.workflowId, 'control-plane', '--as', 'alice', '--comment', 'canary is clean'],
        {
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
        },
      );
      expect(cli.exitCode, cli.stderr).toBe(0);

      const updated = await updateOf(message.ts);
      expect(updated.text).toContain('*Approved* by alice');
      expect(updated.text).toContain('canary is clean');
      expect(updated.blocks.some((b) => b.type === 'actions')).toBe(false);

      // The gate already decided: bob's click on the old message decides nothing.
      await gateMessage(handle, 'remove-old-revision');
      const heard = await sendAndHear(BOB, click(BOB, APPROVE_ACTION_ID, message));
      expect(heard.text).toMatch(/^Not recorded: gate "control-plane" is not pending: it was approved by alice at /);
      expect(acceptedUpdates(await handle.fetchHistory()).map((u) => u.by)).toEqual(['alice']);
      expect(await pendingGates(handle)).toEqual(['remove-old-revision']);
      await handle.terminate('test done');
    });
  });
});

describe('refused at the door (401 before Bolt dispatches): nothing decided, nobody answered', () => {
  it('refuses a bad signature', async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      const body = formBody(click(ALICE, APPROVE_ACTION_ID, message));
      await expectRefusedAtTheDoor(handle, sign('not-the-signing-secret', body));
      // A signed body changed afterwards (here: the clicker) no longer matches its signature.
      const signed = sign(SECRET, body);
      await expectRefusedAtTheDoor(handle, { ...signed, body: body.replace(ALICE, BOB) });
    });
  });

  it('refuses a request without the signature or timestamp header', async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      const signed = sign(SECRET, formBody(click(ALICE, APPROVE_ACTION_ID, message)));
      const { 'x-slack-signature': _signature, ...noSignature } = signed.headers;
      const { 'x-slack-request-timestamp': _timestamp, ...noTimestamp } = signed.headers;
      await expectRefusedAtTheDoor(handle, { ...signed, headers: noSignature });
      await expectRefusedAtTheDoor(handle, { ...signed, headers: noTimestamp });
    });
  });

  it('refuses a correctly signed request stamped more than five minutes ago', async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      await expectRefusedAtTheDoor(
        handle,
        sign(SECRET, formBody(click(ALICE, APPROVE_ACTION_ID, message)), Math.floor(Date.now() / 1000) - 6 * 60),
      );
    });
  });

  it('refuses a correctly signed request stamped more than five minutes ahead (Bolt alone would accept it)', async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      await expectRefusedAtTheDoor(
        handle,
        sign(SECRET, formBody(click(ALICE, APPROVE_ACTION_ID, message)), Math.floor(Date.now() / 1000) + 6 * 60),
      );
    });
  });

  it('refuses a replayed request: the same signed click a second time decides nothing new', async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      const request = sign(SECRET, formBody(click(ALICE, APPROVE_ACTION_ID, message)));
      expect(await send(eventsUrl, request)).toBe(200);
      await updateOf(message.ts);
      const events = (await handle.fetchHistory()).events?.length ?? 0;
      const ephemerals = slack.callsOf('chat.postEphemeral').length;

      expect(await send(eventsUrl, request)).toBe(401);
      const history = await handle.fetchHistory();
      expect(acceptedUpdates(history).map((u) => u.by)).toEqual(['alice']);
      // Anything the workflow did since is its own work (the second gate, its message), never another Update.
      expect(
        (history.events ?? [])
          .slice(events)
          .filter(
            (e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionSignaledEventAttributes,
          ),
      ).toEqual([]);
      expect(slack.callsOf('chat.postEphemeral').length).toBe(ephemerals);
      expect(bridgeLog).toContain('refused a request: replayed request: this signed request was already received');
      expect(bridgeLog.join('\n')).not.toContain(TOKEN);
      expect(bridgeLog.join('\n')).not.toContain(SECRET);
      await handle.terminate('test done');
    });
  });
});

describe('refused with an ephemeral answer: nothing decided', () => {
  it('refuses a Slack user who is not mapped to an approver name', async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      const heard = await sendAndHear(STRANGER, click(STRANGER, APPROVE_ACTION_ID, message));
      expect(heard).toEqual({
        status: 200,
        text: expect.stringContaining(
          `Not recorded: your Slack account (${STRANGER}) is not mapped to an approver name`,
        ) as string,
      });
      // Reject too: no reason dialog for someone who may not answer at all.
      const modals = slack.callsOf('views.open').length;
      expect((await sendAndHear(STRANGER, click(STRANGER, REJECT_ACTION_ID, message))).text).toContain('is not mapped');
      expect(slack.callsOf('views.open')).toHaveLength(modals);
      await expectNoDecision(handle);
      await handle.terminate('test done');
    });
  });

  it("refuses a mapped user who is not an approver of this upgrade, with the workflow's reason", async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      expect((await sendAndHear(MALLORY, click(MALLORY, APPROVE_ACTION_ID, message))).text).toBe(
        'Not recorded: "mallory" is not an approver of this upgrade',
      );
      await expectNoDecision(handle);
      await handle.terminate('test done');
    });
  });

  it('refuses the initiator approving their own gate under four eyes', async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      expect((await sendAndHear(CAROL, click(CAROL, APPROVE_ACTION_ID, message))).text).toBe(
        'Not recorded: "carol" started this upgrade and may not approve its own gates',
      );
      await expectNoDecision(handle);
      await handle.terminate('test done');
    });
  });

  it('refuses a malformed payload: unparseable JSON gets a 400, a button that names no gate an ephemeral answer', async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      const ephemerals = slack.callsOf('chat.postEphemeral').length;
      expect(await send(eventsUrl, sign(SECRET, 'payload=%7B%22type%22%3A%22block_actions%22%2C'))).toBe(400);
      expect(slack.callsOf('chat.postEphemeral')).toHaveLength(ephemerals);

      const forged = buttonClick({
        userId: ALICE,
        actionId: APPROVE_ACTION_ID,
        value: '{"g":"control-plane"}',
        channel: CHANNEL_ID,
        messageTs: message.ts,
      });
      expect((await sendAndHear(ALICE, forged)).text).toBe(
        'Not recorded: this request does not name a gate of an upgrade (malformed payload).',
      );
      await expectNoDecision(handle);
      await handle.terminate('test done');
    });
  });

  it('refuses a click on a message of an upgrade that is over', async () => {
    await withRunbook(async (handle) => {
      const message = await gateMessage(handle, 'control-plane');
      await handle.executeUpdate(decideUpdate, {
        args: [{ gateId: 'control-plane', by: 'bob', requestId: 'cli-1', decision: 'reject' }],
      });
      await handle.result();
      expect((await sendAndHear(ALICE, click(ALICE, APPROVE_ACTION_ID, message))).text).toBe(
        `Not recorded: upgrade ${handle.workflowId} is no longer running`,
      );
    });
  });
});
