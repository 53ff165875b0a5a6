/**
 * The stand-ins reach the cluster exactly as the real tools do: a kubeconfig from a flag or the
 * KUBECONFIG variable, optionally another context, and the API over HTTPS. Nothing here knows
 * that the cluster is simulated.
 */
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { ToolError } from '../cli/tool-error.js';

export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
}

export interface Kube {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly admission: AdmissionregistrationV1Api;
  readonly objects: KubernetesObjectApi;
  /** The namespace of the current context, which helm uses when `-n` is absent. */
  readonly contextNamespace: string;
}

export function connect(target: KubeTarget): Kube {
  const config = new KubeConfig();
  if (target.kubeconfig !== undefined && target.kubeconfig !== '') config.loadFromFile(target.kubeconfig);
  else config.loadFromDefault();
  if (target.context !== undefined && target.context !== '') {
    if (!config.getContextObject(target.context)) throw new ToolError(`context "${target.context}" does not exist`);
    config.setCurrentContext(target.context);
  }
  if (!config.getCurrentCluster())
    throw new ToolError(
      'invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable',
    );
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    admission: config.makeApiClient(AdmissionregistrationV1Api),
    objects: KubernetesObjectApi.makeApiClient(config),
    contextNamespace: config.getContextObject(config.getCurrentContext())?.namespace ?? 'default',
  };
}
