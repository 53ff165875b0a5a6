/**
 * No silent wait: every wait for a rollout or a Sail resource is timed by the workflow, with the
 * spec's deadline for its kind and the stall rule. The workflow looks with a quick read, then
 * sleeps (a timer, so a six-hour stall costs a test no real time and a worker restart loses
 * nothing); each look that shows movement restarts the stall clock and shows the progress on the
 * step ("ztunnel: 2/3 nodes on 1.27.3"). No movement for the stall time fails the step at once
 * as RolloutStalled, with what is stuck named; the deadline as RolloutFailed. Both stop at a
 * failure gate (runner.ts), never at cleanup.
 */
import { sleep } from '@temporalio/workflow';
import { formatDuration } from '../core/spec/duration.js';
import { cluster } from './activities.js';
import { workflowFailure } from './failures.js';
import type { StatusBoard } from './status.js';

/** Workflows before the stall rule waited with one long watching activity; they replay that way. */
export const STALL_RULE_PATCH = 'stall-rule';

export interface Reading {
  state: 'done' | 'progressing' | 'failed';
  message: string;
  fingerprint: string;
}

export interface ReadyWait {
  /** Names the wait in the progress note and the failure: "ztunnel", "Istio default". */
  subject: string;
  /** Turns a reading into the progress note; default: `<subject>: <message>`. */
  progress?: (reading: Reading) => string;
  deadlineSeconds: number;
  stallSeconds: number;
  read: () => Promise<Reading>;
  /** What is stuck, in one line, read when the wait gives up. */
  stuck: () => Promise<string>;
  /** The step whose note shows the progress; null shows none. */
  stepId: string | null;
  board: StatusBoard;
}

/** The first look comes a second after the change; looks then space out to a tenth of the stall time (5 s to 10 min). */
export function pollCeilingMs(stallSeconds: number): number {
  return Math.min(600_000, Math.max(5_000, (stallSeconds * 1000) / 10));
}

export async function waitReady(wait: ReadyWait): Promise<string> {
  const start = Date.now();
  const ceiling = pollCeilingMs(wait.stallSeconds);
  const note = wait.progress ?? ((reading: Reading) => `${wait.subject}: ${reading.message}`);
  let fingerprint: string | null = null;
  let movedAt = start;
  let interval = 1_000;
  for (;;) {
    const reading = await wait.read();
    if (reading.state === 'done') return note(reading);
    if (reading.state === 'failed') throw workflowFailure('RolloutFailed', `${wait.subject}: ${reading.message}`);
    const now = Date.now();
    if (reading.fingerprint !== fingerprint) {
      fingerprint = reading.fingerprint;
      movedAt = now;
      if (wait.stepId !== null) wait.board.stepProgress(wait.stepId, note(reading));
    }
    if (now - movedAt >= wait.stallSeconds * 1000) {
      throw workflowFailure(
        'RolloutStalled',
        `${await wait.stuck()}; no progress for ${formatDuration(Math.round((now - movedAt) / 1000))}`,
      );
    }
    if (now - start >= wait.deadlineSeconds * 1000) {
      throw workflowFailure(
        'RolloutFailed',
        `${wait.subject} did not finish within ${formatDuration(wait.deadlineSeconds)}: ${await wait.stuck()}`,
      );
    }
    const untilStall = movedAt + wait.stallSeconds * 1000 - now;
    const untilDeadline = start + wait.deadlineSeconds * 1000 - now;
    await sleep(Math.max(1, Math.min(interval, untilStall, untilDeadline)), {
      summary: `look at ${wait.subject} again`,
    });
    interval = Math.min(ceiling, interval * 2);
  }
}

interface RolloutWait {
  kind: 'Deployment' | 'DaemonSet';
  namespace: string;
  name: string;
  /** "ztunnel", "gateway istio-ingress/istio-ingressgateway". */
  label: string;
  /** The version it rolls to, for "2/3 nodes on 1.27.3"; null when the step does not know it. */
  version: string | null;
  minGeneration?: number;
  deadlineSeconds: number;
  stallSeconds: number;
  stepId: string | null;
  board: StatusBoard;
}

/** A Deployment or DaemonSet rollout, by `kubectl rollout status` rules, under the stall rule. */
export function waitForWorkload(wait: RolloutWait): Promise<string> {
  const ref = { kind: wait.kind, namespace: wait.namespace, name: wait.name };
  const unit = wait.kind === 'DaemonSet' ? 'nodes' : 'replicas';
  return waitReady({
    subject: wait.label,
    deadlineSeconds: wait.deadlineSeconds,
    stallSeconds: wait.stallSeconds,
    stepId: wait.stepId,
    board: wait.board,
    read: async () => {
      const reading = await cluster(`look at ${wait.label}`).readRolloutProgress({
        ...ref,
        ...(wait.minGeneration !== undefined && { minGeneration: wait.minGeneration }),
      });
      const { updated, desired } = reading.progress;
      const on = wait.version === null ? 'updated' : `on ${wait.version}`;
      const detail = reading.state === 'done' ? '' : ` (${reading.message})`;
      return { ...reading, message: `${updated}/${desired} ${unit} ${on}${detail}` };
    },
    progress: (reading) => `${wait.label}: ${reading.message}`,
    stuck: async () =>
      (
        await cluster(`what holds ${wait.label}`).describeStuckRollout({
          ...ref,
          label: wait.label,
          version: wait.version,
        })
      ).message,
  });
}

interface SailWait {
  kind: 'Istio' | 'IstioCNI' | 'ZTunnel';
  name: string;
  minGeneration: number;
  deadlineSeconds: number;
  stallSeconds: number;
  stepId: string | null;
  board: StatusBoard;
  /** What a stuck Sail resource is waiting on, when the workflow knows its workload (the node agent's DaemonSet). */
  stuck?: () => Promise<string>;
}

/** A Sail resource's Ready verdict, under the stall rule. */
export function waitForSail(wait: SailWait): Promise<string> {
  const subject = `${wait.kind} ${wait.name}`;
  return waitReady({
    subject,
    deadlineSeconds: wait.deadlineSeconds,
    stallSeconds: wait.stallSeconds,
    stepId: wait.stepId,
    board: wait.board,
    read: () =>
      cluster(`look at ${subject}`).readSailProgress({
        kind: wait.kind,
        name: wait.name,
        minGeneration: wait.minGeneration,
      }),
    stuck:
      wait.stuck ??
      (async () => {
        const reading = await cluster(`look at ${subject}`).readSailProgress({ kind: wait.kind, name: wait.name });
        return `${subject}: ${reading.message}`;
      }),
  });
}
