/**
 * Istio's sidecar injector as an admission plugin. Which revision injects a pod follows the
 * webhooks' selectors: the namespace's `istio-injection` label wins over its `istio.io/rev`,
 * which wins over the pod's own `istio.io/rev`; `sidecar.istio.io/inject=false` opts a pod out.
 * From 1.27 the proxy is a native sidecar (an init container with restartPolicy Always) unless
 * `compatibilityVersion` < 1.27, `ENABLE_NATIVE_SIDECARS=false`, or the pod opts out.
 * Pods in ambient namespaces get no sidecar; they are marked for ztunnel redirection instead.
 */
import type { Admission } from '../api/admission.js';
import { T } from '../api/resources.js';
import type { Store } from '../api/store.js';
import type { Container, Pod } from '../controllers/shapes.js';
import { resolveRevision } from './revisions.js';
import { compareVersions } from './version.js';

/** The revision (or tag) name whose webhook would inject this pod, if any. */
export function injectionRevisionFor(nsLabels: Record<string, string>, podLabels: Record<string, string>): string | undefined {
  if (podLabels['sidecar.istio.io/inject'] === 'false') return undefined;
  const nsInjection = nsLabels['istio-injection'];
  if (nsInjection === 'enabled') return 'default';
  if (nsInjection !== undefined) return undefined;
  if (nsLabels['istio.io/rev']) return nsLabels['istio.io/rev'];
  if (podLabels['istio.io/rev']) return podLabels['istio.io/rev'];
  if (podLabels['sidecar.istio.io/inject'] === 'true') return 'default';
  return undefined;
}

export function sidecarInjector(store: Store): Admission {
  return (t, obj, op) => {
    if (t !== T.pods || op !== 'create') return;
    const pod = obj as Pod;
    const ns = store.get(T.namespaces, undefined, pod.metadata.namespace ?? '');
    const nsLabels = ns?.metadata.labels ?? {};
    const podLabels = pod.metadata.labels ?? {};
    const requested = injectionRevisionFor(nsLabels, podLabels);
    const rev = requested === undefined ? undefined : resolveRevision(store, requested);
    if (!rev) {
      const ambient = nsLabels['istio.io/dataplane-mode'] === 'ambient' && podLabels['istio.io/dataplane-mode'] !== 'none';
      if (ambient) pod.metadata.annotations = { ...pod.metadata.annotations, 'ambient.istio.io/redirection': 'enabled' };
      return;
    }
    const image = `docker.io/istio/proxyv2:${rev.version}`;
    const annotations = pod.metadata.annotations ?? {};
    const gateway = pod.spec.containers.find((c) => c.name === 'istio-proxy' && c.image === 'auto');
    const effective = rev.compatibilityVersion ?? rev.version;
    const native =
      !gateway &&
      annotations['sidecar.istio.io/nativeSidecar'] !== 'false' &&
      (rev.nativeSidecarsEnv === 'true' || (rev.nativeSidecarsEnv !== 'false' && compareVersions(effective, '1.27') >= 0));
    if (gateway) {
      gateway.image = image;
    } else {
      const proxy: Container = {
        name: 'istio-proxy',
        image,
        args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local'],
        ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
        ...(native ? { restartPolicy: 'Always' } : {}),
      };
      if (native) pod.spec.initContainers = [...(pod.spec.initContainers ?? []), proxy];
      else pod.spec.containers = [...pod.spec.containers, proxy];
    }
    pod.metadata.annotations = {
      ...annotations,
      'sidecar.istio.io/status': JSON.stringify({
        initContainers: native ? ['istio-proxy'] : null,
        containers: native || gateway ? [] : ['istio-proxy'],
        volumes: ['workload-socket', 'credential-socket', 'workload-certs', 'istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert'],
        imagePullSecrets: null,
        revision: rev.revision,
      }),
    };
    pod.metadata.labels = {
      ...podLabels,
      'security.istio.io/tlsMode': 'istio',
      'service.istio.io/canonical-name': podLabels.app ?? pod.metadata.name,
      'service.istio.io/canonical-revision': podLabels.version ?? 'latest',
    };
  };
}

/** The revision recorded on an injected pod. */
export function injectedRevision(pod: Pod): string | undefined {
  const status = pod.metadata.annotations?.['sidecar.istio.io/status'];
  if (!status) return undefined;
  try {
    const parsed = JSON.parse(status) as { revision?: string };
    return parsed.revision;
  } catch {
    return undefined;
  }
}
