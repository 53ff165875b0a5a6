/**
 * A stand-in for the `upgrade` workflow, for the fleet's logic tests: the fleet only orders,
 * waits and halts, so what it needs from a cluster's upgrade is how long it takes and how it
 * ends. The cluster's name says which: `…fail…` ends rolled-back after 30 minutes, `…partial…`
 * ends partial, anything else completes after an hour; `quick-…` takes 4 seconds instead, for
 * the controls tests on the dev server, where time is real. It serves the cluster's task queue as the
 * real workflow would, so the fleet's routing is exercised for real.
 */
import { sleep, workflowInfo } from '@temporalio/workflow';
import type { UpgradeInput, UpgradeResult, UpgradeStatus } from '../../../../workflows/messages.js';

export async function upgrade(input: UpgradeInput): Promise<UpgradeResult> {
  const cluster = input.spec.cluster?.name ?? 'unknown';
  const failing = cluster.includes('fail');
  await sleep(cluster.startsWith('quick') ? '4 seconds' : failing ? '30 minutes' : '1 hour');
  const outcome = failing
    ? 'rolled-back'
    : cluster.includes('partial')
      ? ('partial' as UpgradeResult['outcome'])
      : 'completed';
  const status = {
    failure: failing
      ? { type: 'TestFailed', message: `${cluster}: productpage answered 503 (${workflowInfo().taskQueue})` }
      : null,
  } as UpgradeStatus;
  return { outcome, plan: null, spec: input.spec, status };
}
