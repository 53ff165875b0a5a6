/**
 * Soaks and grace periods: durable timers (a worker restart does not reset them) that an
 * approver may skip or extend while they run; who and why are recorded by the controls.
 */
import { condition } from '@temporalio/workflow';
import type { SoakStep } from '../../core/plan/steps.js';
import { formatDuration } from '../../core/spec/duration.js';
import type { AnalysisRun } from '../../core/analysis/measurement.js';
import { analysisAt, analysisFailure, runAnalysis } from '../analysis.js';
import type { StepContext } from './context.js';

/**
 * A soak with analysis measures beside its timer: a run that does not succeed ends the soak at
 * once and fails it; one that succeeds lets the timer run its length; a soak cut short (or
 * shorter than the run) still waits for the run's verdict, which is what the soak is for.
 */
export async function soak(step: SoakStep, context: StepContext): Promise<string> {
  const point = analysisAt(context, step.id);
  if (point === null) return soakTimer(step, context, () => false);
  let ended: AnalysisRun | null = null;
  const analysis = runAnalysis(point, point.targets, context, { showTimer: false }).then((run) => {
    ended = run;
    return run;
  });
  // Rejections are awaited below; this keeps one from being reported as unhandled meanwhile.
  analysis.catch(() => undefined);
  const waited = await soakTimer(step, context, () => ended !== null && ended.phase !== 'Successful');
  const run = await analysis;
  if (run.phase !== 'Successful') throw analysisFailure(run, context);
  return `${waited}; analysis ${run.summary ?? run.phase}`;
}

async function soakTimer(step: SoakStep, context: StepContext, stop: () => boolean): Promise<string> {
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
      if (timer.skipped || remaining <= 0 || stop()) break;
      // Wakes early when the timer is skipped or extended, then waits again for what is left.
      const summary = `${step.pauseReason === 'soaking' ? 'soak' : 'grace'} ${formatDuration(Math.ceil(remaining / 1000))}: ${step.reason}`;
      const woken = await condition(() => timer.skipped || timer.endsAtMs !== endsAt || stop(), remaining, {
        summary,
      });
      // Timed out means the timer ran its full length. Asking the clock again is not enough: after a
      // worker was killed, the new worker's first task was seen reporting a time from before the timer
      // fired, and the loop started the whole soak over (test/workflows/crash/soak.crash.e2e.test.ts).
      if (!woken || stop()) break;
    }
  } finally {
    controls.soak = null;
    board.setTimer(null);
    board.setPause(null);
  }
  // A timer that ran its length waited exactly that long. The clock of the task that sees it fire
  // says more when a worker died meanwhile (grace.crash.e2e.test.ts saw "waited 48s" for 15 s):
  // that is the time the workflow took to notice, not the soak or grace period.
  const stopped = !timer.skipped && stop();
  const cut = timer.skipped || stopped;
  const waited = formatDuration(Math.round(((cut ? Date.now() : timer.endsAtMs) - startedAt) / 1000));
  return timer.skipped ? `skipped after ${waited}` : stopped ? `ended early after ${waited}` : `waited ${waited}`;
}
