/**
 * Slack never holds an upgrade: through a real worker on the dev server, a Slack outage is
 * retried by Temporal and a worker without Slack settings fails at once, and in both cases the
 * gate is still decided and the workflow learns the typed failure.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackActivities } from '../../../activities/slack/activities.js';
import type { SlackActivityConfig } from '../../../activities/slack/config.js';
import { decideUpdate } from '../../../workflows/messages.js';
import { pendingGateKey } from '../../../workflows/search-attributes.js';
import { devServerEnv } from '../../support/temporal.js';
import { withWorker } from '../../support/worker.js';
import type {
  SlackGatedInput,
  SlackGatedResult,
  slackGatedRunbook,
} from '../../client/slack/fixtures/slack-gated-runbook.js';
import { SlackApiStandIn } from './slack-api-stand-in.js';

const FIXTURE = 'test/client/slack/fixtures/slack-gated-runbook.ts';
const TOKEN = 'xoxb-through-worker-token';

const input: SlackGatedInput = {
  policy: { approvers: ['alice'], initiator: 'carol', allowSelfApproval: false },
  gates: [{ id: 'control-plane', description: 'install istiod 1-27-3' }],
  notice: {
    cluster: 'prod-eu',
    source: '1.26.4',
    target: '1.27.3',
    strategy: 'in-place',
    method: 'helm',
    mode: 'sidecar',
    channel: '#mesh-upgrades',
    step: 'upgrade istiod',
    next: null,
  },
};

let env: TestWorkflowEnvironment;
let slack: SlackApiStandIn;
beforeAll(async () => {
  env = await devServerEnv();
  slack = await new SlackApiStandIn(TOKEN).start();
});
afterAll(async () => {
  await slack?.stop();
  await env?.teardown();
});

/** Runs the one-gate runbook, approves the gate by Update as soon as it opens, returns the outcome and the post's last attempt. */
function approveWith(
  config: SlackActivityConfig | { missing: string },
): Promise<{ result: SlackGatedResult; postAttempt: number | undefined }> {
  return withWorker(
    env,
    { workflowsPath: FIXTURE, activities: createSlackActivities(config) },
    async ({ taskQueue }) => {
      const handle = await env.client.workflow.start<typeof slackGatedRunbook>('slackGatedRunbook', {
        taskQueue,
        workflowId: `slack-down-${randomUUID()}`,
        args: [input],
      });
      // An Update that arrives before the gate opens is refused as an unknown gate: wait for the workflow to say it waits.
      const deadline = Date.now() + 15_000;
      while (
        JSON.stringify((await handle.describe()).typedSearchAttributes.get(pendingGateKey)) !== '["control-plane"]'
      ) {
        if (Date.now() > deadline) throw new Error('the gate never opened');
        await new Promise((r) => setTimeout(r, 50));
      }
      await handle.executeUpdate(decideUpdate, {
        args: [{ gateId: 'control-plane', by: 'alice', requestId: 'cli-1', decision: 'approve' }],
      });
      const [result] = await handle.result();
      const events = (await handle.fetchHistory()).events ?? [];
      const started = events
        .filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => e.activityTaskStartedEventAttributes?.attempt ?? undefined);
      return { result: result!, postAttempt: started[0] ?? undefined };
    },
  );
}

describe('Slack never holds an upgrade', () => {
  it('retries a Slack outage three times, while the gate is decided from elsewhere, and hands the workflow an Unavailable failure', async () => {
    slack.failNext('chat.postMessage', { status: 503 }, 3);
    const before = slack.callsOf('chat.postMessage').length;
    const { result, postAttempt } = await approveWith({
      botToken: TOKEN,
      apiUrl: slack.url,
      webUiUrl: 'http://localhost:8233',
    });
    expect(result.decision).toMatchObject({ outcome: 'approved', by: 'alice' });
    expect(result.posted).toBeNull();
    expect(result.slackFailure).toEqual({
      type: 'Unavailable',
      message: 'chat.postMessage to #mesh-upgrades: HTTP 503',
    });
    expect(postAttempt).toBe(3);
    expect(slack.callsOf('chat.postMessage').length - before).toBe(3);
  });

  it('fails once, non-retryably, on a worker without Slack settings, and the upgrade goes on', async () => {
    const { result, postAttempt } = await approveWith({ missing: 'SLACK_BOT_TOKEN' });
    expect(result.decision).toMatchObject({ outcome: 'approved', by: 'alice' });
    expect(result.slackFailure).toEqual({
      type: 'Validation',
      message: 'Slack is not configured on this worker: set SLACK_BOT_TOKEN',
    });
    expect(postAttempt).toBe(1);
  });
});
