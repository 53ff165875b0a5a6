/**
 * Two simulated clusters in one kubeconfig whose current context is the wrong one: the worker
 * is told to act on `prod`, and every write, through the API or a tool, must land there.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createHelmActivities } from '../../../activities/helm/activities.js';
import { createIstioctlActivities } from '../../../activities/istioctl/activities.js';
import { createKubeClients } from '../../../activities/kubernetes/clients.js';
import { activityDepsFromEnv } from '../../../worker/activity-deps.js';
import { startCluster, type SimCluster } from '../support/sim.js';
import { toolsFolder } from '../support/tools.js';

interface KubeconfigFile {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
}

/** One kubeconfig holding both sims, `current-context` pointing at `other`. */
function mergedKubeconfig(prod: SimCluster, other: SimCluster): string {
  const entry = (name: string, c: SimCluster) => {
    const file = parse(readFileSync(c.sim.kubeconfigPath, 'utf8')) as KubeconfigFile;
    return {
      cluster: { name, cluster: file.clusters[0]?.cluster ?? {} },
      user: { name, user: file.users[0]?.user ?? {} },
      context: { name, context: { cluster: name, user: name, namespace: 'default' } },
    };
  };
  const entries = [entry('prod', prod), entry('other', other)];
  const path = join(mkdtempSync(join(tmpdir(), 'two-clusters-')), 'kubeconfig');
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: entries.map((e) => e.cluster),
      users: entries.map((e) => e.user),
      contexts: entries.map((e) => e.context),
      'current-context': 'other',
    }),
    { mode: 0o600 },
  );
  return path;
}

let prod: SimCluster;
let other: SimCluster;
let kubeconfig: string;
beforeAll(async () => {
  [prod, other] = await Promise.all([startCluster('sidecarIstioctl'), startCluster('sidecarIstioctl')]);
  kubeconfig = mergedKubeconfig(prod, other);
});
afterAll(async () => Promise.all([prod.stop(), other.stop()]));

describe('the right cluster, every time', () => {
  it('the worker pins the tools to the context its Kubernetes client uses', () => {
    const { deps, cluster } = activityDepsFromEnv({ KUBECONFIG: kubeconfig, ISTIO_UPGRADE_KUBE_CONTEXT: 'prod' });
    expect(cluster.context).toBe('prod');
    expect(deps.tools).toMatchObject({ kubeconfigPath: kubeconfig, context: 'prod' });
  });

  it("istioctl and helm act on prod although the kubeconfig's current context is another cluster: nothing is written there", async () => {
    const { deps } = activityDepsFromEnv({ KUBECONFIG: kubeconfig, ISTIO_UPGRADE_KUBE_CONTEXT: 'prod' });
    const tools = {
      ...deps.tools,
      searchPath: [toolsFolder({ 'istioctl-1.28': 'istioctl', helm: 'helm' })],
      timeoutMs: 60_000,
    };
    const clients = createKubeClients(deps.kubeConfig);
    const istioctl = createIstioctlActivities({ clients, tools });
    const helm = createHelmActivities(tools);
    const untouched = other.sim.writeLog.length;

    expect((await istioctl.istioctlInstall({ version: '1.28', revision: '1-28' })).changed).toBe(true);
    expect((await istioctl.istioctlTagSet({ version: '1.28', tag: 'prod-stable', revision: '1-28' })).changed).toBe(
      true,
    );
    expect((await istioctl.istioctlPrecheck({ version: '1.28' })).passed).toBe(true);
    expect((await istioctl.istioctlProxyStatus({ version: '1.28' })).length).toBeGreaterThan(0);
    expect(
      (
        await helm.helmUpgradeInstall({
          version: '1.28.0',
          release: 'istio-base',
          chart: 'istio/base',
          namespace: 'istio-system',
        })
      ).changed,
    ).toBe(true);
    expect((await istioctl.istioctlUninstallRevision({ version: '1.28', revision: '1-28' })).changed).toBe(true);

    expect(prod.sim.writeLog.length).toBeGreaterThan(0);
    expect(other.sim.writeLog.slice(untouched)).toEqual([]);
    expect(other.sim.get('deployments', 'istio-system', 'istiod-1-28')).toBeUndefined();
  });
});
