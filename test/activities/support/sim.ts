/**
 * A simulated cluster for adapter tests, reached like a real one: over HTTPS with the real
 * @kubernetes/client-node, from the kubeconfig file the simulator writes.
 */
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { startSim, type Sim } from '../../../sim/index.js';
import { createKubeClients, type KubeClients } from '../../../activities/kubernetes/clients.js';
import { createKubernetesActivities } from '../../../activities/kubernetes/index.js';
import { afterAll, beforeAll } from 'vitest';

export const SCENARIOS = {
  sidecarIstioctl: fileURLToPath(new URL('../../../sim/scenarios/sidecar-istioctl-1.26.yaml', import.meta.url)),
  sidecarHelm: fileURLToPath(new URL('../../../sim/scenarios/sidecar-helm-1.26.yaml', import.meta.url)),
  ambientSail: fileURLToPath(new URL('../../../sim/scenarios/ambient-sail-1.26.yaml', import.meta.url)),
} as const;

export const SIM_BIN = fileURLToPath(new URL('../../../sim/bin/', import.meta.url));

export interface SimCluster {
  sim: Sim;
  kubeConfig: KubeConfig;
  clients: KubeClients;
  stop: () => Promise<void>;
}

export interface ClusterOptions {
  /** Sim-seconds per real second: pods get ready in podReadySeconds / timeScale. */
  timeScale?: number;
  watchHistory?: number;
}

export async function startCluster(
  scenario: keyof typeof SCENARIOS,
  options: ClusterOptions = {},
): Promise<SimCluster> {
  const sim = await startSim({
    scenario: SCENARIOS[scenario],
    timeScale: options.timeScale ?? 20,
    ...(options.watchHistory === undefined ? {} : { watchHistory: options.watchHistory }),
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sim.kubeconfigPath);
  return { sim, kubeConfig, clients: createKubeClients(kubeConfig), stop: () => sim.stop() };
}

export interface KubernetesActivitiesUnderTest {
  cluster: SimCluster;
  k: ReturnType<typeof createKubernetesActivities>;
}

/**
 * A simulated cluster for the file's tests, with the kubernetes adapters built on its clients.
 * The fields are filled in by beforeAll, so read them inside tests, not at module level.
 */
export function kubernetesActivitiesOn(scenario: keyof typeof SCENARIOS): KubernetesActivitiesUnderTest {
  const under = {} as KubernetesActivitiesUnderTest;
  beforeAll(async () => {
    under.cluster = await startCluster(scenario);
    under.k = createKubernetesActivities(under.cluster.clients);
  });
  afterAll(() => under.cluster?.stop());
  return under;
}
