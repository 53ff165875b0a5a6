/**
 * The Kubernetes API clients every kubernetes and sail adapter receives, built once per worker
 * from one KubeConfig. Tests build them from the simulator's kubeconfig.
 */
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PolicyV1Api,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';

export interface KubeClients {
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly custom: CustomObjectsApi;
  readonly admission: AdmissionregistrationV1Api;
  /** Any object by apiVersion and kind: what an installer's manifest names. */
  readonly objects: KubernetesObjectApi;
  readonly policy: PolicyV1Api;
  readonly watch: Watch;
}

export function createKubeClients(kubeConfig: KubeConfig): KubeClients {
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    admission: kubeConfig.makeApiClient(AdmissionregistrationV1Api),
    objects: KubernetesObjectApi.makeApiClient(kubeConfig),
    policy: kubeConfig.makeApiClient(PolicyV1Api),
    watch: new Watch(kubeConfig),
  };
}

/**
 * JSON merge patch: the generated client defaults to JSON patch, whose `add`/`remove` fail on
 * missing paths and would make "remove a label that is gone" an error instead of a no-op.
 */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
