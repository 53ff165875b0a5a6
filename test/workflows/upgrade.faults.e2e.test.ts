/**
 * What production does to an upgrade, on the simulated cluster: an API server that refuses a
 * fifth of the writes and drops watches, and a pod that turns up on the old revision while the
 * grace period runs.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import { decideUpdate, statusQuery } from '../../workflows/messages.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import { answerGates, quickSpec, restartsOf, runWorker, startUpgrade, e2eSuite } from './support/upgrade-harness.js';

const suite = e2eSuite();

const canary = (extra: Partial<SpecInput> = {}): SpecInput =>
  quickSpec({
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.27.3' },
    scope: { namespaces: ['bookinfo'] },
    ...extra,
  });

describe('faults', () => {
  it('finishes a canary while, once the new revision runs, 20 % of writes answer 500, 409 or 429 and watches drop, each deployment restarted once, the retries in history', async () => {
    const cluster = await suite.fresh();
    const { result, retried } = await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, canary());
      // From the moment the new revision runs: istioctl itself gives up on an API error (exit 1),
      // which stops at a failure gate for a human; the workflow's own calls must ride it out.
      const faulty = (async () => {
        while (
          (await handle.query(statusQuery)).steps.find((step) => step.id === 'install-revision:1-27-3')?.state !==
          'done'
        ) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        for (const verb of ['patch', 'create', 'delete'] as const) {
          for (const code of [500, 409, 429] as const)
            cluster.sim.faults.add({ kind: 'apiError', code, verb, resource: '*', rate: 0.2 / 3 });
        }
        cluster.sim.faults.add({ kind: 'dropWatch', resource: '*', afterSeconds: 2 });
        // And one refusal for certain, so the history shows a retried attempt whatever the dice say.
        cluster.sim.faults.add({
          kind: 'apiError',
          code: 503,
          verb: 'patch',
          resource: 'deployments',
          namespace: 'bookinfo',
          name: 'ratings-v1',
          count: 1,
        });
      })();
      const toolFailures: string[] = [];
      const result = await answerGates(handle, (gateId, status) => {
        const gate = status.pendingGates.find((g) => g.id === gateId);
        if (gate?.kind !== 'failure') return 'approve';
        // istioctl exits 1 on an API error and is not retried blindly: a human retries it at the gate.
        if (!/\(CommandFailed: istioctl/.test(gate.description))
          throw new Error(`unexpected failure gate: ${gate.description}`);
        toolFailures.push(gate.stepId ?? '');
        return 'retry';
      });
      await faulty;
      // The restarts run in child workflows: read their histories too.
      const history = await handle.fetchHistory();
      const children = (history.events ?? []).flatMap(
        (event) => event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? [],
      );
      const histories = [
        history,
        ...(await Promise.all(children.map((id) => suite.env.client.workflow.getHandle(id).fetchHistory()))),
      ];
      const retried = histories
        .flatMap((h) => h.events ?? [])
        .filter((event) => (event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length;
      console.log(`faults: istioctl failures retried at a gate: ${toolFailures.join(', ') || 'none'}`);
      return { result, retried };
    });
    const refused = cluster.sim.requests.filter((request) => [500, 503, 409, 429].includes(request.code ?? 0)).length;
    expect(refused).toBeGreaterThan(0);
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(restartsOf(cluster, 'bookinfo')).toEqual({
      'details-v1': 1,
      'productpage-v1': 1,
      'ratings-v1': 1,
      'reviews-v1': 1,
      'reviews-v2': 1,
      'reviews-v3': 1,
    });
    // Reads are retried inside the adapters; writes by Temporal, which the history shows as later attempts.
    console.log(`faults: ${refused} refused requests, ${retried} activities that needed more than one attempt`);
    expect(retried).toBeGreaterThan(0);
  }, 180_000);

  it('keeps the old revision when a pod turns up on it during the grace period, and names the pod', async () => {
    const cluster = await suite.fresh();
    await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(
        suite.env,
        taskQueue,
        canary({ timers: { graceBeforeRevisionRemoval: '30s' } }),
      );
      const answered = new Set<string>();
      let status: UpgradeStatus | null = null;
      const deadline = Date.now() + 90_000;
      let strayCreated = false;
      while (Date.now() < deadline) {
        status = await handle.query(statusQuery);
        if (status.pendingGates.some((gate) => gate.kind === 'failure')) break;
        if (!strayCreated && status.timer?.stepId === 'grace:default') {
          // A pod injected by the old istiod before the upgrade, found only now (e.g. a node came back).
          await cluster.clients.core.createNamespacedPod({
            namespace: 'legacy',
            body: {
              metadata: {
                name: 'stray-batch',
                annotations: { 'sidecar.istio.io/status': JSON.stringify({ revision: 'default' }) },
              },
              spec: {
                containers: [
                  { name: 'batch', image: 'busybox' },
                  { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.26.4' },
                ],
              },
            },
          });
          strayCreated = true;
        }
        for (const gate of status.pendingGates) {
          if (answered.has(gate.id)) continue;
          answered.add(gate.id);
          await handle.executeUpdate(decideUpdate, {
            args: [{ gateId: gate.id, by: 'alice', requestId: randomUUID(), decision: 'approve' }],
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(strayCreated).toBe(true);
      const gate = status?.pendingGates.find((g) => g.kind === 'failure');
      expect(gate?.stepId).toBe('remove-revision:default');
      expect(gate?.description).toMatch(/RevisionInUse: revision default is still used by Pod legacy\/stray-batch/);
      expect(status?.blockers).toEqual(['Pod legacy/stray-batch']);
      expect(cluster.sim.get('deployments', 'istio-system', 'istiod')).toBeDefined();
      await handle.terminate('the test has seen enough');
    });
  }, 180_000);
});
