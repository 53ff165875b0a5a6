/**
 * A worker process killed with SIGKILL eight seconds into the 15-second soak after the new
 * istiod, and a new worker process started: the soak is a durable timer, so it ends 15 s after
 * it began, not 15 s after the new worker came up, and the canary goes on.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { SimCluster } from '../../activities/support/sim.js';
import { canaryWithCrash, crashCanarySpec, expectFinishedOnce, startCrashCluster } from '../support/crash-harness.js';

const SOAK = 'soak:control-plane@1.27.3';

function summaryOf(event: temporal.api.history.v1.IHistoryEvent): string {
  const payload = event.userMetadata?.summary;
  return payload ? defaultPayloadConverter.fromPayload<string>(payload) : '';
}

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  [env, cluster] = await Promise.all([devServerEnv(), startCrashCluster({ timeScale: 50 })]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

describe('a worker killed during the soak timer', () => {
  it('keeps the soak at 15 s across the restart and finishes the canary, restarting every bookinfo deployment exactly once', async () => {
    const run = await canaryWithCrash(env, inject('temporalAddress'), cluster, {
      spec: crashCanarySpec({ soakAfterControlPlane: '15s' }),
      killWhen: (status) => status.timer?.stepId === SOAK && Date.now() - Date.parse(status.timer.startedAt) > 8_000,
    });
    expect(run.atKill.pause).toBe('soaking');
    await expectFinishedOnce(env, run, cluster);
    // The timer fired 15 s after it started: a timer restarted by the new worker would have fired 8 s or more later.
    // (The step itself ends later: the first task after a worker dies waits out the dead worker's sticky queue.)
    const history = await run.handle.fetchHistory();
    const started = history.events?.find(
      (event) => event.timerStartedEventAttributes && summaryOf(event).startsWith('soak'),
    );
    const fired = history.events?.find(
      (event) => event.timerFiredEventAttributes?.timerId === started?.timerStartedEventAttributes?.timerId,
    );
    const seconds = (event: typeof started) =>
      Number(event?.eventTime?.seconds ?? 0) + (event?.eventTime?.nanos ?? 0) / 1e9;
    expect(fired).toBeDefined();
    expect(seconds(fired) - seconds(started)).toBeGreaterThanOrEqual(15);
    expect(seconds(fired) - seconds(started)).toBeLessThan(16);
    // One soak timer: it was not started again once it had fired.
    expect(
      history.events?.filter((event) => event.timerStartedEventAttributes && summaryOf(event).startsWith('soak'))
        .length,
    ).toBe(1);
    expect(run.result.status.steps.find((step) => step.id === SOAK)?.note).toBe('waited 15s');
  }, 240_000);
});
