/**
 * The bridge's answers to clicks on a gate message. Every handler acknowledges first (Slack
 * gives three seconds), then maps the clicker to an approver name, decides through the Update,
 * and tells the clicker privately what happened, or why nothing did.
 */
import type { App, BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { WorkflowClient } from '@temporalio/client';
import {
  APPROVE_ACTION_ID,
  REJECT_ACTION_ID,
  REJECT_REASON_CALLBACK_ID,
  REVERT_ACTION_ID,
  REVERT_REASON_CALLBACK_ID,
  decodeGateRef,
  encodeGateRef,
} from '../../activities/slack/buttons.js';
import type { GateRef } from '../../activities/slack/buttons.js';
import { escapeMrkdwn } from '../../activities/slack/blocks.js';
import type { GateVerdict } from '../../workflows/messages.js';
import { decideFromSlack, revertFromSlack } from './decide.js';

export interface GateActionsDeps {
  temporal: WorkflowClient;
  approvers: ReadonlyMap<string, string>;
  log: (message: string) => void;
}

const REASON_BLOCK_ID = 'reason';
const REASON_ACTION_ID = 'reason';

/** What a reason dialog carries to its submission: the gate, and where to answer the clicker. */
interface ReasonContext {
  ref: string;
  channel: string;
}

const MALFORMED = 'Not recorded: this request does not name a gate of an upgrade (malformed payload).';

function unmapped(userId: string): string {
  return `Not recorded: your Slack account (${userId}) is not mapped to an approver name in this bridge's configuration. Ask the platform team to add you.`;
}

function describeGate(ref: GateRef): string {
  return `gate \`${escapeMrkdwn(ref.gateId)}\` of \`${escapeMrkdwn(ref.workflowId)}\``;
}

async function tell(
  client: WebClient,
  channel: string,
  user: string,
  text: string,
  log: (m: string) => void,
): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel, user, text });
  } catch (err) {
    // The decision (or refusal) stands whether or not Slack shows the note.
    log(`chat.postEphemeral to ${user} in ${channel} failed: ${(err as Error).message}`);
  }
}

async function decideAndTell(
  deps: GateActionsDeps,
  client: WebClient,
  where: { channel: string; user: string },
  answer: { ref: GateRef; verdict: GateVerdict; by: string; requestId: string; comment?: string },
): Promise<void> {
  const result = await decideFromSlack(deps.temporal, answer, deps.log);
  const gate = describeGate(answer.ref);
  const text = result.accepted
    ? `Recorded: ${gate} ${result.decision.outcome} by ${escapeMrkdwn(result.decision.by ?? answer.by)}.`
    : `Not recorded: ${escapeMrkdwn(result.reason)}`;
  deps.log(
    `${where.user} (${answer.by}) ${answer.verdict} ${answer.ref.workflowId}/${answer.ref.gateId}: ${result.accepted ? 'accepted' : `refused: ${result.reason}`}`,
  );
  await tell(client, where.channel, where.user, text, deps.log);
}

function clickContext(body: BlockAction<ButtonAction>): { channel: string; user: string } | undefined {
  const channel =
    body.channel?.id ?? (typeof body.container?.channel_id === 'string' ? body.container.channel_id : undefined);
  const user = body.user?.id;
  return typeof channel === 'string' && typeof user === 'string' ? { channel, user } : undefined;
}

/** The words of a dialog that asks why (reject, revert): the reason is required and recorded. */
interface WhyDialog {
  callbackId: string;
  title: string;
  submit: string;
  question: string;
  label: string;
  /** For the log and the fallback note: `reject`, `revert`. */
  verb: string;
}

/** Opens the dialog that asks why; if Slack cannot open it, the clicker is told nothing was recorded. */
async function askWhy(
  deps: GateActionsDeps,
  client: WebClient,
  triggerId: string,
  where: { channel: string; user: string },
  ref: GateRef,
  dialog: WhyDialog,
): Promise<void> {
  const context: ReasonContext = { ref: encodeGateRef(ref), channel: where.channel };
  try {
    await client.views.open({
      trigger_id: triggerId,
      view: {
        type: 'modal',
        callback_id: dialog.callbackId,
        private_metadata: JSON.stringify(context),
        title: { type: 'plain_text', text: dialog.title },
        submit: { type: 'plain_text', text: dialog.submit },
        close: { type: 'plain_text', text: 'Cancel' },
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: dialog.question } },
          {
            type: 'input',
            block_id: REASON_BLOCK_ID,
            label: { type: 'plain_text', text: dialog.label },
            element: {
              type: 'plain_text_input',
              action_id: REASON_ACTION_ID,
              multiline: true,
              min_length: 3,
              max_length: 1000,
            },
          },
        ],
      },
    });
  } catch (err) {
    deps.log(`views.open for a ${dialog.verb} reason failed: ${(err as Error).message}`);
    await tell(
      client,
      where.channel,
      where.user,
      `Not recorded: the reason dialog could not be opened; try again, or ${dialog.verb} with the CLI.`,
      deps.log,
    );
  }
}

/**
 * A submitted reason with its gate, channel and approver; undefined when the submission was
 * malformed or the submitter is not an approver (they are told why).
 */
