/**
 * What the activities need from the worker's environment: the cluster it acts on and where the
 * Istio tools live. Only paths and names are read here; credentials stay inside the KubeConfig
 * object and are never logged.
 */
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { ActivityDeps } from '../activities/index.js';

export interface ClusterTarget {
  context: string;
  server: string;
}

export function activityDepsFromEnv(env: NodeJS.ProcessEnv = process.env): { deps: ActivityDeps; cluster: ClusterTarget } {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  if (env.ISTIO_UPGRADE_KUBE_CONTEXT) kubeConfig.setCurrentContext(env.ISTIO_UPGRADE_KUBE_CONTEXT);
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) {
    throw new Error('no Kubernetes cluster configured: set KUBECONFIG (and ISTIO_UPGRADE_KUBE_CONTEXT to pick a context)');
  }
  return {
    cluster: { context: kubeConfig.getCurrentContext(), server: cluster.server },
    deps: {
      kubeConfig,
      tools: {
        ...(env.ISTIO_VERSIONS_DIR && { versionsDir: env.ISTIO_VERSIONS_DIR }),
        ...(env.ISTIO_TOOLS_PATH && { searchPath: env.ISTIO_TOOLS_PATH.split(delimiter) }),
        ...(env.KUBECONFIG && !env.KUBECONFIG.includes(delimiter) && { kubeconfigPath: env.KUBECONFIG }),
      },
    },
  };
}
