import { describe, expect, it } from 'vitest';
import { planRollback } from '../../../core/plan/rollback.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import { cluster, spec } from '../fixtures/cluster.js';

const analysis = {
  checks: [
    { name: 'request-success-rate', baseline: { maxDecrease: 0.005 } },
    { name: 'request-duration', baseline: { maxIncreasePercent: 20 } },
    { name: 'tcp-connection-rate', baseline: { maxDecreasePercent: 50 } },
  ],
};

describe('where analysis runs in a plan', () => {
  it('runs during the soak, after each restart for its workload, and before the old revision goes (a sidecar canary)', () => {
    const plan = planUpgrade(
      spec({
        install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
        version: { target: '1.28.0' },
        analysis,
      }),
      cluster({ version: '1.27.3' }),
    );
    expect(plan.analysis?.points.map((point) => `${point.point} ${point.stepId} ${point.targets.length}`)).toEqual([
      'soak soak:control-plane@1.28.0 4',
      'restarts restart:bookinfo/details-v1@1.28.0 1',
      'restarts restart:bookinfo/productpage-v1@1.28.0 1',
      'restarts restart:bookinfo/ratings-v1@1.28.0 1',
      'restarts restart:bookinfo/reviews-v2@1.28.0 1',
      'before-removal remove-revision:default 4',
    ]);
    expect(plan.analysis?.targets.find((target) => target.workload === 'reviews-v2')).toEqual({
      namespace: 'bookinfo',
      workload: 'reviews-v2',
      telemetry: 'sidecar',
      checks: ['request-success-rate', 'request-duration'],
    });
    expect(plan.analysis?.notes).toEqual([
      "tcp-connection-rate reads ztunnel's L4 metrics: not run for the sidecar and waypoint workloads of bookinfo, which L7 checks judge",
    ]);
  });

  it('judges ambient workloads without a waypoint by L4 checks after ztunnel, and says why their L7 checks have no data', () => {
    const plan = planUpgrade(
      spec({
        install: { method: 'helm', mode: 'ambient', strategy: 'revision' },
        version: { target: '1.28.0' },
        analysis,
      }),
      cluster({ version: '1.27.3', ambient: true }),
    );
    const ztunnel = plan.analysis?.points.find((point) => point.point === 'ztunnel');
    expect(ztunnel?.targets.map((target) => target.workload)).toEqual([
      'details-v1',
      'productpage-v1',
      'ratings-v1',
      'reviews-v2',
    ]);
    expect(plan.analysis?.targets[0]).toMatchObject({ telemetry: 'ztunnel', checks: ['tcp-connection-rate'] });
    expect(plan.analysis?.notes).toEqual([
      'request-success-rate, request-duration have no data in bookinfo: its workloads are ambient without a waypoint, and ztunnel reports L4 metrics only (istio_tcp_*); tcp-connection-rate judges them there',
    ]);
  });

  it('reads L7 from the waypoint of an ambient namespace that uses one', () => {
    const inventory = cluster({ version: '1.27.3', ambient: true });
    inventory.namespaces = inventory.namespaces.map((namespace) =>
      namespace.name === 'bookinfo'
        ? { ...namespace, labels: { ...namespace.labels, 'istio.io/use-waypoint': 'waypoint' } }
        : namespace,
    );
    const plan = planUpgrade(
      spec({
        install: { method: 'helm', mode: 'ambient', strategy: 'revision' },
        version: { target: '1.28.0' },
        analysis,
      }),
      inventory,
    );
    expect(plan.analysis?.targets[0]).toMatchObject({
      telemetry: 'waypoint',
      checks: ['request-success-rate', 'request-duration'],
    });
  });

  it('has no analysis without `analysis:` in the spec, and a rollback plans none', () => {
    const plain = planUpgrade(
      spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'revision' }, version: { target: '1.28.0' } }),
      cluster({ version: '1.27.3' }),
    );
    expect('analysis' in plain).toBe(false);
    const inventory = cluster({ version: '1.27.3' });
    const analysed = planUpgrade(
      spec({
        install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
        version: { target: '1.28.0' },
        analysis,
      }),
      inventory,
    );
    expect(analysed.analysis).toBeDefined();
    expect(planRollback(analysed, inventory).analysis).toBeUndefined();
  });
});
