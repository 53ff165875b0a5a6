import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHelmActivities } from '../../../activities/helm/activities.js';
import { startCluster, type SimCluster } from '../support/sim.js';
import { toolsFolder } from '../support/tools.js';
import { failureOf } from '../support/failures.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure } from '@temporalio/common';
import { runIn } from '../support/activity-env.js';

let cluster: SimCluster;
let helm: ReturnType<typeof createHelmActivities>;
beforeAll(async () => {
  cluster = await startCluster('sidecarHelm');
  helm = createHelmActivities({
    searchPath: [toolsFolder({ helm: 'helm' })],
    kubeconfigPath: cluster.sim.kubeconfigPath,
    timeoutMs: 60_000,
  });
});
afterAll(() => cluster.stop());

const canary = {
  version: '1.28.0',
  release: 'istiod-1-28',
  chart: 'istio/istiod',
  namespace: 'istio-system',
  values: { revision: '1-28' },
};

describe('helm through the stand-in, as a process', () => {
  it('installs the istiod chart as revision 1-28 with helm upgrade --install, and a second call runs no upgrade', async () => {
    expect(await helm.helmUpgradeInstall(canary)).toEqual({ changed: true, revision: 1 });
    expect(JSON.stringify(cluster.sim.get('deployments', 'istio-system', 'istiod-1-28')?.spec)).toContain(
      'pilot:1.28.0',
    );
    const before = cluster.sim.writeLog.length;
    expect(await helm.helmUpgradeInstall(canary)).toEqual({ changed: false, revision: 1 });
    expect(cluster.sim.writeLog.length).toBe(before);
  });

  it('upgrades the release again when its values change', async () => {
    const changed = await helm.helmUpgradeInstall({
      ...canary,
      values: { revision: '1-28', pilot: { env: { ENABLE_NATIVE_SIDECARS: 'false' } } },
      waitSeconds: 60,
    });
    expect(changed).toEqual({ changed: true, revision: 2 });
  });

  it('uninstalls the release once; again is a no-op', async () => {
    expect(
      (await helm.helmUninstall({ version: '1.28.0', release: 'istiod-1-28', namespace: 'istio-system' })).changed,
    ).toBe(true);
    expect(cluster.sim.get('deployments', 'istio-system', 'istiod-1-28')).toBeUndefined();
    expect(
      (await helm.helmUninstall({ version: '1.28.0', release: 'istiod-1-28', namespace: 'istio-system' })).changed,
    ).toBe(false);
  });

  it('a helm killed mid-upgrade leaves the release pending; the retry of the same activity rolls it back and upgrades again', async () => {
    await helm.helmUpgradeInstall(canary);
    // istiod of the new values never gets ready, so `helm --wait` is still running when the worker "dies".
    cluster.sim.faults.add({ kind: 'neverReady', deployment: 'istiod-1-28', namespace: 'istio-system' });
    const attempt = (n: number) =>
      new MockActivityEnvironment({ attempt: n, activityId: 'upgrade-istiod', heartbeatTimeoutMs: 2_000 });
    const first = attempt(1);
    const changed = {
      ...canary,
      values: { revision: '1-28', pilot: { env: { PILOT_TRACE_SAMPLING: '5' } } },
      waitSeconds: 300,
    };
    const run = first.run(() => helm.helmUpgradeInstall(changed));
    const pendingSeen = (async () => {
      for (;;) {
        const secrets = cluster.sim
          .list('secrets', 'istio-system')
          .filter((x) => x.metadata.labels?.name === 'istiod-1-28');
        if (secrets.some((x) => x.metadata.labels?.status === 'pending-upgrade')) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await pendingSeen;
    first.cancel();
    await expect(run).rejects.toBeInstanceOf(CancelledFailure);
    cluster.sim.faults.clear();

    const retried = await runIn(attempt(2), () => helm.helmUpgradeInstall(changed));
    expect(retried.changed).toBe(true);
    expect(retried.recovered).toMatch(/rolled istio-system\/istiod-1-28 back to revision \d+, left pending-upgrade/);
    const statuses = cluster.sim
      .list('secrets', 'istio-system')
      .filter((x) => x.metadata.labels?.name === 'istiod-1-28')
      .map((x) => x.metadata.labels?.status);
    expect(statuses.filter((x) => x === 'deployed')).toHaveLength(1);
    expect(statuses.some((x) => x?.startsWith('pending-') === true)).toBe(false);
    expect(JSON.stringify(cluster.sim.get('deployments', 'istio-system', 'istiod-1-28')?.spec)).toContain(
      'PILOT_TRACE_SAMPLING',
    );
  });

  it('a release pending from another operation is left alone, as a retryable Conflict', async () => {
    await helm.helmUpgradeInstall(canary);
    cluster.sim.faults.add({ kind: 'neverReady', deployment: 'istiod-1-28', namespace: 'istio-system' });
    const someoneElse = new MockActivityEnvironment({ activityId: 'another-workflows-step' });
    const theirs = {
      ...canary,
      values: { revision: '1-28', pilot: { env: { PILOT_TRACE_SAMPLING: '7' } } },
      waitSeconds: 300,
    };
    const run = someoneElse.run(() => helm.helmUpgradeInstall(theirs));
    for (;;) {
      const pending = cluster.sim
        .list('secrets', 'istio-system')
        .some((x) => x.metadata.labels?.name === 'istiod-1-28' && x.metadata.labels.status === 'pending-upgrade');
      if (pending) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    someoneElse.cancel();
    await expect(run).rejects.toBeInstanceOf(CancelledFailure);
    cluster.sim.faults.clear();
    const before = cluster.sim.writeLog.length;
    const f = await failureOf(
      new MockActivityEnvironment({ activityId: 'upgrade-istiod' }).run(() => helm.helmUpgradeInstall(canary)),
    );
    expect(f.type).toBe('Conflict');
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('another-workflows-step');
    expect(cluster.sim.writeLog.length).toBe(before);
    // The other operation's own retry recovers it.
    const recovered = await runIn(new MockActivityEnvironment({ activityId: 'another-workflows-step' }), () =>
      helm.helmUpgradeInstall(theirs),
    );
    expect(recovered.recovered).toContain('rolled');
  });

  it('refuses a release name that is not a DNS label, naming the field', async () => {
    const f = await failureOf(helm.helmUpgradeInstall({ ...canary, release: 'Istiod_1.28' }));
    expect(f.type).toBe('Validation');
    expect(f.message).toContain('release');
  });

  it("an unknown chart fails as CommandFailed with helm's own error", async () => {
    const f = await failureOf(helm.helmUpgradeInstall({ ...canary, chart: 'istio/no-such-chart' }));
    expect(f.type).toBe('CommandFailed');
    expect((f.details?.[0] as { stderr: string }).stderr).toContain('no-such-chart');
  });
});
