import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { bookinfo } from '../support.js';

describe('the simulated API server, driven by @kubernetes/client-node', () => {
  let sim: Sim;
  let kc: KubeConfig;
  beforeAll(async () => {
    sim = await startSim({ scenario: bookinfo(), timeScale: 20 });
    kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
  });
  afterAll(async () => sim.stop());

  it('lists deployments by label selector', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const list = await apps.listNamespacedDeployment({ namespace: 'bookinfo', labelSelector: 'app=reviews' });
    expect(list.items.map((d) => d.metadata?.name).sort()).toEqual(['reviews-v1', 'reviews-v2']);
    expect(list.items[0]?.status?.conditions?.map((c) => c.type).sort()).toEqual(['Available', 'Progressing']);
  });

  it('watches a restart through its Watch class until the rollout completes', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const list = await apps.listNamespacedDeployment({
      namespace: 'bookinfo',
      fieldSelector: 'metadata.name=reviews-v1',
    });
    const seen: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      void new Watch(kc)
        .watch(
          '/apis/apps/v1/namespaces/bookinfo/deployments',
          { fieldSelector: 'metadata.name=reviews-v1', resourceVersion: list.metadata?.resourceVersion },
          (
            type,
            obj: {
              metadata: { generation: number };
              status: {
                observedGeneration?: number;
                updatedReplicas?: number;
                availableReplicas?: number;
                replicas?: number;
              };
            },
          ) => {
            seen.push(type);
            const s = obj.status;
            if (
              s.observedGeneration === obj.metadata.generation &&
              obj.metadata.generation > 1 &&
              s.updatedReplicas === 1 &&
              s.availableReplicas === 1 &&
              s.replicas === 1
            )
              resolve();
          },
          (err: unknown) => (err ? reject(err as Error) : undefined),
        )
        .catch(reject);
    });
    await apps.patchNamespacedDeployment(
      {
        namespace: 'bookinfo',
        name: 'reviews-v1',
        body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 'r1' } } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    await done;
    expect(seen.every((t) => t === 'MODIFIED')).toBe(true);
    expect(seen.length).toBeGreaterThan(1);
  });

  it('reports a missing object as a 404 ApiException', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await expect(core.readNamespacedConfigMap({ namespace: 'bookinfo', name: 'absent' })).rejects.toMatchObject({
      code: 404,
    });
  });
});
