/**
 * istioctl installs of an ambient revision's parts, through the stand-in as a process: the
 * revision without its node agents, then istio-cni alone, then ztunnel, each returning once
 * applied so the workflow watches the rollout itself. A ztunnel stuck on one node does not hold
 * the call inside istioctl's readiness wait.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIstioctlActivities } from '../../../activities/istioctl/activities.js';
import { createKubeClients } from '../../../activities/kubernetes/clients.js';
import { startSim, type Sim } from '../../../sim/index.js';
import { failureOf } from '../support/failures.js';
import { toolsFolder } from '../support/tools.js';

let sim: Sim;
let istioctl: ReturnType<typeof createIstioctlActivities>;
beforeAll(async () => {
  sim = await startSim({
    scenario: {
      name: 'ambient-istioctl-node-agents',
      timing: { podReadySeconds: 2, jobRunSeconds: 2 },
      nodes: 3,
      istio: { installer: 'istioctl', mode: 'ambient', version: '1.26.4' },
      namespaces: [{ name: 'bookinfo', labels: { 'istio.io/dataplane-mode': 'ambient' } }],
    },
    timeScale: 20,
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sim.kubeconfigPath);
  istioctl = createIstioctlActivities({
    clients: createKubeClients(kubeConfig),
    tools: {
      searchPath: [toolsFolder({ 'istioctl-1.27.3': 'istioctl' })],
      kubeconfigPath: sim.kubeconfigPath,
      timeoutMs: 60_000,
    },
  });
});
afterAll(() => sim.stop());

interface DaemonSetView {
  metadata: { labels?: Record<string, string> };
  status?: { updatedNumberScheduled?: number; numberAvailable?: number; desiredNumberScheduled?: number };
}
const daemonSet = (name: string) => sim.get('daemonsets', 'istio-system', name) as DaemonSetView | undefined;
const versions = () =>
  ['istio-cni-node', 'ztunnel'].map((name) => daemonSet(name)?.metadata.labels?.['app.kubernetes.io/version']);
const daemonSetWrites = (from: number) =>
  sim.writeLog.filter((w) => w.seq > from && w.resource === 'daemonsets').map((w) => w.name);
const lastSeq = () => sim.writeLog.at(-1)?.seq ?? 0;

describe('an ambient revision installed part by part with istioctl', { timeout: 120_000 }, () => {
  it('installs istiod-1-27-3 with components.cni and components.ztunnel off, leaving both DaemonSets untouched', async () => {
    const before = lastSeq();
    const change = await istioctl.istioctlInstall({
      version: '1.27.3',
      revision: '1-27-3',
      profile: 'ambient',
      components: { cni: false, ztunnel: false },
    });
    expect(change.changed).toBe(true);
    expect(sim.get('deployments', 'istio-system', 'istiod-1-27-3')).toBeDefined();
    expect(daemonSetWrites(before)).toEqual([]);
    expect(versions()).toEqual(['1.26.4', '1.26.4']);
  });

  it('rolls istio-cni alone, then ztunnel: a ztunnel stuck on node-2 returns once applied, in seconds, and a second call runs nothing', async () => {
    const cniSeq = lastSeq();
    const cni = await istioctl.istioctlInstall({
      version: '1.27.3',
      revision: '1-27-3',
      profile: 'ambient',
      components: { ztunnel: false },
      waitReady: false,
    });
    expect(cni.command).toContain('--readiness-timeout');
    expect(daemonSetWrites(cniSeq)).toEqual(['istio-cni-node']);
    expect(versions()).toEqual(['1.27.3', '1.26.4']);

    sim.faults.add({
      kind: 'podStuck',
      selector: { daemonSet: 'ztunnel' },
      node: 'node-2',
      reason: 'ContainerCreating',
      onlyVersion: '1.27.3',
    });
    const started = Date.now();
    const ztunnel = await istioctl.istioctlInstall({
      version: '1.27.3',
      revision: '1-27-3',
      profile: 'ambient',
      waitReady: false,
    });
    expect(ztunnel.changed).toBe(true);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(versions()).toEqual(['1.27.3', '1.27.3']);
    // Applied, not rolled out: node-2 still has no ready ztunnel of the new version.
    const status = daemonSet('ztunnel')?.status;
    expect(status?.numberAvailable ?? 0).toBeLessThan(status?.desiredNumberScheduled ?? 0);

    const seq = lastSeq();
    expect(
      await istioctl.istioctlInstall({ version: '1.27.3', revision: '1-27-3', profile: 'ambient', waitReady: false }),
    ).toEqual({ changed: false, command: null });
    expect(daemonSetWrites(seq)).toEqual([]);
    sim.faults.clear();
  });

  it('refuses a component other than the node agents, naming the field, before istioctl runs', async () => {
    const f = await failureOf(
      istioctl.istioctlInstall({
        version: '1.27.3',
        revision: '1-27-3',
        components: { pilot: false } as unknown as { cni: boolean },
      }),
    );
    expect(f.type).toBe('Validation');
    expect(f.message).toContain('components.pilot');
  });
});
