/**
 * What the activities need from the worker's environment: the cluster it acts on and where the
 * Istio tools live. Only paths and names are read here; credentials stay inside the KubeConfig
 * object and are never logged. The tools get the same kubeconfig and context as the Kubernetes
 * client, so every call, API or tool, reaches the same cluster.
 */
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { ActivityDeps } from '../activities/index.js';
import { slackActivityConfigFromEnv } from '../activities/slack/config.js';
import { prometheusConfigFromEnv } from '../activities/prometheus/config.js';

export interface ClusterTarget {
  context: string;
  server: string;
}

export function activityDepsFromEnv(env: NodeJS.ProcessEnv = process.env): {
  deps: ActivityDeps;
  cluster: ClusterTarget;
} {
  const kubeConfig = new KubeConfig();
  const singleFile =
    env.KUBECONFIG !== undefined && env.KUBECONFIG !== '' && !env.KUBECONFIG.includes(delimiter)
      ? env.KUBECONFIG
      : undefined;
  if (singleFile !== undefined) kubeConfig.loadFromFile(singleFile);
  else kubeConfig.loadFromDefault();
  if (env.ISTIO_UPGRADE_KUBE_CONTEXT) {
    if (!kubeConfig.getContextObject(env.ISTIO_UPGRADE_KUBE_CONTEXT)) {
      throw new Error(
        `ISTIO_UPGRADE_KUBE_CONTEXT: context "${env.ISTIO_UPGRADE_KUBE_CONTEXT}" is not in the kubeconfig`,
      );
    }
    kubeConfig.setCurrentContext(env.ISTIO_UPGRADE_KUBE_CONTEXT);
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) {
    throw new Error(
      'no Kubernetes cluster configured: set KUBECONFIG (and ISTIO_UPGRADE_KUBE_CONTEXT to pick a context)',
    );
  }
  const context = kubeConfig.getCurrentContext();
  // In-cluster credentials have no kubeconfig context a tool could name; the tools find the same service account themselves.
  const namedContext = kubeConfig.getContextObject(context) !== null && context !== 'inClusterContext';
  return {
    cluster: { context, server: cluster.server },
    deps: {
      kubeConfig,
      // Without a bot token the Slack activities fail at once, naming the variable; upgrades go on.
      slack: slackActivityConfigFromEnv(env),
      // Address and credentials for metric analysis; the credentials never leave the worker.
      prometheus: prometheusConfigFromEnv(env),
      // The one cluster this worker serves, so an upgrade for another is refused (fleets route by task queue).
      ...(env.ISTIO_UPGRADE_CLUSTER && { cluster: env.ISTIO_UPGRADE_CLUSTER }),
      tools: {
        ...(env.ISTIO_VERSIONS_DIR && { versionsDir: env.ISTIO_VERSIONS_DIR }),
        ...(env.ISTIO_TOOLS_PATH && { searchPath: env.ISTIO_TOOLS_PATH.split(delimiter) }),
        // Releases owned by Terraform: this binary, else terraform or tofu on the search path.
        ...(env.TERRAFORM_PATH && { terraformPath: env.TERRAFORM_PATH }),
        ...(singleFile !== undefined && { kubeconfigPath: singleFile }),
        // A list of kubeconfig files has no --kubeconfig spelling; the tools merge it from KUBECONFIG as the client did.
        ...(singleFile === undefined && env.KUBECONFIG && { env: { KUBECONFIG: env.KUBECONFIG } }),
        ...(namedContext && { context }),
      },
    },
  };
}
