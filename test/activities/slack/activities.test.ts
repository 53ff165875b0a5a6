/**
 * The Slack adapters against a local stand-in for Slack's Web API: what the gate message says
 * and carries, how it is closed, and how Slack's answers come back as typed failures that never
 * carry the token.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackActivities } from '../../../activities/slack/activities.js';
import { decodeGateRef } from '../../../activities/slack/buttons.js';
import { slackActivityConfigFromEnv } from '../../../activities/slack/config.js';
import type { GateClosedNotice, GateNotice } from '../../../workflows/messages.js';
import { CHANNEL_ID, SlackApiStandIn } from './slack-api-stand-in.js';

const TOKEN = 'xoxb-1111-2222-secrettokenvalue';
const RUN_ID = '5f0c6a0e-0000-4000-8000-000000000001';

const notice: GateNotice = {
  upgradeId: 'istio-upgrade-prod-eu',
  cluster: 'prod-eu',
  source: '1.26.4',
  target: '1.27.3',
  strategy: 'revision-based',
  method: 'istioctl',
  mode: 'sidecar',
  initiator: 'carol',
  approvers: ['alice', 'bob'],
  channel: '#mesh-upgrades',
  gate: {
    id: 'control-plane',
    description: 'install istiod 1-27-3 beside 1-26-4',
    openedAt: '2026-03-01T10:00:00.000Z',
    deadline: '2026-03-01T12:00:00.000Z',
    kind: 'approval',
  },
  step: 'install istiod 1-27-3 beside 1-26-4 with istioctl',
  next: 'move bookinfo to 1-27-3 and restart its deployments',
};

let slack: SlackApiStandIn;
beforeAll(async () => {
  slack = await new SlackApiStandIn(TOKEN).start();
});
afterAll(async () => {
  await slack?.stop();
});
beforeEach(() => {
  slack.calls.length = 0;
});

function activityEnv(): MockActivityEnvironment {
  return new MockActivityEnvironment({
    workflowExecution: { workflowId: notice.upgradeId, runId: RUN_ID },
    namespace: 'mesh',
  });
}

function activities() {
  return createSlackActivities({ botToken: TOKEN, apiUrl: slack.url, webUiUrl: 'http://temporal-ui.test:8233/' });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

/** Every text of a Block Kit message, flattened, to look for what a reader sees. */
function texts(blocks: unknown): string {
  return JSON.stringify(blocks);
}

const link = `http://temporal-ui.test:8233/namespaces/mesh/workflows/istio-upgrade-prod-eu/${RUN_ID}/history`;

describe('slackPostGate', () => {
  it('posts the gate with cluster, versions, strategy, initiator, step, what follows, the Web UI link and buttons naming this run', async () => {
    const posted = await activityEnv().run(activities().slackPostGate, notice);
    expect(posted).toEqual({ channel: CHANNEL_ID, ts: expect.stringMatching(/^\d+\.\d+$/) as string });

    const [call] = slack.callsOf('chat.postMessage');
    expect(call?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.stringify(call?.args)).not.toContain(TOKEN);
    expect(call?.args.channel).toBe('#mesh-upgrades');
    expect(call?.args.text).toBe('Approval needed on prod-eu: install istiod 1-27-3 beside 1-26-4');
    const shown = texts(call?.args.blocks);
    for (const fact of [
      'prod-eu',
      '1.26.4 → 1.27.3',
      'revision-based · istioctl · sidecar',
      'carol',
      notice.step,
      notice.next!,
      'alice, bob',
      link,
      'control-plane',
    ]) {
      expect(shown).toContain(fact);
    }

    const actions = (
      call?.args.blocks as { type: string; elements?: { action_id: string; value: string; style: string }[] }[]
    ).find((b) => b.type === 'actions');
    expect(actions?.elements?.map((e) => [e.action_id, e.style])).toEqual([
      ['gate-approve', 'primary'],
      ['gate-reject', 'danger'],
    ]);
    for (const button of actions?.elements ?? []) {
      expect(decodeGateRef(button.value)).toEqual({
        workflowId: 'istio-upgrade-prod-eu',
        runId: RUN_ID,
        gateId: 'control-plane',
      });
    }
  });

  it('keeps text from specs and comments plain: no mentions, no links smuggled in', async () => {
    await activityEnv().run(activities().slackPostGate, {
      ...notice,
      step: 'restart <!channel> & <http://evil.test|reviews>',
    });
    const shown = texts(slack.callsOf('chat.postMessage')[0]?.args.blocks);
    expect(shown).toContain('restart &lt;!channel&gt; &amp; &lt;http://evil.test|reviews&gt;');
    expect(shown).not.toContain('<!channel>');
  });
});

