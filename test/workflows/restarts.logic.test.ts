/**
 * Restart batches overlap: with concurrency 2, bookinfo's four deployments run as two batches of
 * two (restarts-1, restarts-2), and a slow restart in the first batch does not hold back the
 * second; a failure still stops every new start, and the human decides at the failure gate once
 * every running restart has ended. The real workflow runs on the time-skipping server with stub
 * activities; only `rolloutWorkload` is replaced, by one that holds a restart until something else
 * happened, so the order proves the overlap without timing.
 */
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutWorkloadInput, RolloutWorkloadResult } from '../../activities/index.js';
import { cluster } from '../core/fixtures/cluster.js';
import { timeSkippingEnv } from '../support/temporal.js';
import { answering, runUpgrade, specOf } from './support/logic-harness.js';
import { failed, passed } from './support/stub-activities.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const spec = specOf({
  install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
  version: { target: '1.28.0' },
  restarts: { concurrency: 2 },
  tests: { bookinfo: { http: { url: 'http://productpage.bookinfo:9080/' } } },
});
const ratingsGate = 'failed:restart:bookinfo/ratings-v1@1.28.0#1';

/** Restarts that log when each starts and ends, count how many run at once, and let a test hold one. */
class Rollouts {
  readonly log: string[] = [];
  /** The most restarts in flight at once. */
  peak = 0;
  /** The upgrade's workflow id, read by the first restart from its batch's id. */
  upgradeId = '';
  private running = 0;
  private readonly started = new Map<string, () => void>();
  private readonly startedPromises = new Map<string, Promise<void>>();

  constructor(
    private readonly behave: (
      input: RolloutWorkloadInput,
      rollouts: Rollouts,
    ) => Promise<{ passed: boolean } | undefined> | undefined,
  ) {}

  /** Resolves when `name` (on the new version) starts, or rejects after `ms`. */
  startOf(name: string, ms = 15_000): Promise<void> {
    let promise = this.startedPromises.get(name);
    if (promise === undefined) {
      promise = new Promise<void>((resolve) => this.started.set(name, resolve));
      this.startedPromises.set(name, promise);
    }
    return Promise.race([
      promise,
      new Promise<void>((_, reject) =>
        setTimeout(() => reject(new Error(`${name} did not start within ${ms} ms`)), ms).unref(),
      ),
    ]);
  }

  readonly activity = async (input: RolloutWorkloadInput): Promise<RolloutWorkloadResult> => {
    const upgrade = input.expectedVersion === '1.28.0';
    const key = `${input.name}${upgrade ? '' : ` ${input.expectedVersion ?? '?'}`}`;
    this.running += 1;
    this.peak = Math.max(this.peak, this.running);
    this.log.push(`start ${key}`);
    this.upgradeId ||= (Context.current().info.workflowExecution?.workflowId ?? '').replace(/\/restarts-\d+$/, '');
    if (upgrade) {
      this.startOf(input.name).catch(() => undefined);
      this.started.get(input.name)?.();
    }
    try {
      const verdict = upgrade ? await this.behave(input, this) : undefined;
      return {
        restarted: true,
        rollout: `deployment "${input.name}" successfully rolled out`,
        wrongProxies: [],
        pods: 1,
        test:
          input.test === null
            ? null
            : verdict?.passed === false
              ? failed('GET http://ratings:9080/ → 503 (wanted 200)')
              : passed(),
      };
    } finally {
      this.running -= 1;
      this.log.push(`end ${key}`);
    }
  };
}

/** Resolves once the upgrade has heard from a batch that a restart failed. */
async function failureReported(workflowId: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const heard = (history.events ?? []).some((event) => {
      const signal = event.workflowExecutionSignaledEventAttributes;
      const data = signal?.input?.payloads?.[0]?.data;
      return signal?.signalName === 'restart-batch' && data != null && Buffer.from(data).toString().includes('failed');
    });
    if (heard) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no batch reported the failure within 15 s');
}

