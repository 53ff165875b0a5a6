/**
 * A worker process killed with SIGKILL eight seconds into the 15-second grace period before the
 * old revision is removed, and a new worker process started: the grace period is a durable
 * timer, so it ends 15 s after it began; nothing was deleted before it ended, and revision
 * default is removed once, after it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import type { SimCluster } from '../../activities/support/sim.js';
import {
  canaryWithCrash,
  crashCanarySpec,
  expectFinishedOnce,
  startCrashCluster,
  writesTo,
} from '../support/crash-harness.js';

const GRACE = 'grace:default';
const UNINSTALL = 'istioctl uninstall --revision default';

function summaryOf(event: temporal.api.history.v1.IHistoryEvent): string {
  const payload = event.userMetadata?.summary;
  return payload ? defaultPayloadConverter.fromPayload<string>(payload) : '';
}

const seconds = (event: temporal.api.history.v1.IHistoryEvent | undefined) =>
  Number(event?.eventTime?.seconds ?? 0) + (event?.eventTime?.nanos ?? 0) / 1e9;

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  [env, cluster] = await Promise.all([devServerEnv(), startCrashCluster({ timeScale: 50 })]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

describe('a worker killed during the grace period before the old revision is removed', () => {
  it('keeps the grace period at 15 s across the restart, removes revision default once after it, and finishes the canary restarting every bookinfo deployment exactly once', async () => {
    let deletesAtKill = -1;
    const run = await canaryWithCrash(env, inject('temporalAddress'), cluster, {
      spec: crashCanarySpec({ graceBeforeRevisionRemoval: '15s' }),
      killWhen: (status, c) => {
        if (status.timer?.stepId !== GRACE || Date.now() - Date.parse(status.timer.startedAt) <= 8_000) return false;
        deletesAtKill = c.sim.writeLog.filter((write) => write.verb === 'delete').length;
        return true;
      },
    });
    expect(run.atKill.pause).toBe('grace-period');
    // Nothing of the old revision was deleted while the grace period ran.
    expect(deletesAtKill).toBe(0);
    expect(cluster.sim.get('deployments', 'istio-system', 'istiod')).toBeUndefined();
    await expectFinishedOnce(env, run, cluster);

    // One grace timer, fired 15 s after it started (one restarted by the new worker would have
    // fired 8 s or more later); the uninstall scheduled once, after it fired.
    const events = (await run.handle.fetchHistory()).events ?? [];
    const started = events.filter((event) => event.timerStartedEventAttributes && summaryOf(event).startsWith('grace'));
    expect(started.length).toBe(1);
    const fired = events.find(
      (event) => event.timerFiredEventAttributes?.timerId === started[0]?.timerStartedEventAttributes?.timerId,
    );
    expect(fired).toBeDefined();
    expect(seconds(fired) - seconds(started[0])).toBeGreaterThanOrEqual(15);
    expect(seconds(fired) - seconds(started[0])).toBeLessThan(16);
    const uninstalls = events.filter(
      (event) => event.activityTaskScheduledEventAttributes && summaryOf(event) === UNINSTALL,
    );
    expect(uninstalls.length).toBe(1);
    expect(Number(uninstalls[0]?.eventId)).toBeGreaterThan(Number(fired?.eventId));
    expect(run.result.status.steps.find((step) => step.id === GRACE)?.note).toBe('waited 15s');

    // Removed once: istiod's Deployment deleted by one write, and no object deleted twice.
    expect(
      writesTo(cluster, { verb: 'delete', resource: 'deployments', namespace: 'istio-system', name: 'istiod' }),
    ).toBe(1);
    const deleted = cluster.sim.writeLog
      .filter((write) => write.verb === 'delete')
      .map((write) => `${write.resource}/${write.namespace ?? ''}/${write.name}`);
    expect(deleted.filter((key, index) => deleted.indexOf(key) !== index)).toEqual([]);
  }, 240_000);
});
