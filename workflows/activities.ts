/**
 * The activity stubs the upgrade workflows call, grouped by how long a call may take, each call
 * with a summary a human understands ("restart bookinfo/reviews-v2") for the Web UI's timeline.
 * Every group sets startToClose (an attempt that hangs is retried) and the waiting ones
 * heartbeat, so a dead worker is noticed within a heartbeat timeout rather than at startToClose.
 * Failures whose type the vocabulary marks non-retryable are final at once; the rest retry.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { GateClosedNotice, GateNotice, GateWithdrawnNotice, PostedMessage } from './messages.js';

const retry: ActivityOptions['retry'] = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 10,
};

/** Reads and small writes: an API round trip or two. */
const QUICK: ActivityOptions = { startToCloseTimeout: '2 minutes', retry };

/** Waits and tool runs (istioctl install, helm --wait, rollouts, tests): minutes, heartbeating. */
const LONG: ActivityOptions = { startToCloseTimeout: '30 minutes', heartbeatTimeout: '30 seconds', retry };

export const cluster = (summary: string) => proxyActivities<Activities>({ ...QUICK, summary });
export const waits = (summary: string) => proxyActivities<Activities>({ ...LONG, summary });

/**
 * Prometheus queries: quick, and retried for about half a minute only. A Prometheus that stays
 * away ends the measurement as Error, which the analysis turns into a gate: an operator retries
 * once it is back, rather than the workflow retrying out of sight for hours.
 */
export const metrics = (summary: string) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5 },
    summary,
  });

/** What the chat adapter offers; declared here so the workflows depend on names, not on a package. */
export interface ChatActivities {
  slackPostGate(notice: GateNotice): Promise<PostedMessage>;
  slackUpdateGate(closed: GateClosedNotice): Promise<void>;
  slackWithdrawGate(withdrawn: GateWithdrawnNotice): Promise<void>;
}

/** Chat is best effort: a few quick tries, then the upgrade goes on without it. */
export const chat = (summary: string) =>
  proxyActivities<ChatActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 4 },
    summary,
  });
