/**
 * Istio's sidecar injector as an admission plugin. Which revision injects a pod follows the
 * webhooks' selectors: the namespace's `istio-injection` label wins over its `istio.io/rev`,
 * which wins over the pod's own `istio.io/rev`; `sidecar.istio.io/inject=false` opts a pod out.
 * From 1.27 the proxy is a native sidecar (an init container with restartPolicy Always) unless
 * `compatibilityVersion` < 1.27, `ENABLE_NATIVE_SIDECARS=false`, or the pod opts out.
 * Pods in ambient namespaces get no sidecar; they are marked for ztunnel redirection instead.
 *
 * The webhook is served by the revision's istiod: when its Service has no ready pod behind it,
 * the API server cannot call the webhook, and with `failurePolicy: Fail` (Istio's default) it
 * refuses the pod with the error a real API server returns, so ReplicaSets record FailedCreate.
 */
import type { Admission } from '../api/admission.js';
import { isJsonObject, type KubeObject } from '../api/object.js';
import { T } from '../api/resources.js';
import { labelSelectorFromObject, type LabelSelectorObject } from '../api/selectors.js';
import { ApiError } from '../api/status.js';
import type { Store } from '../api/store.js';
import { isPodReady, type Container, type Pod } from '../controllers/shapes.js';
import { injectorWebhookName, tagWebhookName } from './manifests.js';
import { resolveRevision, tags } from './revisions.js';
import { compareVersions } from './version.js';

interface WebhookEntry {
  name: string;
  failurePolicy?: string;
  timeoutSeconds?: number;
  clientConfig?: { service?: { name: string; namespace: string; path?: string; port?: number } };
  namespaceSelector?: LabelSelectorObject;
  objectSelector?: LabelSelectorObject;
}

const selects = (selector: LabelSelectorObject | undefined, labels: Record<string, string>): boolean =>
  selector === undefined || labelSelectorFromObject(selector)(labels);

/** The webhook (configuration entry) the API server would call for this pod, if it is in the cluster. */
function webhookFor(
  store: Store,
  requested: string,
  revision: string,
  nsLabels: Record<string, string>,
  podLabels: Record<string, string>,
): WebhookEntry | undefined {
  const configName = tags(store).has(requested) ? tagWebhookName(requested) : injectorWebhookName(revision);
  const config = store.get(T.mutatingwebhooks, undefined, configName);
  const entries = (Array.isArray(config?.webhooks) ? config.webhooks : []).filter(
    isJsonObject,
  ) as unknown as WebhookEntry[];
  return (
    entries.find((w) => selects(w.namespaceSelector, nsLabels) && selects(w.objectSelector, podLabels)) ?? entries[0]
  );
}

/** Why calling the webhook fails, as the API server words it, or undefined when istiod can answer. */
function callFailure(store: Store, webhook: WebhookEntry): string | undefined {
  const target = webhook.clientConfig?.service;
  if (!target) return undefined;
  const url = `https://${target.name}.${target.namespace}.svc:${target.port ?? 443}${target.path ?? ''}?timeout=${webhook.timeoutSeconds ?? 10}s`;
  const service = store.get(T.services, target.namespace, target.name);
  if (!service) return `failed to call webhook: Post "${url}": service "${target.name}" not found`;
  const selector =
    isJsonObject(service.spec) && isJsonObject(service.spec.selector)
      ? (service.spec.selector as Record<string, string>)
      : {};
  const serving = store
    .list(T.pods, target.namespace)
    .some(
      (p: KubeObject) =>
        p.metadata.deletionTimestamp === undefined &&
        Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v) &&
        isPodReady(p as Pod),
    );
  return serving
    ? undefined
    : `failed to call webhook: Post "${url}": no endpoints available for service "${target.name}"`;
}

/** The revision (or tag) name whose webhook would inject this pod, if any. */
export function injectionRevisionFor(
  nsLabels: Record<string, string>,
  podLabels: Record<string, string>,
): string | undefined {
  if (podLabels['sidecar.istio.io/inject'] === 'false') return undefined;
  const nsInjection = nsLabels['istio-injection'];
  if (nsInjection === 'enabled') return 'default';
  if (nsInjection !== undefined) return undefined;
  if (nsLabels['istio.io/rev']) return nsLabels['istio.io/rev'];
  if (podLabels['istio.io/rev']) return podLabels['istio.io/rev'];
  if (podLabels['sidecar.istio.io/inject'] === 'true') return 'default';
  return undefined;
}

/** `callsWebhooks` is false while a scenario boots: istiod and the pods it injects start together. */
export function sidecarInjector(store: Store, callsWebhooks: () => boolean = () => true): Admission {
  return (t, obj, op) => {
    if (t !== T.pods || op !== 'create') return;
    const pod = obj as Pod;
    const ns = store.get(T.namespaces, undefined, pod.metadata.namespace ?? '');
    const nsLabels = ns?.metadata.labels ?? {};
    const podLabels = pod.metadata.labels ?? {};
    const requested = injectionRevisionFor(nsLabels, podLabels);
    const rev = requested === undefined ? undefined : resolveRevision(store, requested);
    if (!rev) {
      const ambient =
        nsLabels['istio.io/dataplane-mode'] === 'ambient' && podLabels['istio.io/dataplane-mode'] !== 'none';
      if (ambient)
        pod.metadata.annotations = { ...pod.metadata.annotations, 'ambient.istio.io/redirection': 'enabled' };
      return;
    }
    const webhook =
      callsWebhooks() && requested !== undefined
        ? webhookFor(store, requested, rev.revision, nsLabels, podLabels)
        : undefined;
    const failure = webhook === undefined ? undefined : callFailure(store, webhook);
    if (webhook !== undefined && failure !== undefined) {
      if (webhook.failurePolicy === 'Ignore') return;
      throw new ApiError(
        500,
        'InternalError',
        `Internal error occurred: failed calling webhook "${webhook.name}": ${failure}`,
      );
    }
    const image = `docker.io/istio/proxyv2:${rev.version}`;
    const annotations = pod.metadata.annotations ?? {};
    // The injector merges its template into a container the pod already names `istio-proxy`
    // rather than adding a second one: that is how a gateway (the `gateway` template, `image:
    // auto`) gets its proxy. Only `auto` is filled in; an image the pod spells out wins.
    const own = pod.spec.containers.find((c) => c.name === 'istio-proxy');
    const gateway = own !== undefined || annotations['inject.istio.io/templates'] === 'gateway';
    const effective = rev.compatibilityVersion ?? rev.version;
    const native =
      !gateway &&
      annotations['sidecar.istio.io/nativeSidecar'] !== 'false' &&
      (rev.nativeSidecarsEnv === 'true' ||
        (rev.nativeSidecarsEnv !== 'false' && compareVersions(effective, '1.27') >= 0));
    if (own !== undefined) {
      if (own.image === undefined || own.image === 'auto') own.image = image;
    } else if (gateway) {
      pod.spec.containers = [...pod.spec.containers, { name: 'istio-proxy', image, args: ['proxy', 'router'] }];
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
        volumes: [
          'workload-socket',
          'credential-socket',
          'workload-certs',
          'istio-envoy',
          'istio-data',
          'istio-podinfo',
          'istio-token',
          'istiod-ca-cert',
        ],
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
