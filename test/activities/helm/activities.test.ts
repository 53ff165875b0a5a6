import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHelmActivities } from '../../../activities/helm/activities.js';
import { startCluster, type SimCluster } from '../support/sim.js';
import { toolsFolder } from '../support/tools.js';
import { failureOf } from '../support/failures.js';

let cluster: SimCluster;
let helm: ReturnType<typeof createHelmActivities>;
beforeAll(async () => {
  cluster = await startCluster('sidecarHelm');
  helm = createHelmActivities({ searchPath: [toolsFolder({ helm: 'helm' })], kubeconfigPath: cluster.sim.kubeconfigPath, timeoutMs: 60_000 });
});
afterAll(() => cluster.stop());

const canary = { version: '1.28.0', release: 'istiod-1-28', chart: 'istio/istiod', namespace: 'istio-system', values: { revision: '1-28' } };

describe('helm through the stand-in, as a process', () => {
  it('installs the istiod chart as revision 1-28 with helm upgrade --install, and a second call runs no upgrade', async () => {
    expect(await helm.helmUpgradeInstall(canary)).toEqual({ changed: true, revision: 1 });
    expect(JSON.stringify(cluster.sim.get('deployments', 'istio-system', 'istiod-1-28')?.spec)).toContain('pilot:1.28.0');
    const before = cluster.sim.writeLog.length;
    expect(await helm.helmUpgradeInstall(canary)).toEqual({ changed: false, revision: 1 });
    expect(cluster.sim.writeLog.length).toBe(before);
  });

  it('upgrades the release again when its values change', async () => {
    const changed = await helm.helmUpgradeInstall({ ...canary, values: { revision: '1-28', pilot: { env: { ENABLE_NATIVE_SIDECARS: 'false' } } }, waitSeconds: 60 });
    expect(changed).toEqual({ changed: true, revision: 2 });
  });

  it('uninstalls the release once; again is a no-op', async () => {
    expect((await helm.helmUninstall({ version: '1.28.0', release: 'istiod-1-28', namespace: 'istio-system' })).changed).toBe(true);
    expect(cluster.sim.get('deployments', 'istio-system', 'istiod-1-28')).toBeUndefined();
    expect((await helm.helmUninstall({ version: '1.28.0', release: 'istiod-1-28', namespace: 'istio-system' })).changed).toBe(false);
  });

  it('an unknown chart fails as CommandFailed with helm\'s own error', async () => {
    const f = await failureOf(helm.helmUpgradeInstall({ ...canary, chart: 'istio/no-such-chart' }));
    expect(f.type).toBe('CommandFailed');
    expect((f.details?.[0] as { stderr: string }).stderr).toContain('no-such-chart');
  });
});
