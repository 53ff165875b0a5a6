/**
 * A worker process killed with SIGKILL while its PATCH that moves a pinned gateway to the new
 * revision (pod-template label istio.io/rev=1-26-4 → 1-27-3, with the step's restart value as
 * the template's restart annotation) is on its way, and a new worker process started.
 *
 * The simulator's `dropResponse` fault plays the real API server that has read the PATCH: it
 * applies it and holds the connection unanswered, and the worker dies waiting for the answer.
 * The relabel is the gateway's rollout: the retry must recognise its own change (the restart
 * value on the template) rather than read "already labelled" as "nothing rolled" and restart
 * the gateway on top of it, which is what workflows/steps/gateways.ts did before (two rollouts).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devServerEnv } from '../../support/temporal.js';
import type { SimCluster } from '../../activities/support/sim.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import { RESTARTED_AT_ANNOTATION } from '../../../activities/kubernetes/restart.js';
import { restartValue } from '../../../workflows/steps/context.js';
import { quickSpec, restartsOf, scenarioFrom } from '../support/upgrade-harness.js';
import { BOOKINFO, activityRuns, canaryWithCrash, startCrashCluster } from '../support/crash-harness.js';

const GATEWAY = 'istio-ingressgateway';
const SWITCH = 'gateways@1.27.3';
const LABEL = `label gateway istio-system/${GATEWAY} istio.io/rev=1-27-3`;

const spec: SpecInput = quickSpec({
  cluster: { context: 'sim' },
  install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
  version: { target: '1.27.3' },
  scope: { namespaces: ['bookinfo'] },
  timers: { soakAfterControlPlane: '5s' },
});

const gatewayReplicaSets = (cluster: SimCluster) =>
  cluster.sim
    .list('replicasets', 'istio-system')
    .filter((rs) =>
      rs.metadata.ownerReferences?.some((owner) => owner.kind === 'Deployment' && owner.name === GATEWAY),
    );

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}
const templateOf = (cluster: SimCluster) =>
  (cluster.sim.get('deployments', 'istio-system', GATEWAY)?.spec as { template?: PodTemplate } | undefined)?.template;

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
beforeAll(async () => {
  // The old control plane is revision 1-26-4 (no revision-less istiod); the ingress gateway and
  // bookinfo are pinned to it by name, so the canary relabels the gateway rather than restarting it.
  const scenario = scenarioFrom('sidecarIstioctl', (s) => ({
    ...s,
    istio: {
      ...s.istio,
      installer: 'istioctl',
      version: '1.26.4',
      defaultRevision: '1-26-4',
      gateways: [{ name: GATEWAY, namespace: 'istio-system', replicas: 2, revision: '1-26-4' }],
    },
    namespaces: (s.namespaces ?? []).map((namespace) =>
      namespace.name === 'bookinfo' ? { ...namespace, labels: { 'istio.io/rev': '1-26-4' } } : namespace,
    ),
  }));
  [env, cluster] = await Promise.all([devServerEnv(), startCrashCluster({ timeScale: 50, scenario })]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});

describe('a worker killed while it relabels a pinned gateway', () => {
  it('rolls the gateway once: the retried relabel finds its own change and the gateway is not restarted on top of it', async () => {
    let dropping = false;
    const relabelInFlight = (c: SimCluster) =>
      c.sim.requests.some(
        (r) => r.verb === 'patch' && r.resource === 'deployments' && r.name === GATEWAY && r.code === 0,
      );
    const run = await canaryWithCrash(env, inject('temporalAddress'), cluster, {
      spec,
      killWhen: (status, c) => {
        // From the soak on (the install is done), the gateway's next PATCH lands and its answer is held, then dropped.
        if (!dropping && status.current === 'soak:control-plane@1.27.3') {
          c.sim.faults.add({
            kind: 'dropResponse',
            verb: 'patch',
            resource: 'deployments',
            namespace: 'istio-system',
            name: GATEWAY,
            holdMs: 30_000,
            count: 1,
          });
          dropping = true;
        }
        return (
          dropping && status.current === SWITCH && restartsOf(c, 'istio-system')[GATEWAY] === 1 && relabelInFlight(c)
        );
      },
      afterKill: async (handle) => {
        // The dead worker's PATCH was applied, as a real API server that had read it would: the step's first try.
        const upgradeKey = `${handle.workflowId}@${(await handle.describe()).runId}`;
        expect(templateOf(cluster)?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION]).toBe(
          restartValue(upgradeKey, `${SWITCH}/istio-system/${GATEWAY}`, 1),
        );
        expect(templateOf(cluster)?.metadata?.labels?.['istio.io/rev']).toBe('1-27-3');
        expect(cluster.sim.faults.list()).toEqual([]);
      },
    });
    const { result } = run;
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    const steps = result.status.steps.map((step) => `${step.id}:${step.state}`);
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps.filter((step) => !step.endsWith(':done'))).toEqual([]);

    // The relabel's first attempt died with its PATCH in flight; its retry found the change made.
    const runs = (await activityRuns(env, run.handle))[run.handle.workflowId] ?? [];
    expect(runs.filter((r) => r.summary === LABEL).map((r) => r.attempt)).toEqual([2]);
    expect(result.status.steps.find((step) => step.id === SWITCH)?.note).toBe(
      `istio-system/${GATEWAY} → istio.io/rev=1-27-3`,
    );
    // One rollout of the gateway: one PATCH in the write log (the dead worker's, whose answer was dropped),
    // no restart scheduled, the old ReplicaSet and one new one.
    expect(restartsOf(cluster, 'istio-system')[GATEWAY]).toBe(1);
    expect(gatewayReplicaSets(cluster).length).toBe(2);
    expect(runs.filter((r) => r.summary === `restart gateway istio-system/${GATEWAY}`)).toEqual([]);
    expect(restartsOf(cluster, 'bookinfo')).toEqual(Object.fromEntries(BOOKINFO.map((name) => [name, 1])));
    expect(templateOf(cluster)?.metadata?.labels?.['istio.io/rev']).toBe('1-27-3');
  }, 420_000);
});