async function reasonGiven(
  deps: GateActionsDeps,
  client: WebClient,
  body: ViewSubmitAction,
  view: ViewSubmitAction['view'],
  verb: string,
): Promise<{ ref: GateRef; channel: string; user: string; by: string; reason: string } | undefined> {
  const user = body.user?.id;
  let context: Partial<ReasonContext> = {};
  try {
    context = JSON.parse(view.private_metadata) as Partial<ReasonContext>;
  } catch {
    // Left empty: reported as malformed below.
  }
  const ref = decodeGateRef(context.ref);
  const channel = typeof context.channel === 'string' ? context.channel : undefined;
  if (typeof user !== 'string' || channel === undefined) {
    deps.log(`${verb} reason without user or channel: ignored`);
    return undefined;
  }
  const reason = view.state?.values?.[REASON_BLOCK_ID]?.[REASON_ACTION_ID]?.value?.trim();
  if (ref === undefined || !reason || !view.id) {
    await tell(client, channel, user, MALFORMED, deps.log);
    return undefined;
  }
  const by = deps.approvers.get(user);
  if (by === undefined) {
    await tell(client, channel, user, unmapped(user), deps.log);
    return undefined;
  }
  return { ref, channel, user, by, reason };
}

export function registerGateActions(app: App, deps: GateActionsDeps): void {
  app.action<BlockAction<ButtonAction>>(APPROVE_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const where = clickContext(body);
    if (where === undefined) return deps.log('approve click without channel or user: ignored');
    const ref = decodeGateRef(action.value);
    if (ref === undefined || !body.trigger_id) return tell(client, where.channel, where.user, MALFORMED, deps.log);
    const by = deps.approvers.get(where.user);
    if (by === undefined) return tell(client, where.channel, where.user, unmapped(where.user), deps.log);
    // trigger_id is unique per click: a redelivered click carries the same one and decides nothing new.
    await decideAndTell(deps, client, where, {
      ref,
      verdict: 'approve',
      by,
      requestId: `slack:${where.user}:${body.trigger_id}`,
    });
  });

  app.action<BlockAction<ButtonAction>>(REJECT_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const where = clickContext(body);
    if (where === undefined) return deps.log('reject click without channel or user: ignored');
    const ref = decodeGateRef(action.value);
    if (ref === undefined || !body.trigger_id) return tell(client, where.channel, where.user, MALFORMED, deps.log);
    if (!deps.approvers.has(where.user)) return tell(client, where.channel, where.user, unmapped(where.user), deps.log);
    await askWhy(deps, client, body.trigger_id, where, ref, {
      callbackId: REJECT_REASON_CALLBACK_ID,
      title: 'Reject gate',
      submit: 'Reject',
      question: `Reject ${describeGate(ref)}? The upgrade stops and rolls back.`,
      label: 'Why? (kept in the audit trail)',
      verb: 'reject',
    });
  });

  app.view<ViewSubmitAction>(REJECT_REASON_CALLBACK_ID, async ({ ack, body, view, client }) => {
    await ack();
    const answer = await reasonGiven(deps, client, body, view, 'reject');
    if (answer === undefined) return;
    const { ref, channel, user, by, reason } = answer;
    // The modal is opened once per click: its id identifies this answer across redeliveries.
    await decideAndTell(
      deps,
      client,
      { channel, user },
      { ref, verdict: 'reject', by, requestId: `slack:${user}:${view.id}`, comment: reason },
    );
  });
  registerRevertActions(app, deps);
}

/**
 * The Revert button of a failed workload's gate: a modal asks why (required, it is recorded on
 * the reverted namespace), then the `revert` Update decides; a refusal (not an approver, not a
 * failed workload's gate, nothing to revert) is shown to the clicker and changes nothing.
 */
function registerRevertActions(app: App, deps: GateActionsDeps): void {
  app.action<BlockAction<ButtonAction>>(REVERT_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const where = clickContext(body);
    if (where === undefined) return deps.log('revert click without channel or user: ignored');
    const ref = decodeGateRef(action.value);
    if (ref === undefined || !body.trigger_id) return tell(client, where.channel, where.user, MALFORMED, deps.log);
    if (!deps.approvers.has(where.user)) return tell(client, where.channel, where.user, unmapped(where.user), deps.log);
    await askWhy(deps, client, body.trigger_id, where, ref, {
      callbackId: REVERT_REASON_CALLBACK_ID,
      title: 'Revert',
      submit: 'Revert',
      question: `Revert at ${describeGate(ref)}? Its namespace goes back to the old revision and the upgrade goes on without it.`,
      label: 'Why? (recorded on the namespace and in the audit trail)',
      verb: 'revert',
    });
  });

  app.view<ViewSubmitAction>(REVERT_REASON_CALLBACK_ID, async ({ ack, body, view, client }) => {
    await ack();
    const answer = await reasonGiven(deps, client, body, view, 'revert');
    if (answer === undefined) return;
    const { ref, channel, user, by, reason } = answer;
    const result = await revertFromSlack(
      deps.temporal,
      { ref, by, requestId: `slack:${user}:${view.id}`, comment: reason },
      deps.log,
    );
    deps.log(
      `${user} (${by}) revert ${ref.workflowId}/${ref.gateId}: ${result.accepted ? 'accepted' : `refused: ${result.reason}`}`,
    );
    await tell(
      client,
      channel,
      user,
      result.accepted
        ? `Recorded: revert at ${describeGate(ref)} by ${escapeMrkdwn(result.record.by)}.`
        : `Not recorded: ${escapeMrkdwn(result.reason)}`,
      deps.log,
    );
  });
}