async function batchesOf(workflowId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 1; ; n += 1) {
    const id = `${workflowId}/restarts-${n}`;
    const found = await env.client.workflow
      .getHandle(id)
      .describe()
      .then((d) => `${id.slice(workflowId.length + 1)} ${d.type} ${d.status.name}`)
      .catch(() => null);
    if (found === null) return ids;
    ids.push(found);
  }
}

describe('restart batches overlap within the concurrency budget', () => {
  it('starts ratings-v1 of the second batch while details-v1 of the first still rolls, never more than 2 at once', async () => {
    const rollouts = new Rollouts(async (input, r) => {
      // details-v1 rolls until a restart of the next batch has begun: in lock-step it would wait in vain.
      if (input.name === 'details-v1') await r.startOf('ratings-v1');
      return undefined;
    });
    const run = await runUpgrade(env, {
      spec,
      inventories: [cluster()],
      activities: () => ({ rolloutWorkload: rollouts.activity }),
    });

    expect(run.result.outcome).toBe('completed');
    const upgradeLog = rollouts.log.filter((line) => !line.includes(' 1.'));
    expect(upgradeLog.indexOf('start ratings-v1')).toBeLessThan(upgradeLog.indexOf('end details-v1'));
    // In plan order, except that the first batch's two start together, in either order.
    const starts = upgradeLog.filter((line) => line.startsWith('start '));
    expect([...starts.slice(0, 2).sort(), ...starts.slice(2)]).toEqual([
      'start details-v1',
      'start productpage-v1',
      'start ratings-v1',
      'start reviews-v2',
    ]);
    expect(rollouts.peak).toBe(2);
    expect(run.result.status.workloads.map((w) => `${w.name} ${w.state}`)).toEqual([
      'details-v1 done',
      'productpage-v1 done',
      'ratings-v1 done',
      'reviews-v2 done',
    ]);
    // Still one child per batch of two, with the ids a replay finds again.
    expect(await batchesOf(rollouts.upgradeId)).toEqual([
      'restarts-1 restartBatch COMPLETED',
      'restarts-2 restartBatch COMPLETED',
    ]);
  });

  it('after ratings-v1 fails in the second batch, the slot details-v1 frees starts nothing: the gate opens once details-v1 has ended, and reviews-v2 starts only after the approval', async () => {
    const rollouts = new Rollouts(async (input, r) => {
      if (input.name === 'ratings-v1') return { passed: false };
      // details-v1 ends only once the failure has reached the upgrade: its slot comes free after it.
      if (input.name === 'details-v1') {
        await r.startOf('ratings-v1');
        await failureReported(r.upgradeId);
      }
      return undefined;
    });
    const run = await runUpgrade(env, {
      spec,
      inventories: [cluster()],
      operator: answering(ratingsGate, 'approve'),
      activities: () => ({ rolloutWorkload: rollouts.activity }),
    });

    const atGate = run.seen.get(ratingsGate);
    expect(atGate?.failure).toMatchObject({ type: 'TestFailed' });
    expect(atGate?.workloads.map((w) => `${w.name} ${w.state}`)).toEqual([
      'details-v1 done',
      'productpage-v1 done',
      'ratings-v1 failed',
      'reviews-v2 pending',
    ]);
    const log = rollouts.log.filter((line) => !line.includes(' 1.'));
    // The two restarts of the first batch start together, in either order; the rest is ordered.
    expect(log.filter((line) => line !== 'start details-v1')).toEqual([
      'start productpage-v1',
      'end productpage-v1',
      'start ratings-v1',
      'end ratings-v1',
      'end details-v1',
      // After the gate was approved (ratings-v1 left as it is), in a batch of its own.
      'start reviews-v2',
      'end reviews-v2',
    ]);
    expect(log.indexOf('start details-v1')).toBeLessThan(log.indexOf('start ratings-v1'));
    expect(run.result.outcome).toBe('completed');
    expect(await batchesOf(rollouts.upgradeId)).toEqual([
      'restarts-1 restartBatch COMPLETED',
      'restarts-2 restartBatch COMPLETED',
      'restarts-3 restartBatch COMPLETED',
    ]);
  });
});
