/**
 * Requests as Slack sends them to an interactivity URL: the payload JSON form-encoded in a
 * `payload` field, signed with v0 = HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>"),
 * the timestamp and signature in X-Slack-Request-Timestamp and X-Slack-Signature.
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export function formBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function sign(secret: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): SignedRequest {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestampSeconds),
      'x-slack-signature': signature,
    },
  };
}

export async function send(url: string, request: SignedRequest): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  await response.arrayBuffer();
  return response.status;
}

const TEAM = { id: 'T0MESH001', domain: 'mesh' };

export interface ClickOptions {
  userId: string;
  actionId: string;
  value: string;
  channel: string;
  messageTs: string;
}

/** A block_actions payload for a button click on a message, as Slack documents it. */
export function buttonClick(o: ClickOptions): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: TEAM,
    user: { id: o.userId, username: o.userId.toLowerCase(), name: o.userId.toLowerCase(), team_id: TEAM.id },
    api_app_id: 'A0BRIDGE01',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: o.messageTs, channel_id: o.channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.1234567890.${randomUUID().replace(/-/g, '')}`,
    channel: { id: o.channel, name: 'mesh-upgrades' },
    message: { type: 'message', ts: o.messageTs, text: 'Approval needed', bot_id: 'B0BOT0001' },
    response_url: 'https://hooks.slack.com/actions/T0MESH001/1/unused',
    actions: [
      {
        type: 'button',
        action_id: o.actionId,
        block_id: 'gate-actions',
        text: { type: 'plain_text', text: o.actionId, emoji: true },
        value: o.value,
        action_ts: `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
  };
}

/** A view_submission payload for the reject modal, with the reason typed in. */
export function modalSubmission(o: {
  userId: string;
  viewId: string;
  callbackId: string;
  privateMetadata: string;
  reason: string;
}): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: TEAM,
    user: { id: o.userId, username: o.userId.toLowerCase(), name: o.userId.toLowerCase(), team_id: TEAM.id },
    api_app_id: 'A0BRIDGE01',
    token: 'deprecated-verification-token',
    trigger_id: `${Date.now()}.1234567890.${randomUUID().replace(/-/g, '')}`,
    view: {
      id: o.viewId,
      team_id: TEAM.id,
      type: 'modal',
      callback_id: o.callbackId,
      private_metadata: o.privateMetadata,
      hash: '1700000000.abcdef',
      title: { type: 'plain_text', text: 'Reject gate' },
      blocks: [],
      state: { values: { reason: { reason: { type: 'plain_text_input', value: o.reason } } } },
      app_id: 'A0BRIDGE01',
      bot_id: 'B0BOT0001',
    },
    response_urls: [],
  };
}
