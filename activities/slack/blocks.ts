/**
 * The gate message in Block Kit: what an approver needs to decide without leaving Slack, and
 * the same message once the gate is closed, with the outcome in place of the buttons.
 */
import type { KnownBlock } from '@slack/types';
import type {
  GateClosedNotice,
  GateDecision,
  GateNotice,
  GateWithdrawal,
  GateWithdrawnNotice,
} from '../../workflows/messages.js';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID, REVERT_ACTION_ID, encodeGateRef, type GateRef } from './buttons.js';

export interface GateMessage {
  /** The notification text, and what clients without Block Kit show. */
  text: string;
  blocks: KnownBlock[];
}

export const ACTIONS_BLOCK_ID = 'gate-actions';

/** Slack reads `<…>` as links and mentions; text from specs and comments must stay plain. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function plain(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack shows the time in each reader's own time zone; the ISO text is the fallback. */
function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return Number.isFinite(seconds) ? `<!date^${seconds}^{date_short_pretty} {time}|${iso}>` : escapeMrkdwn(iso);
}

function facts(notice: GateNotice): KnownBlock[] {
  const field = (label: string, value: string) => ({
    type: 'mrkdwn' as const,
    text: `*${label}*\n${escapeMrkdwn(value)}`,
  });
  const fields = [
    field('Cluster', notice.cluster ?? 'unknown'),
    field('Istio', `${notice.source} → ${notice.target}`),
    field('Strategy', `${notice.strategy} · ${notice.method} · ${notice.mode}`),
    field('Started by', notice.initiator),
    field('Step', notice.step),
    field('Once approved', notice.next ?? 'the upgrade completes'),
    field('Approvers', notice.approvers.join(', ') || 'none'),
  ];
  const blocks: KnownBlock[] = [{ type: 'section', fields }];
  if (notice.gate.deadline !== undefined) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `Times out ${slackDate(notice.gate.deadline)}: a timeout is never an approval.` },
      ],
    });
  }
  return blocks;
}

function footer(notice: GateNotice, link: string): KnownBlock {
  return {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Gate \`${escapeMrkdwn(notice.gate.id)}\` of <${link}|${escapeMrkdwn(notice.upgradeId)}> in the Temporal Web UI`,
      },
    ],
  };
}

export function openGateMessage(notice: GateNotice, ref: GateRef, link: string): GateMessage {
  const title = notice.gate.kind === 'failure' ? 'A step failed' : 'Approval needed';
  const value = encodeGateRef(ref);
  return {
    text: `${title} on ${notice.cluster ?? notice.upgradeId}: ${notice.gate.description}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: plain(`${title}: ${notice.gate.description}`, 150) } },
      ...facts(notice),
      {
        type: 'actions',
        block_id: ACTIONS_BLOCK_ID,
        elements: [
          {
            type: 'button',
            action_id: APPROVE_ACTION_ID,
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve' },
            value,
          },
          {
            type: 'button',
            action_id: REJECT_ACTION_ID,
            style: 'danger',
            text: { type: 'plain_text', text: 'Reject…' },
            value,
          },
          // Only where a revert applies: the gate says what it would put back.
          ...(notice.gate.revert?.offered
            ? [
                {
                  type: 'button' as const,
                  action_id: REVERT_ACTION_ID,
                  text: { type: 'plain_text' as const, text: 'Revert…' },
                  value,
                },
              ]
            : []),
        ],
      },
      footer(notice, link),
    ],
  };
}

export function outcomeLine(decision: GateDecision): string {
  const when = slackDate(decision.at);
  switch (decision.outcome) {
    case 'approved':
      return `:white_check_mark: *Approved* by ${escapeMrkdwn(decision.by ?? 'unknown')} ${when}`;
    case 'rejected':
      return `:no_entry: *Rejected* by ${escapeMrkdwn(decision.by ?? 'unknown')} ${when}`;
    case 'timed-out':
      return `:hourglass: *Timed out* ${when}: nobody decided in time`;
  }
}

/** The same message, closed: the outcome, who and when, and no buttons to click. */
export function closedGateMessage(closed: GateClosedNotice, link: string): GateMessage {
  const { notice, decision } = closed;
  const outcome: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: outcomeLine(decision) } }];
  if (decision.comment)
    outcome.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `> ${escapeMrkdwn(decision.comment)}` }] });
  return {
    text: `Gate ${notice.gate.id} on ${notice.cluster ?? notice.upgradeId}: ${decision.outcome}${decision.by ? ` by ${decision.by}` : ''}`,
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: plain(`${notice.gate.description}: ${decision.outcome}`, 150) },
      },
      ...facts(notice),
      ...outcome,
      footer(notice, link),
    ],
  };
}

/** Why nobody can answer the gate any more, in the words status uses: "withdrawn: the upgrade was aborted by bob". */
export function withdrawalText(withdrawal: GateWithdrawal): string {
  switch (withdrawal.cause) {
    case 'aborted':
      return `withdrawn: the upgrade was aborted by ${withdrawal.by ?? 'an operator'}`;
    case 'timed-out':
      return 'withdrawn: timed out';
    case 'cancelled':
      return 'withdrawn: the upgrade was cancelled';
  }
}

/** The same message, withdrawn: no buttons left to click on a gate nobody waits for. */
export function withdrawnGateMessage(withdrawn: GateWithdrawnNotice, link: string): GateMessage {
  const { notice, withdrawal } = withdrawn;
  const text = withdrawalText(withdrawal);
  const outcome: KnownBlock[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `:no_entry_sign: *${escapeMrkdwn(text)}* ${slackDate(withdrawal.at)}` },
    },
  ];
  if (withdrawal.comment)
    outcome.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `> ${escapeMrkdwn(withdrawal.comment)}` }] });
  return {
    text: `Gate ${notice.gate.id} on ${notice.cluster ?? notice.upgradeId}: ${text}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: plain(`${notice.gate.description}: withdrawn`, 150) } },
      ...facts(notice),
      ...outcome,
      footer(notice, link),
    ],
  };
}
