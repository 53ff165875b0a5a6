import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIstioctlActivities } from '../../../activities/istioctl/activities.js';
import type { ToolsConfig } from '../../../activities/tools/config.js';
import { startCluster, type SimCluster } from '../support/sim.js';
import { toolsFolder } from '../support/tools.js';
import { failureOf } from '../support/failures.js';
import { activityEnv, runIn } from '../support/activity-env.js';

let cluster: SimCluster;
let istioctl: ReturnType<typeof createIstioctlActivities>;
let tools: ToolsConfig;
beforeAll(async () => {
  cluster = await startCluster('sidecarIstioctl');
  tools = {
    searchPath: [toolsFolder({ 'istioctl-1.26': 'istioctl', 'istioctl-1.28': 'istioctl' })],
    kubeconfigPath: cluster.sim.kubeconfigPath,
    timeoutMs: 60_000,
  };
  istioctl = createIstioctlActivities({ clients: cluster.clients, tools });
});
afterAll(() => cluster.stop());

const writes = () => cluster.sim.writeLog.length;

describe('istioctl through the stand-in, as a process', () => {
  it('installs revision 1-28 with istioctl-1.28 beside the default one, and a second call runs nothing', async () => {
    const first = await istioctl.istioctlInstall({ version: '1.28', revision: '1-28' });
    expect(first).toEqual({
      changed: true,
      command: `istioctl install -y --revision 1-28 -f istio-operator.yaml --kubeconfig ${cluster.sim.kubeconfigPath}`,
    });
    const istiod = cluster.sim.get('deployments', 'istio-system', 'istiod-1-28');
    expect(JSON.stringify(istiod?.spec)).toContain('pilot:1.28.0');
    const before = writes();
    expect(await istioctl.istioctlInstall({ version: '1.28.0', revision: '1-28' })).toEqual({
      changed: false,
      command: null,
    });
    expect(writes()).toBe(before);
  });

  it('points the prod tag at 1-28, once', async () => {
    expect((await istioctl.istioctlTagSet({ version: '1.28', tag: 'prod', revision: '1-28' })).changed).toBe(true);
    const tagged = cluster.sim
      .list('mutatingwebhookconfigurations')
      .find((w) => w.metadata.labels?.['istio.io/tag'] === 'prod');
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
    expect(await istioctl.istioctlUninstallRevision({ version: '1.28', revision: '1-28' })).toEqual({
      changed: false,
      command: null,
    });
  });

  it('a refused install fails as CommandFailed with the command, exit code and stderr', async () => {
    const f = await failureOf(
      istioctl.istioctlInstall({ version: '1.28', revision: '1-28', profile: 'no-such-profile' }),
    );
    expect(f.type).toBe('CommandFailed');
    expect(f.nonRetryable).toBe(true);
    const details = f.details?.[0] as { command: string; exitCode: number; stderr: string };
    expect(details.command).toMatch(/^istioctl-1\.28 manifest generate --revision 1-28 -f \S+istio-operator\.yaml/);
    expect(details.exitCode).not.toBe(0);
    expect(details.stderr).toContain('no-such-profile');
  });

  it('passes install settings in a file: they reach istiod but never the command, the heartbeats or a failure', async () => {
    const { env, heartbeats } = activityEnv(300);
    const set = {
      'values.pilot.env.ENABLE_NATIVE_SIDECARS': 'false',
      'values.global.proxy.tracer.accessToken': 'ls-token-123',
      'values.pilot.env.CUSTOM_FLAG': 'visible-only-in-cluster',
    };
    const result = await runIn(env, () => istioctl.istioctlInstall({ version: '1.28', revision: '1-28b', set }));
    expect(result.changed).toBe(true);
    const istiod = JSON.stringify(cluster.sim.get('deployments', 'istio-system', 'istiod-1-28b')?.spec);
    expect(istiod).toContain('ENABLE_NATIVE_SIDECARS');
    expect(istiod).toContain('visible-only-in-cluster');
    const recorded = JSON.stringify({ result, heartbeats });
    expect(heartbeats.length).toBeGreaterThan(0);
    expect(recorded).not.toMatch(/ls-token-123|visible-only-in-cluster|ENABLE_NATIVE_SIDECARS/);
    const f = await failureOf(
      istioctl.istioctlInstall({ version: '1.28', revision: '1-28b', profile: 'no-such-profile', set }),
    );
    expect(JSON.stringify(f)).not.toMatch(/ls-token-123|visible-only-in-cluster/);
    await istioctl.istioctlUninstallRevision({ version: '1.28', revision: '1-28b' });
  });

  it('an install that stopped half-way is not taken for done: a missing injector webhook makes it run again', async () => {
    await istioctl.istioctlInstall({ version: '1.28', revision: '1-28c' });
    await cluster.clients.admission.deleteMutatingWebhookConfiguration({ name: 'istio-sidecar-injector-1-28c' });
    expect((await istioctl.istioctlInstall({ version: '1.28', revision: '1-28c' })).changed).toBe(true);
    expect(cluster.sim.get('mutatingwebhookconfigurations', undefined, 'istio-sidecar-injector-1-28c')).toBeDefined();
  });

  it('an in-place install whose gateway was left behind upgrades it on the next attempt', async () => {
    await istioctl.istioctlInstall({ version: '1.26', revision: 'default' });
    // The gateway's proxy is `image: auto` (injected); the release istioctl stamps on it tells which installed it.
    const gateway = () => JSON.stringify(cluster.sim.get('deployments', 'istio-system', 'istio-ingressgateway'));
    expect(gateway()).toContain('"operator.istio.io/version":"1.26.');
    const stamp = { 'operator.istio.io/version': '1.25.5' };
    const body = { metadata: { labels: stamp }, spec: { template: { metadata: { labels: stamp } } } };
    await cluster.clients.apps.patchNamespacedDeployment(
      { namespace: 'istio-system', name: 'istio-ingressgateway', body },
      (await import('../../../activities/kubernetes/clients.js')).mergePatch,
    );
    expect((await istioctl.istioctlInstall({ version: '1.26', revision: 'default' })).changed).toBe(true);
    expect(gateway()).toContain('"operator.istio.io/version":"1.26.');
    expect(gateway()).not.toContain('1.25.5');
  });

  it('an uninstall that stopped half-way (istiod gone, webhooks left) runs again and removes the rest', async () => {
    await istioctl.istioctlUninstallRevision({ version: '1.28', revision: '1-28c' }).catch(() => undefined);
    await istioctl.istioctlInstall({ version: '1.28', revision: '1-28d' });
    await cluster.clients.apps.deleteNamespacedDeployment({ namespace: 'istio-system', name: 'istiod-1-28d' });
    expect((await istioctl.istioctlUninstallRevision({ version: '1.28', revision: '1-28d' })).changed).toBe(true);
    expect(cluster.sim.get('mutatingwebhookconfigurations', undefined, 'istio-sidecar-injector-1-28d')).toBeUndefined();
    expect(cluster.sim.list('configmaps', 'istio-system').some((c) => c.metadata.name === 'istio-1-28d')).toBe(false);
  });

  it('refuses a revision that is not a DNS label, naming the field', async () => {
    const f = await failureOf(istioctl.istioctlInstall({ version: '1.28', revision: 'Bad Rev' }));
    expect(f.type).toBe('Validation');
    expect(f.message).toContain('revision');
  });

  it('an Istio version with no istioctl configured is a Validation failure, before anything runs', async () => {
    const f = await failureOf(istioctl.istioctlInstall({ version: '1.29', revision: '1-29' }));
    expect(f.type).toBe('Validation');
    expect(f.message).toContain('no istioctl for Istio 1.29');
  });
});
