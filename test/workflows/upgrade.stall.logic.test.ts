/**
 * No silent wait, on the time-skipping server with stub activities: a node agent that stops
 * progressing opens a failure gate at the spec's stall time (six hours of it pass in moments),
 * naming what is stuck, and one that keeps creeping forward stops at its deadline. Neither leads
 * to cleanup: Sail's old revision stays held until a human decides; rejecting rolls back, and the
 * rollback gives the hold back.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutReading } from '../../activities/kubernetes/rollout.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import { cluster } from '../core/fixtures/cluster.js';
import { timeSkippingEnv } from '../support/temporal.js';
import { answering, runUpgrade, specOf } from './support/logic-harness.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const HOUR_MS = 3_600_000;

const STUCK =
  'ztunnel: 2/3 nodes on 1.28.0; node-2: ztunnel-abcde ContainerCreating for 6h (FailedCreatePodSandBox: failed to create pod sandbox)';

const spec = specOf({
  install: { method: 'sail', mode: 'ambient', strategy: 'revision' },
  version: { target: '1.28.0' },
  timeouts: { rollout: '24h', nodeAgent: '24h', sail: '24h', stall: '6h' },
});
/** The same upgrade with a 7-hour deadline: long enough to outlast the stall time, short enough to look at few times. */
const deadlineSpec = specOf({
  install: { method: 'sail', mode: 'ambient', strategy: 'revision' },
  version: { target: '1.28.0' },
  timeouts: { rollout: '7h', nodeAgent: '7h', sail: '7h', stall: '6h' },
});
const inventory = cluster({ revision: 'default-v1-27-3', sail: 'RevisionBased', ambient: true });

/** How long a step ran before it failed, in workflow time. */
function stepTime(status: UpgradeStatus | undefined, id: string): number {
  const step = status?.steps.find((candidate) => candidate.id === id);
  return Date.parse(step?.endedAt ?? '') - Date.parse(step?.startedAt ?? '');
}

const ztunnelAt = (updated: number, fingerprint: string): RolloutReading => ({
  state: 'progressing',
  message: `${updated}/3 pods updated`,
  progress: { desired: 3, updated, available: updated },
  fingerprint,
});

describe('Sail ambient RevisionBased, ztunnel stuck on one node of three', () => {
  it('stops at a failure gate after six hours without progress, naming the node, the pod and the reason; nothing is cleaned up and the rollback releases the held revision', async () => {
    let reported = false;
    const run = await runUpgrade(env, {
      spec,
      inventories: [inventory],
      // Stuck until the stall is reported; then the node recovers, so the rollback's ztunnel rolls.
      rolloutReading: (input) => (input.name === 'ztunnel' && !reported ? ztunnelAt(2, 'stuck at 2') : undefined),
      stuck: () => {
        reported = true;
        return STUCK;
      },
      operator: answering('failure', 'reject'),
      // The wait's looks are timers of its own, neither a gate nor a soak: the operator skips
      // half an hour of workflow time whenever nothing else is pending.
      skipIdleMs: HOUR_MS / 2,
      giveUpMs: 100_000,
    });

    const gateId = 'failed:ztunnel@1.28.0#1';
    const atGate = run.seen.get(gateId);
    expect(atGate?.pendingGates.find((gate) => gate.id === gateId)?.description).toContain(STUCK);
    expect(atGate?.failure).toEqual({ type: 'RolloutStalled', message: `${STUCK}; no progress for 6h` });
    expect(atGate?.steps.find((step) => step.id === 'ztunnel@1.28.0')).toMatchObject({
      state: 'failed',
      note: 'ztunnel: 2/3 nodes on 1.28.0 (2/3 pods updated)',
    });
    // Six hours of skipped time, not the 24-hour deadline, and not six real hours.
    const waited = stepTime(atGate, 'ztunnel@1.28.0');
    expect(waited).toBeGreaterThanOrEqual(6 * HOUR_MS);
    expect(waited).toBeLessThan(7 * HOUR_MS);

    const calls = run.recorder.calls;
    const stalledAt = calls.indexOf('describeStuckRollout istio-system/ztunnel');
    expect(stalledAt).toBeGreaterThan(calls.indexOf('patchSailResource ZTunnel v1.28.0'));
    // Held before the new revision existed; nothing removed it while the node was stuck.
    expect(calls.indexOf('holdSailRevisions default 2592000')).toBeLessThan(
      calls.indexOf('patchSailResource Istio v1.28.0'),
    );
    expect(calls.slice(0, stalledAt)).not.toContain('releaseSailRevisions default');
    expect(calls).not.toContain('listIstioRevisions');
    // Rejected: the rollback sets Istio back to 1.27.3 and then gives the hold back.
    expect(run.result.outcome).toBe('rolled-back');
    expect(calls.slice(stalledAt)).toEqual(
      expect.arrayContaining(['patchSailResource Istio v1.27.3', 'releaseSailRevisions default']),
    );
    expect(calls.indexOf('releaseSailRevisions default')).toBeGreaterThan(
      calls.indexOf('patchSailResource Istio v1.27.3'),
    );
  }, 120_000);

  it('keeps waiting while a node moves now and then, and stops at the 7-hour deadline, not at the 6-hour stall time', async () => {
    let reported = false;
    const run = await runUpgrade(env, {
      spec: deadlineSpec,
      inventories: [inventory],
      // A new fingerprint every look: it never stalls, it never finishes either (until the
      // deadline is reported, so the rollback's ztunnel rolls).
      rolloutReading: (input, look) =>
        input.name === 'ztunnel' && !reported ? ztunnelAt(2, `look ${look}`) : undefined,
      stuck: () => {
        reported = true;
        return STUCK;
      },
      operator: answering('failure', 'reject'),
      // The wait's looks are timers of its own, neither a gate nor a soak: the operator skips
      // half an hour of workflow time whenever nothing else is pending.
      skipIdleMs: HOUR_MS / 2,
      giveUpMs: 100_000,
    });

    const atGate = run.seen.get('failed:ztunnel@1.28.0#1');
    expect(atGate?.failure).toEqual({ type: 'RolloutFailed', message: `ztunnel did not finish within 7h: ${STUCK}` });
    const waited = stepTime(atGate, 'ztunnel@1.28.0');
    expect(waited).toBeGreaterThanOrEqual(7 * HOUR_MS);
    expect(waited).toBeLessThan(8 * HOUR_MS);
    expect(run.recorder.calls).not.toContain('listIstioRevisions');
  }, 120_000);
});
