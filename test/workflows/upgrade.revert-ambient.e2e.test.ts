/**
 * Revert in ambient mode, end to end (istioctl, revision 1-26-4 to 1-27-3): ztunnel serves every
 * namespace of its node, so only a namespace's waypoint can go back. `quiet` has no waypoint: a
 * revert at its failed test is refused, naming why, and nothing is written. bookinfo's
 * reviews-waypoint (pinned to 1-26-4, moved to 1-27-3 before the tests) breaks reviews-v2: the
 * revert relabels the waypoint's Gateway back to 1-26-4, its Deployment rolls back, and ztunnel
 * stays on 1.27.3.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { SpecInput } from '../../core/spec/schema.js';
import type { ScenarioInput } from '../../sim/index.js';
import { revertUpdate } from '../../workflows/messages.js';
import type { PendingGate } from '../../workflows/messages.js';
import type { SimCluster } from '../activities/support/sim.js';
import { e2eSuite, quickSpec, runWorker, scenarioFrom, startUpgrade } from './support/upgrade-harness.js';
import { answerWith, proxyVersionProbe } from './support/revert-harness.js';

const suite = e2eSuite();
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

/** The shipped ambient mesh under istioctl on revision 1-26-4, bookinfo's only waypoint pinned to it, plus `quiet` without one. */
function ambientMesh(): ScenarioInput {
  return scenarioFrom('ambientSail', (scenario) => ({
    ...scenario,
    name: 'ambient-istioctl-revert',
    istio: {
      installer: 'istioctl',
      mode: 'ambient',
      version: '1.26.4',
      defaultRevision: '1-26-4',
      tags: [{ name: 'default', revision: '1-26-4' }],
    },
    namespaces: [
      ...(scenario.namespaces ?? []).map((namespace) => ({
        ...namespace,
        labels: { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'reviews-waypoint' },
        waypoints: [{ name: 'reviews-waypoint', revision: '1-26-4' }],
      })),
      {
        name: 'quiet',
        labels: { 'istio.io/dataplane-mode': 'ambient' },
        deployments: [{ name: 'batch-v1', replicas: 1 }],
      },
    ],
  }));
}

function waypointProxies(cluster: SimCluster): string[] {
  return cluster.sim
    .list('pods', 'bookinfo')
    .filter(
      (pod) =>
        pod.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === 'reviews-waypoint' &&
        pod.metadata.deletionTimestamp === undefined,
    )
    .map((pod) => {
      const spec = pod.spec as { containers?: { name: string; image?: string }[] } | undefined;
      const proxy = (spec?.containers ?? []).find((c) => c.name === 'istio-proxy');
      return `${(proxy?.image ?? '').split(':').pop() ?? ''}@${pod.metadata.labels?.['istio.io/rev'] ?? ''}`;
    });
}

describe('revert in an ambient mesh', () => {
  it("refuses where there is no waypoint, and puts bookinfo's waypoint back on 1-26-4 while ztunnel stays on 1.27.3", async () => {
    const cluster = await suite.fresh(ambientMesh());
    const probe = await proxyVersionProbe(cluster, {
      namespace: 'bookinfo',
      name: 'reviews-v2',
      badVersion: '1.27.3',
      proxiesOf: (labels) => labels['gateway.networking.k8s.io/gateway-name'] === 'reviews-waypoint',
    });
    closers.push(probe.close);
    const spec: SpecInput = quickSpec({
      install: { method: 'istioctl', mode: 'ambient', strategy: 'revision' },
      version: { target: '1.27.3' },
      scope: { namespaces: ['quiet', 'bookinfo'] },
      tests: {
        'quiet/batch-v1': { command: { argv: ['false'] } },
        'bookinfo/reviews-v2': { http: { url: probe.url('bookinfo', 'reviews-v2') } },
      },
    });
    const gates: PendingGate[] = [];
    let refused = '';
    let writes = -1;
    const result = await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, spec);
      return answerWith(
        handle,
        async (gate) => {
          if (gate.kind !== 'failure') return undefined;
          if (gate.stepId?.startsWith('test:quiet/')) {
            const before = cluster.sim.writeLog.length;
            try {
              await handle.executeUpdate(revertUpdate, {
                args: [{ gateId: gate.id, by: 'alice', requestId: `revert-${gate.id}`, comment: 'batch broken' }],
              });
            } catch (error) {
              if (!(error instanceof WorkflowUpdateFailedError)) throw error;
              refused = error.cause?.message ?? error.message;
            }
            writes = cluster.sim.writeLog.length - before;
            // Go on without it: approving a failure gate skips the failed step.
            return { decision: 'approve', comment: 'batch is not on the request path' };
          }
          return { decision: 'revert', comment: 'reviews 5xx through the new waypoint' };
        },
        gates,
      );
    });

    const quietGate = gates.find((g) => g.kind === 'failure' && g.stepId?.startsWith('test:quiet/'));
    expect(quietGate?.revert).toMatchObject({ offered: false });
    expect(quietGate?.description).toContain('No revert: a revert covers nothing: quiet has no waypoint');
    expect(refused).toMatch(
      /^nothing to revert at "failed:test:quiet\/batch-v1@1\.27\.3#\d+": a revert covers nothing: quiet has no waypoint, and ztunnel serves every namespace of its node/,
    );
    expect(writes).toBe(0);

    const bookinfoGate = gates.find((g) => g.kind === 'failure' && g.stepId?.startsWith('test:bookinfo/'));
    expect(bookinfoGate?.description).toContain('revert puts the waypoint bookinfo/reviews-waypoint back on 1-26-4');
    expect(result.outcome).toBe('partial');
    expect(result.status.reverted).toEqual([
      expect.objectContaining({ kind: 'waypoint', namespace: 'bookinfo', name: 'reviews-waypoint', to: '1-26-4' }),
    ]);
    expect(
      cluster.sim.get('gateways.gateway.networking.k8s.io', 'bookinfo', 'reviews-waypoint')?.metadata.labels?.[
        'istio.io/rev'
      ],
    ).toBe('1-26-4');
    expect(waypointProxies(cluster)).toEqual(['1.26.4@1-26-4']);
    const ztunnel = cluster.sim
      .list('pods', 'istio-system')
      .filter((p) => p.metadata.labels?.app === 'ztunnel' && p.metadata.deletionTimestamp === undefined);
    expect(ztunnel.length).toBeGreaterThan(0);
    expect(
      ztunnel.every((p) =>
        ((p.spec as { containers: { image?: string }[] }).containers[0]?.image ?? '').endsWith(':1.27.3'),
      ),
    ).toBe(true);
  }, 180_000);
});
