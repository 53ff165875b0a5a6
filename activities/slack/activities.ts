/**
 * Slack adapters for the gate messages: post one when a gate opens, update it in place when the
 * gate closes. They decide nothing: the workflow calls them when the spec names a channel and
 * catches their failures, so Slack being down or unconfigured never blocks an upgrade.
 */
import { WebClient } from '@slack/web-api';
import type { GateClosedNotice, GateNotice, GateWithdrawnNotice, PostedMessage } from '../../workflows/messages.js';
import { currentContext } from '../context.js';
import { activityFailure } from '../failure.js';
import type { GateRef } from './buttons.js';
import { closedGateMessage, openGateMessage, withdrawnGateMessage } from './blocks.js';
import type { SlackActivityConfig } from './config.js';
import { fromSlackError } from './errors.js';

/** Long enough for a slow Slack, short enough for Temporal's retries to take over. */
const REQUEST_TIMEOUT_MS = 10_000;

interface Execution {
  namespace: string;
  ref: GateRef;
}

/** The run that asked, from the activity context: buttons and links name this exact run. */
function execution(gateId: string): Execution {
  const info = currentContext()?.info;
  const run = info?.workflowExecution;
  if (info === undefined || run === undefined)
    throw activityFailure('Validation', 'Slack gate messages are sent from a workflow activity only');
  return { namespace: info.namespace, ref: { workflowId: run.workflowId, runId: run.runId, gateId } };
}

function workflowLink(webUiUrl: string, { namespace, ref }: Execution): string {
  const base = webUiUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(ref.workflowId)}/${encodeURIComponent(ref.runId)}/history`;
}

export function createSlackActivities(config: SlackActivityConfig | { missing: string } | undefined) {
  const client =
    config !== undefined && !('missing' in config)
      ? new WebClient(config.botToken, {
          slackApiUrl: config.apiUrl,
          timeout: REQUEST_TIMEOUT_MS,
          // Temporal owns retries: one Web API call per attempt, and a rate limit comes back as a failure with its delay.
          retryConfig: { retries: 0 },
          rejectRateLimitedCalls: true,
        })
      : undefined;

  function configured(): { client: WebClient; webUiUrl: string } {
    if (client === undefined || config === undefined || 'missing' in config) {
      const missing = config !== undefined && 'missing' in config ? config.missing : 'SLACK_BOT_TOKEN';
      throw activityFailure('Validation', `Slack is not configured on this worker: set ${missing}`, {
        details: { missing },
      });
    }
    return { client, webUiUrl: config.webUiUrl };
  }

  /** Posts the gate message with Approve / Reject buttons; returns where it lives for the update. */
  async function slackPostGate(notice: GateNotice): Promise<PostedMessage> {
    const { client, webUiUrl } = configured();
    const run = execution(notice.gate.id);
    const message = openGateMessage(notice, run.ref, workflowLink(webUiUrl, run));
    try {
      const result = await client.chat.postMessage({
        channel: notice.channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
      });
      if (typeof result.channel !== 'string' || typeof result.ts !== 'string') {
        throw activityFailure('Unavailable', `chat.postMessage to ${notice.channel}: the answer has no channel or ts`);
      }
      // The channel id, not the name the spec gave: chat.update accepts only the id.
      return { channel: result.channel, ts: result.ts };
    } catch (err) {
      throw fromSlackError(err, `chat.postMessage to ${notice.channel}`);
    }
  }

  /** Rewrites a gate's message in place: updating twice writes the same message. */
  async function replace(
    posted: { channel: string; ts: string },
    gateId: string,
    render: (link: ReturnType<typeof workflowLink>) => {
      text: string;
      blocks: ReturnType<typeof closedGateMessage>['blocks'];
    },
  ): Promise<void> {
    const { client, webUiUrl } = configured();
    const message = render(workflowLink(webUiUrl, execution(gateId)));
    try {
      await client.chat.update({ channel: posted.channel, ts: posted.ts, text: message.text, blocks: message.blocks });
    } catch (err) {
      throw fromSlackError(err, `chat.update of ${posted.channel}/${posted.ts}`);
    }
  }

  /** Replaces the buttons with the outcome, by whom and when. */
  const slackUpdateGate = (closed: GateClosedNotice): Promise<void> =>
    replace(closed.message, closed.notice.gate.id, (link) => closedGateMessage(closed, link));

  /** Replaces the buttons of a gate the upgrade stopped waiting for with why (an abort, by whom). */
  const slackWithdrawGate = (withdrawn: GateWithdrawnNotice): Promise<void> =>
    replace(withdrawn.message, withdrawn.notice.gate.id, (link) => withdrawnGateMessage(withdrawn, link));

  return { slackPostGate, slackUpdateGate, slackWithdrawGate };
}

export type SlackActivities = ReturnType<typeof createSlackActivities>;
