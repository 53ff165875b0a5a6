import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIstioctlActivities } from '../../../activities/istioctl/activities.js';
import type { ToolsConfig } from '../../../activities/tools/config.js';
import { startCluster, type SimCluster } from '../support/sim.js';
import { toolsFolder } from '../support/tools.js';
import { failureOf } from '../support/failures.js';

let cluster: SimCluster;
let istioctl: ReturnType<typeof createIstioctlActivities>;
let tools: ToolsConfig;
beforeAll(async () => {
  cluster = await startCluster('sidecarIstioctl');
  tools = { searchPath: [toolsFolder({ 'istioctl-1.26': 'istioctl', 'istioctl-1.28': 'istioctl' })], kubeconfigPath: cluster.sim.kubeconfigPath, timeoutMs: 60_000 };
  istioctl = createIstioctlActivities({ clients: cluster.clients, tools });
});
afterAll(() => cluster.stop());

const writes = () => cluster.sim.writeLog.length;

describe('istioctl through the stand-in, as a process', () => {
  it('installs revision 1-28 with istioctl-1.28 beside the default one, and a second call runs nothing', async () => {
    const first = await istioctl.istioctlInstall({ version: '1.28', revision: '1-28' });
    expect(first).toEqual({ changed: true, command: 'istioctl install -y --revision 1-28' });
    const istiod = cluster.sim.get('deployments', 'istio-system', 'istiod-1-28');
    expect(JSON.stringify(istiod?.spec)).toContain('pilot:1.28.0');
    const before = writes();
    expect(await istioctl.istioctlInstall({ version: '1.28.0', revision: '1-28' })).toEqual({ changed: false, command: null });
    expect(writes()).toBe(before);
  });

  it('points the prod tag at 1-28, once', async () => {
    expect((await istioctl.istioctlTagSet({ version: '1.28', tag: 'prod', revision: '1-28' })).changed).toBe(true);
    const tagged = cluster.sim.list('mutatingwebhookconfigurations').find((w) => w.metadata.labels?.['istio.io/tag'] === 'prod');
    expect(tagged?.metadata.labels?.['istio.io/rev']).toBe('1-28');
    expect((await istioctl.istioctlTagSet({ version: '1.28', tag: 'prod', revision: '1-28' })).changed).toBe(false);
  });

  it('reads proxy-status: every bookinfo proxy on 1.26.4 and synced', async () => {
    const rows = await istioctl.istioctlProxyStatus({ version: '1.26' });
    const bookinfo = rows.filter((r) => r.namespace === 'bookinfo');
    expect(bookinfo.length).toBe(8);
    expect(bookinfo.every((r) => r.version === '1.26.4' && r.synced && r.istiod !== null)).toBe(true);
  });

  it('runs istioctl x precheck with the target version and reports no findings', async () => {
    expect(await istioctl.istioctlPrecheck({ version: '1.28' })).toEqual({ passed: true, findings: [] });
  });

  it('uninstalls revision 1-28 once; again is a no-op', async () => {
    await istioctl.istioctlTagSet({ version: '1.28', tag: 'prod', revision: 'default' });
    expect((await istioctl.istioctlUninstallRevision({ version: '1.28', revision: '1-28' })).changed).toBe(true);
    expect(cluster.sim.get('deployments', 'istio-system', 'istiod-1-28')).toBeUndefined();
    expect(await istioctl.istioctlUninstallRevision({ version: '1.28', revision: '1-28' })).toEqual({ changed: false, command: null });
  });

  it('a refused install fails as CommandFailed with the command, exit code and stderr', async () => {
    const f = await failureOf(istioctl.istioctlInstall({ version: '1.28', revision: '1-28', profile: 'no-such-profile' }));
    expect(f.type).toBe('CommandFailed');
    expect(f.nonRetryable).toBe(true);
    const details = f.details?.[0] as { command: string; exitCode: number; stderr: string };
    expect(details.command).toBe('istioctl-1.28 install -y --revision 1-28 --set profile=no-such-profile');
    expect(details.exitCode).not.toBe(0);
    expect(details.stderr).toContain('no-such-profile');
  });

  it('an Istio version with no istioctl configured is a Validation failure, before anything runs', async () => {
    const f = await failureOf(istioctl.istioctlInstall({ version: '1.29', revision: '1-29' }));
    expect(f.type).toBe('Validation');
    expect(f.message).toContain('no istioctl for Istio 1.29');
  });
});
