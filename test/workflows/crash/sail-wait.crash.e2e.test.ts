/**
 * A worker process killed with SIGKILL while a Sail revision canary waits for the Istio resource
 * to become ready (its version set to 1.27.3 by a finished activity, Sail's new IstioRevision
 * created, its istiod not ready yet), and a new worker process started: the new worker continues
 * the wait, the Istio resource is patched once, and the canary completes.
 *
 * Why this kill point rather than the move of a namespace label: the label move is one quick
 * API call (no heartbeat, so a dead attempt is only retried after its 2-minute startToClose) and
 * a kill can land inside it only with injected latency, where the retry's answer depends on
 * whether the server applied the write first; either way the same label is set again. Here the
 * kill lands, every time, in a long wait that follows a completed write, which is the shape of
 * every Sail step (set a version, wait for the operator): the proof is that the write is not
 * sent again (the write log), that the operator made exactly one new revision, and that the
 * patch ran once, on its first attempt (the wait is the workflow's looks on a timer, which the
 * new worker simply continues).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import type { SimCluster } from '../../activities/support/sim.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import { meshState, quickSpec, restartsOf, scenarioFrom } from '../support/upgrade-harness.js';
import { BOOKINFO, activityRuns, canaryWithCrash, startCrashCluster, writesTo } from '../support/crash-harness.js';

const INSTALL = 'install-revision:default-v1-27-3';
const PATCH = 'set Istio default to 1.27.3';
/** Sail's grace period is raised for the upgrade and put back at cleanup: the old revision outlives its users. */
const HOLD = 'hold the old revision of Istio default';
const RELEASE = 'release the old revision of Istio default';

const spec: SpecInput = quickSpec({
  cluster: { context: 'sim' },
  install: { method: 'sail', mode: 'sidecar', strategy: 'revision' },
  version: { target: '1.27.3' },
  scope: { namespaces: ['bookinfo'] },
});

type Conditioned = { status?: { conditions?: { type: string; status: string }[] } };
const ready = (object: unknown) =>
  (object as Conditioned | undefined)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ===
  true;
const specVersion = (cluster: SimCluster, resource: string, name: string) =>
  (cluster.sim.get(resource, undefined, name)?.spec as { version?: string } | undefined)?.version;

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  // The Sail scenario's mesh in sidecar mode, RevisionBased, bookinfo on the default tag. A new
  // istiod takes 8 s to get ready (the wait to die in); bookinfo's pods stay quick.
  const scenario = scenarioFrom('ambientSail', (s) => ({
    ...s,
    name: 'sidecar-sail-revision-1.26',
    istio: {
      installer: 'sail',
      mode: 'sidecar',
      version: '1.26.4',
      sail: { updateStrategy: 'RevisionBased', inactiveRevisionDeletionGracePeriodSeconds: 30 },
      tags: [{ name: 'default', revision: 'default' }],
    },
    namespaces: (s.namespaces ?? []).map((namespace) => ({
      ...namespace,
      labels: { 'istio-injection': 'enabled' },
      waypoints: [],
    })),
  }));
  [env, cluster] = await Promise.all([
    devServerEnv(),
    startCrashCluster({ timeScale: 50, scenario, podReadySeconds: 400, bookinfoReadySeconds: 5 }),
  ]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

describe('a worker killed while a Sail canary waits for the new revision', () => {
  it('patches the Istio resource once, resumes the wait under a new worker and completes, restarting every bookinfo deployment exactly once', async () => {
    let seenAt: number | null = null;
    const run = await canaryWithCrash(env, inject('temporalAddress'), cluster, {
      spec,
      killWhen: (status, c) => {
        const revision = c.sim.get('istiorevisions.sailoperator.io', undefined, 'default-v1-27-3');
        const waiting =
          status.current === INSTALL &&
          specVersion(c, 'istios.sailoperator.io', 'default') === 'v1.27.3' &&
          revision !== undefined &&
          !ready(revision);
        if (!waiting) return false;
        // A second and a half into the wait: the patch's activity has long reported back.
        seenAt ??= Date.now();
        return Date.now() - seenAt > 1_500;
      },
    });
    const { result } = run;
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    const steps = result.status.steps.map((step) => `${step.id}:${step.state}`);
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps.filter((step) => !step.endsWith(':done'))).toEqual([]);
    expect(steps).toContain('move-tag:default@default-v1-27-3:done');

    // The hold and the patch ended on attempt 1 under the first worker. The wait is the workflow's
    // own looks on a timer (the stall rule): the second worker took up the next look, and no write
    // was sent again. Looks and polls are left out of the runs: they repeat by design.
    const runs = await activityRuns(env, run.handle);
    const upgradeRuns = runs[run.handle.workflowId] ?? [];
    expect(
      upgradeRuns.filter((r) => [HOLD, PATCH, RELEASE].includes(r.summary)).map((r) => `${r.summary}#${r.attempt}`),
    ).toEqual([`${HOLD}#1`, `${PATCH}#1`, `${RELEASE}#1`]);
    for (const [workflowId, list] of Object.entries(runs)) {
      const summaries = list.map((r) => r.summary);
      expect(
        summaries.filter((summary, index) => summaries.indexOf(summary) !== index),
        workflowId,
      ).toEqual([]);
    }

    // Every write both workers sent, once: the hold, the Istio version, the release and one restart
    // per deployment. (The default IstioRevisionTag already follows the Istio resource, so moving it
    // writes nothing.)
    expect(writesTo(cluster, { verb: 'patch', resource: 'istios', name: 'default' })).toBe(3);
    expect(
      cluster.sim.writeLog
        .map((write) => `${write.verb} ${write.resource} ${write.namespace ?? ''}/${write.name}`)
        .sort(),
    ).toEqual(
      [
        ...Array.from({ length: 3 }, () => 'patch istios /default'),
        ...BOOKINFO.map((name) => `patch deployments bookinfo/${name}`),
      ].sort(),
    );
    expect(result.status.steps.find((step) => step.id === 'move-tag:default@default-v1-27-3')?.note).toMatch(/already/);
    expect(restartsOf(cluster, 'bookinfo')).toEqual(Object.fromEntries(BOOKINFO.map((name) => [name, 1])));
    expect(result.status.workloads.map((w) => `${w.name}:${w.state}:${w.attempts}`).sort()).toEqual(
      BOOKINFO.map((name) => `${name}:done:1`),
    );

    // Sail made one new revision and deleted the old one; bookinfo runs 1.27.3 from it.
    expect(specVersion(cluster, 'istios.sailoperator.io', 'default')).toBe('v1.27.3');
    expect(cluster.sim.list('istiorevisions.sailoperator.io').map((revision) => revision.metadata.name)).toEqual([
      'default-v1-27-3',
    ]);
    const proxies = (meshState(cluster) as { proxies: Record<string, string> }).proxies;
    expect(
      Object.entries(proxies).filter(
        ([owner, proxy]) => owner.startsWith('bookinfo/') && proxy !== '1.27.3@default-v1-27-3',
      ),
    ).toEqual([]);
  }, 240_000);
});
