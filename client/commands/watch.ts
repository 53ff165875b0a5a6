/**
 * `watch <id>`: follow an upgrade until it ends or waits for a human. In a terminal the status is
 * redrawn in place; into a pipe or a log it prints one plain line per change, so CI logs and
 * `tee` read like a runbook journal.
 */
import type { UpgradeStatus } from '../../workflows/messages.js';
import { usage } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { ExitCode } from '../errors.js';
import { operatorName } from '../identity.js';
import { changes } from '../render/changes.js';
import { renderStatus } from '../render/status.js';
import { withTemporal } from '../temporal.js';
import type { Session } from '../temporal.js';
import { readUpgrade } from '../upgrades.js';

export interface WatchOptions {
  follow?: boolean;
  interval?: string | number;
}

/** The exit code an ended upgrade stands for (see exit-codes.ts). */
export function exitCodeOf(status: UpgradeStatus, execution: string): ExitCode {
  switch (status.outcome) {
    case 'completed':
      return EXIT.ok;
    case 'refused':
      return EXIT.precheckBlocks;
    case 'rolled-back':
      return status.decisions.some((d) => d.outcome === 'rejected') ? EXIT.precheckBlocks : EXIT.failure;
    case 'failed':
      return EXIT.failure;
    // Not everything moved: a script must not read a half-done upgrade as done.
    case 'partial':
      return EXIT.failure;
    case null:
      return execution === 'RUNNING' ? EXIT.ok : EXIT.failure;
  }
}

export function needsHuman(status: UpgradeStatus): boolean {
  return status.outcome === null && (status.pendingGates.length > 0 || status.held);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface WatchLoopOptions {
  follow: boolean;
  interval: number;
  /** Called with each snapshot; the demo answers gates from here. */
  onStatus?: (status: UpgradeStatus) => Promise<void>;
  /** Lines kept under the redrawn view in a terminal (the demo's Web UI address). */
  footer?: string;
}

export async function watchUpgrade(session: Session, workflowId: string, options: WatchLoopOptions): Promise<ExitCode> {
  const tty = process.stdout.isTTY === true;
  let before: UpgradeStatus | null = null;
  for (;;) {
    const view = await readUpgrade(session, workflowId);
    const now = Date.now();
    if (tty) {
      // Home the cursor and clear below it: a full redraw without scrolling the terminal.
      process.stdout.write(
        `\x1b[H\x1b[J${renderStatus(workflowId, view.status, now)}\n\n${options.footer ?? `${new Date(now).toLocaleTimeString()}  (Ctrl-C stops watching; the upgrade goes on)`}\n`,
      );
    } else {
      const stamp = new Date(now).toISOString().slice(11, 19);
      for (const line of changes(workflowId, before, view.status, now)) console.log(`${stamp} ${line}`);
    }
    before = view.status;
    if (!view.running) {
      if (!tty && view.status.outcome === null) console.log(`upgrade ended: ${view.execution.toLowerCase()}`);
      return exitCodeOf(view.status, view.execution);
    }
    if (options.onStatus) await options.onStatus(view.status);
    else if (needsHuman(view.status) && !options.follow) return EXIT.ok;
    await sleep(options.interval * 1000);
  }
}

export async function runWatch(workflowId: string, options: WatchOptions): Promise<number> {
  const interval = Number(options.interval ?? 1);
  if (!Number.isFinite(interval) || interval <= 0)
    throw usage(`--interval: expected a number of seconds, got "${String(options.interval)}"`);
  return withTemporal(operatorName(undefined), (session) =>
    watchUpgrade(session, workflowId, { follow: options.follow === true, interval }),
  );
}