describe('slackUpdateGate', () => {
  const message = { channel: CHANNEL_ID, ts: '1700000001.000100' };

  it('replaces the buttons with the outcome, who decided, when, and the comment', async () => {
    const closed: GateClosedNotice = {
      notice,
      message,
      decision: {
        gateId: 'control-plane',
        outcome: 'rejected',
        via: 'update',
        at: '2026-03-01T10:05:00.000Z',
        by: 'bob',
        requestId: 'r-1',
        comment: '5xx in the canary <@U1>',
      },
    };
    await activityEnv().run(activities().slackUpdateGate, closed);
    const [call] = slack.callsOf('chat.update');
    expect(call?.args).toMatchObject({
      channel: CHANNEL_ID,
      ts: message.ts,
      text: 'Gate control-plane on prod-eu: rejected by bob',
    });
    const blocks = call?.args.blocks as { type: string }[];
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
    const shown = texts(blocks);
    expect(shown).toContain('*Rejected* by bob <!date^1772359500^');
    expect(shown).toContain('5xx in the canary &lt;@U1&gt;');
    expect(shown).toContain(link);
  });

  it('says a timed-out gate timed out, with nobody named', async () => {
    await activityEnv().run(activities().slackUpdateGate, {
      notice,
      message,
      decision: {
        gateId: 'control-plane',
        outcome: 'timed-out' as const,
        via: 'timer' as const,
        at: '2026-03-01T12:00:00.000Z',
      },
    });
    const shown = texts(slack.callsOf('chat.update')[0]?.args.blocks);
    expect(shown).toContain('*Timed out*');
    expect(shown).toContain('nobody decided in time');
    expect(shown).not.toContain('gate-approve');
  });
});

describe('failures', () => {
  it('fails non-retryably, naming the variable, when the worker has no Slack token, and calls nothing', async () => {
    const config = slackActivityConfigFromEnv({ SLACK_API_URL: slack.url });
    expect(config).toEqual({ missing: 'SLACK_BOT_TOKEN' });
    const unconfigured = createSlackActivities(config);
    for (const call of [
      () => unconfigured.slackPostGate(notice),
      () =>
        unconfigured.slackUpdateGate({
          notice,
          message: { channel: CHANNEL_ID, ts: '1.2' },
          decision: { gateId: 'g', outcome: 'approved' as const, via: 'update' as const, at: notice.gate.openedAt },
        }),
    ]) {
      const failure = await failureOf(activityEnv().run(call));
      expect(failure).toMatchObject({
        type: 'Validation',
        nonRetryable: true,
        message: 'Slack is not configured on this worker: set SLACK_BOT_TOKEN',
      });
    }
    expect(slack.calls).toEqual([]);
  });

  it("types Slack's answers: refusals final, outages and rate limits retried (with Slack's delay), the token in none of them", async () => {
    const cases = [
      [{ error: 'channel_not_found' }, 'NotFound', true],
      [{ error: 'not_in_channel' }, 'Forbidden', true],
      [{ error: 'invalid_blocks' }, 'Validation', true],
      [{ status: 503 }, 'Unavailable', false],
      [{ retryAfterSeconds: 7 }, 'RateLimited', false],
    ] as const;
    for (const [injected, type, nonRetryable] of cases) {
      slack.failNext('chat.postMessage', injected);
      const failure = await failureOf(activityEnv().run(activities().slackPostGate, notice));
      expect([failure.type, failure.nonRetryable], JSON.stringify(injected)).toEqual([type, nonRetryable]);
      expect(failure.message).toMatch(/^chat\.postMessage to #mesh-upgrades: /);
      expect(
        JSON.stringify({ message: failure.message, details: failure.details, cause: failure.cause?.message }),
      ).not.toContain(TOKEN);
      if (type === 'RateLimited') expect(failure.nextRetryDelay).toBe(7000);
    }

    const closed = await new SlackApiStandIn(TOKEN).start();
    await closed.stop();
    const unreachable = createSlackActivities({ botToken: TOKEN, apiUrl: closed.url, webUiUrl: 'http://ui.test' });
    const failure = await failureOf(activityEnv().run(unreachable.slackPostGate, notice));
    expect([failure.type, failure.nonRetryable]).toEqual(['Unavailable', false]);
    expect(failure.message).toBe('chat.postMessage to #mesh-upgrades: ECONNREFUSED');
  });
});
