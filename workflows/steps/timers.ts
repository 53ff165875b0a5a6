/**
 * Soaks and grace periods: durable timers (a worker restart does not reset them) that an
 * approver may skip or extend while they run; who and why are recorded by the controls.
 */
import { condition } from '@temporalio/workflow';
import type { SoakStep } from '../../core/plan/steps.js';
import { formatDuration } from '../../core/spec/duration.js';
import type { StepContext } from './context.js';

export async function soak(step: SoakStep, context: StepContext): Promise<string> {
  const { controls, board } = context;
  const startedAt = Date.now();
  const timer = { stepId: step.id, endsAtMs: startedAt + step.seconds * 1000, skipped: false };
  controls.soak = timer;
  board.setPause(step.pauseReason);
  try {
    for (;;) {
      const endsAt = timer.endsAtMs;
      board.setTimer({
        stepId: step.id,
        reason: step.reason,
        startedAt: new Date(startedAt).toISOString(),
        endsAt: new Date(endsAt).toISOString(),
      });
      const remaining = endsAt - Date.now();
      if (timer.skipped || remaining <= 0) break;
      // Wakes early when the timer is skipped or extended, then waits again for what is left.
      const summary = `${step.pauseReason === 'soaking' ? 'soak' : 'grace'} ${formatDuration(Math.ceil(remaining / 1000))}: ${step.reason}`;
      const woken = await condition(() => timer.skipped || timer.endsAtMs !== endsAt, remaining, { summary });
      // Timed out means the timer ran its full length. Asking the clock again is not enough: after a
      // worker was killed, the new worker's first task was seen reporting a time from before the timer
      // fired, and the loop started the whole soak over (test/workflows/crash/soak.crash.e2e.test.ts).
      if (!woken) break;
    }
  } finally {
    controls.soak = null;
    board.setTimer(null);
    board.setPause(null);
  }
  // A timer that ran its length waited exactly that long. The clock of the task that sees it fire
  // says more when a worker died meanwhile (grace.crash.e2e.test.ts saw "waited 48s" for 15 s):
  // that is the time the workflow took to notice, not the soak or grace period.
  const waited = formatDuration(Math.round(((timer.skipped ? Date.now() : timer.endsAtMs) - startedAt) / 1000));
  return timer.skipped ? `skipped after ${waited}` : `waited ${waited}`;
}
